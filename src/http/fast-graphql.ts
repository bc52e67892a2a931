import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { getOperationAST, type DocumentNode } from "graphql";
import type { CompiledQueries } from "../common/compiled-execution";
import type { CostCache } from "../common/cost";
import type { DocumentCache } from "../common/document-cache";
import { MEDIA, resultMediaType } from "./media-types";
import type { RequestIds } from "./request-id";

/** Query texts known not to take the fast path (invalid, not a query, introspection), kept this many. */
const MAX_REFUSED = 500;
/** Longer texts are not kept as refused (500 bodies at the size limit would hold 128 MB). */
const MAX_REFUSED_CHARS = 20_000;
/** Accept headers whose negotiated media type is kept. */
const MAX_ACCEPTS = 64;
/** `application/json`, with or without `charset=utf-8`: what body-parser and Apollo both take as is. */
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const DIGITS = /^\d{1,9}$/;

/** What the fast path read of a request it handed on: the full path answers from it (restoreBody). */
interface ReadBody {
  body?: unknown;
  error?: Error & { status: number };
}

export interface FastGraphqlOptions<TContext> {
  documents: DocumentCache;
  queries: CompiledQueries;
  costs: CostCache;
  maxCost: number;
  bodyBytes: number;
  requestIds: RequestIds;
  /** Headers of every answer (securityHeaders()), in their order. */
  headers: readonly (readonly [string, string])[];
  allowedOrigin(origin: string | undefined): boolean;
  /** The context with its viewer; null when the token is refused (the full path answers 401). */
  context(req: IncomingMessage, requestId: string): Promise<TContext | null>;
  /** A clean answer was sent: what Apollo's plugins (metrics, request log) do on willSendResponse. */
  answered(context: TContext, request: { operationName: string | undefined; resolvedName: string | undefined; started: number }): void;
}

interface GraphqlBody {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

/** The JSON body as body-parser's `json()` (strict) reads it: a 400 error where it refuses it. */
function parseJsonBody(raw: Buffer): ReadBody {
  // iconv-lite (body-parser's decoder) drops a byte order mark.
  let text = raw.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return { body: {} };
  const first = /^[\x20\x09\x0a\x0d]*(.|$)/s.exec(text)?.[1];
  if (first !== "{" && first !== "[") return { error: Object.assign(new Error("Malformed request."), { status: 400 }) };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { error: Object.assign(new Error("Malformed request."), { status: 400 }) };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A body Apollo runs as it is: a query text, no extensions (persisted queries), plain variables. */
function graphqlBody(body: unknown): GraphqlBody | null {
  if (!isRecord(body) || typeof body.query !== "string" || body.query === "" || "extensions" in body) return null;
  const { operationName, variables } = body;
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return null;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return null;
  return { query: body.query, operationName: operationName ?? undefined, variables: variables ?? {} };
}

/** Express's weak ETag of a body (the `etag` package: length in hex and SHA-1, base64, 27 characters). */
function weakEtag(body: string, bytes: number): string {
  const hash = createHash("sha1").update(body, "utf8").digest("base64").substring(0, 27);
  return `W/"${bytes.toString(16)}-${hash}"`;
}

/**
 * A lean front for the commonest request, `POST /graphql` of a known query, on the node `http`
 * server before Express: it reads the JSON body itself, authenticates, runs the compiled query
 * (graphql-jit, as Apollo's compiledExecutionPlugin does) and writes the answer with the very
 * headers the full path gives it (request id, security headers, CORS, content type, length,
 * ETag). Anything else goes to Express and Apollo untouched, or with the body already read
 * (restoreBody): another method or path (any query string included), another content type or
 * encoding, a body over the limit, malformed JSON, persisted queries (extensions), a document
 * that does not validate, a mutation or subscription, introspection, an operation over the cost
 * limit, a refused token, an Accept header outside JSON, and any answer with an error. So errors,
 * their codes and statuses, CSRF prevention, rate limits and limits stay the full path's.
 */
export class FastGraphql<TContext extends object> {
  private open = true;
  private readonly refused = new Map<string, true>();
  private readonly accepts = new Map<string | undefined, string | null>();
  private readonly handedOn = new WeakMap<IncomingMessage, ReadBody>();
  /** Requests answered here, and read here then handed on (for tests and the bench's notes). */
  readonly counts = { answered: 0, handedOn: 0 };

  constructor(private readonly options: FastGraphqlOptions<TContext>) {}

  /** Stops answering (server shutdown): Apollo answers what comes next, as it does while stopping. */
  close(): void {
    this.open = false;
  }

  /** The `request` listener of the HTTP server; `full` is Express. */
  handle(req: IncomingMessage, res: ServerResponse, full: (req: IncomingMessage, res: ServerResponse) => void): void {
    const mediaType = this.eligible(req);
    if (mediaType === null) {
      full(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    // A request cut off while sending its body: there is no one to answer.
    req.on("error", () => res.destroy());
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const read = parseJsonBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
      const body = read.error ? null : graphqlBody(read.body);
      const handOn = () => {
        this.counts.handedOn += 1;
        this.handedOn.set(req, read);
        full(req, res);
      };
      if (!body) return handOn();
      const requestId = this.options.requestIds.fromHeader(req.headers["x-request-id"]);
      this.options.requestIds.preset(req, requestId);
      this.answer(req, res, body, mediaType, requestId).then(
        (done) => (done ? undefined : handOn()),
        // A failure before anything was written: the full path runs the request and reports it.
        () => (res.headersSent ? undefined : handOn()),
      );
    });
  }

  /**
   * Express middleware before `express.json()` on /graphql: a body the fast path read is given
   * to the rest of the chain as body-parser would have (body-parser sees the stream finished
   * and leaves it), or its parse error to the error handler.
   */
  readonly restoreBody: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    const read = this.handedOn.get(req);
    if (!read) return next();
    if (read.error) return next(read.error);
    req.body = read.body;
    next();
  };

  /** The media type to answer in when the request may take the fast path, else null. */
  private eligible(req: IncomingMessage): string | null {
    if (!this.open || req.method !== "POST" || req.url !== "/graphql") return null;
    const { headers } = req;
    const type = headers["content-type"];
    const length = headers["content-length"];
    if (type === undefined || !JSON_CONTENT_TYPE.test(type)) return null;
    if (length === undefined || !DIGITS.test(length) || Number(length) > this.options.bodyBytes) return null;
    if (headers["content-encoding"] !== undefined || headers["transfer-encoding"] !== undefined) return null;
    return this.mediaType(headers.accept);
  }

  /** What Apollo answers a single result in for this Accept header, when it is one of the JSON types. */
  private mediaType(accept: string | undefined): string | null {
    const known = this.accepts.get(accept);
    if (known !== undefined) return known;
    const chosen = resultMediaType(accept);
    const type = chosen === MEDIA.json || chosen === MEDIA.graphqlResponse ? chosen : null;
    if (this.accepts.size < MAX_ACCEPTS) this.accepts.set(accept, type);
    return type;
  }

  /** The document, when it is a valid query that may run here (else the full path runs it). */
  private document(body: GraphqlBody): DocumentNode | null {
    const { query } = body;
    if (this.refused.has(query)) return null;
    // Introspection is Apollo's (its own rules and answers, whether it is allowed or not).
    const prepared = /__schema|__type\b/.test(query) ? null : this.options.documents.prepare(query);
    const document = prepared && "document" in prepared ? prepared.document : null;
    if (!document && query.length <= MAX_REFUSED_CHARS) {
      if (this.refused.size >= MAX_REFUSED) this.refused.clear();
      this.refused.set(query, true);
    }
    return document;
  }

  /** Answers the request; false when the full path must (nothing was written then). */
  private async answer(req: IncomingMessage, res: ServerResponse, body: GraphqlBody, mediaType: string, requestId: string): Promise<boolean> {
    const { options } = this;
    const document = this.document(body);
    if (!document) return false;
    const operation = getOperationAST(document, body.operationName);
    if (operation?.operation !== "query") return false;
    // The cost first: compiling a document whose fragments expand past the limit would take as
    // long as running it (test/security/dos.test.ts), as Apollo's cost plugin runs before it too.
    if (options.costs.cost(document, body.operationName, body.variables) > options.maxCost) return false;
    const compiled = options.queries.get(document, body.operationName);
    if (!compiled) return false;
    return options.requestIds.run(requestId, async () => {
      const context = await options.context(req, requestId);
      if (!context) return false;
      const started = performance.now();
      const result = await compiled.query(undefined, context, body.variables);
      if (result.errors?.length || result.data === undefined || result.data === null) return false;
      this.write(req, res, requestId, mediaType, JSON.stringify({ data: result.data }) + "\n");
      this.counts.answered += 1;
      options.answered(context, { operationName: body.operationName, resolvedName: operation.name?.value, started });
      return true;
    });
  }

  /** The answer, with the headers Express, helmet, cors, Apollo and `res.send` give it on the full path. */
  private write(req: IncomingMessage, res: ServerResponse, requestId: string, mediaType: string, payload: string): void {
    const headers: string[] = ["x-request-id", requestId];
    for (const [name, value] of this.options.headers) headers.push(name, value);
    const origin = req.headers.origin;
    if (origin !== undefined && this.options.allowedOrigin(origin)) headers.push("Access-Control-Allow-Origin", origin, "Vary", "Origin");
    const bytes = Buffer.byteLength(payload, "utf8");
    headers.push("Content-Type", mediaType, "Content-Length", String(bytes), "ETag", weakEtag(payload, bytes));
    res.writeHead(200, headers);
    // A string, not a Buffer: Node writes the head and the body in one write, encoded natively.
    res.end(payload, "utf8");
  }
}
