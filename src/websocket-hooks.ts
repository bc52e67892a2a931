import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import {
  getOperationAST,
  GraphQLError,
  Kind,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from "graphql";
import type { CloseCode, Context as WsContext, SubscribePayload } from "graphql-ws";
import type { WebSocket } from "ws";
import { resolveViewer, resolveViewerAgain } from "./auth/auth.service";
import { CLOSE_UNAUTHORIZED, type LiveAccess, type LiveSocket } from "./auth/live-access";
import type { Viewer } from "./auth/viewer";
import type { CostCache } from "./common/cost";
import { OperationFacts, type DocumentCache } from "./common/document-cache";
import { AppError, UnauthenticatedError } from "./common/errors";
import { formatError } from "./common/format-error";
import { LIMITS } from "./common/limits";
import { createContext, type AppServices, type Context } from "./context";
import type { SocketExtra } from "./realtime/graphql-ws-server";
import type { SharedExecution } from "./realtime/shared-execution";
import { SESSION_CHECKED_MUTATIONS } from "./bids/sections/section.live";

/*
 * The graphql-ws hooks of the WebSocket endpoint (websocket.ts): who a socket is, what each
 * operation may do, and what is counted. One instance per endpoint.
 */

/** graphql-ws close codes of the socket rules (README, Security). */
const CLOSE_FORBIDDEN = 4403;
const CLOSE_IDLE = 4408;

/** Close reasons (at most 123 bytes) that say where the token goes. */
const HINT_NO_TOKEN = 'Unauthorized: send {"authorization": "Bearer <token>"} as the connection_init payload';
const HINT_MISPLACED_TOKEN = "Unauthorized: the token goes in connection_init's payload.authorization, not in payload.headers";

/** A token sent the way an HTTP client would, under `headers`: refused, with a hint. */
function misplacedToken(payload: Record<string, unknown>): boolean {
  const headers = payload.headers;
  if (typeof headers !== "object" || headers === null) return false;
  return Object.keys(headers).some((name) => name.toLowerCase() === "authorization");
}

export function clientAddress(request: IncomingMessage, trustedProxies = 0): string {
  const peer = request.socket.remoteAddress ?? "unknown";
  if (trustedProxies <= 0) return peer;
  // Behind N trusted proxies, the client is the Nth address from the right of X-Forwarded-For
  // (each proxy appends the address it received from); anything further left is the client's say.
  const header = request.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  return hops[hops.length - trustedProxies] ?? hops[0] ?? peer;
}

/** The codes Apollo gives the same failures over HTTP, so clients see one vocabulary. */
function withCode(error: GraphQLError, code: string, hideSuggestions: boolean): GraphQLError {
  const message = hideSuggestions ? error.message.replace(/ ?Did you mean .*$/, "") : error.message;
  return new GraphQLError(message, { nodes: error.nodes, extensions: { ...error.extensions, code } });
}

/** The code of a formatted error, as the metrics count it. */
function codeOf(error: { extensions?: { code?: unknown } }): string {
  const code = error.extensions?.code;
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

/** Per document and operation name: is it a mutation of SESSION_CHECKED_MUTATIONS fields only? */
const sessionChecked = new OperationFacts(
  (operation) =>
    operation?.operation === "mutation" &&
    operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && !s.directives?.length && SESSION_CHECKED_MUTATIONS.has(s.name.value)),
);

/**
 * A request id as one flat string: randomUUID's is a rope of a dozen pieces (480 bytes), and a
 * subscription keeps its request id for its whole life.
 */
function flatUuid(): string {
  return Buffer.from(randomUUID(), "latin1").toString("latin1");
}

/** Once the token of a socket expires, its operations are refused (the socket is closed). */
function viewerStillValid(viewer: Viewer): boolean {
  return viewer.kind !== "USER" || viewer.expiresAt * 1000 > Date.now();
}

/** What the server keeps on each socket: also the socket as access control sees it. */
export class SocketState implements LiveSocket {
  /** Operations running on the socket now. */
  operations = 0;
  /** Queries and mutations under way, by id: a revoked socket closes once they have answered (made on first use). */
  answering: Set<string> | null = null;
  /** Set when access ended: the close to send once `answering` is empty. */
  closing: { code: number; reason: string } | null = null;
  idle: NodeJS.Timeout | null = null;
  /** Queries and mutations under way, by id, for the metrics: name, start, error codes (made on first use). */
  timings: Map<string, { name: string | null; started: number; codes: string[] }> | null = null;

  /** An integrator's API token (a person's socket keeps no token: see LiveSocket). */
  readonly apiBearer: string | null;

  constructor(
    readonly socket: WebSocket,
    bearer: string,
    public viewer: Viewer,
  ) {
    this.apiBearer = viewer.kind === "USER" ? null : bearer;
  }

  /** Queries and mutations under way. */
  get answered(): number {
    return this.answering?.size ?? 0;
  }

  /** A mutation under way when access ends (signOut itself, say) still gets its answer. */
  close(code: number, reason: string): void {
    this.closing = { code, reason };
    if (this.answered === 0) this.socket.close(code, reason);
  }
}

/** graphql-ws's context of a socket, with what the server keeps on it. */
type SocketContext = WsContext<Record<string, unknown>, SocketExtra<SocketState>>;

export class SocketHooks {
  /** The open sockets' states, for the metrics. */
  readonly states = new Set<SocketState>();
  private readonly production: boolean;

  constructor(
    private readonly app: AppServices,
    private readonly schema: GraphQLSchema,
    private readonly documents: DocumentCache,
    /** Prices each document once per page sizes, as over HTTP (a keystroke is not priced again). */
    private readonly costs: CostCache,
    private readonly access: LiveAccess,
    private readonly shared: SharedExecution,
  ) {
    this.production = app.config.env === "production";
  }

  /**
   * Closes the sockets whose token has expired: a socket's authority ends when its token does, and
   * clients reconnect with a new one. Called every second (websocket.ts): one sweep instead of a
   * timer per socket, which an idle editor paid for in memory (about 260 bytes each).
   */
  closeExpired(): void {
    for (const state of this.states) if (!viewerStillValid(state.viewer)) state.socket.close(CLOSE_UNAUTHORIZED, "Token expired");
  }

  /** Subscriptions running now, over every socket. */
  subscriptions(): number {
    let subscriptions = 0;
    for (const s of this.states) subscriptions += s.operations - s.answered;
    return subscriptions;
  }

  private idleSoon(state: SocketState, socket: WebSocket): void {
    if (state.idle) clearTimeout(state.idle);
    state.idle = setTimeout(() => socket.close(CLOSE_IDLE as CloseCode, "Idle: no operation"), this.app.config.sockets.idleMs);
    state.idle.unref();
  }

  async onConnect(ctx: SocketContext): Promise<boolean> {
    const payload = ctx.connectionParams ?? {};
    const raw = payload.authorization ?? payload.Authorization ?? payload.token;
    const socket = ctx.extra.socket;
    const bearer = typeof raw === "string" ? raw.trim().replace(/^Bearer(\s+|$)/i, "") : "";
    // Every subscription needs a person (or an integrator's token): no anonymous sockets.
    if (!bearer) {
      socket.close(CLOSE_UNAUTHORIZED, misplacedToken(payload) ? HINT_MISPLACED_TOKEN : HINT_NO_TOKEN);
      return false;
    }
    const viewer = await resolveViewer(this.app.orm.em.fork(), this.app.auth, bearer);
    if (!viewer || viewer.kind === "ANONYMOUS") {
      socket.close(CLOSE_FORBIDDEN, "Forbidden");
      return false;
    }
    const state = new SocketState(socket, bearer, viewer);
    this.access.register(state);
    ctx.extra.state = state;
    this.states.add(state);
    this.idleSoon(state, socket);
    return true;
  }

  /** The socket closed (graphql-ws-server.ts calls it at once). */
  closed(extra: SocketExtra<SocketState>): void {
    const state = extra.state;
    if (!state) return;
    this.states.delete(state);
    if (state.idle) clearTimeout(state.idle);
    this.access.unregister(state);
  }

  async onSubscribe(ctx: SocketContext, id: string, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const state = ctx.extra.state;
    if (!state || state.closing) return [new UnauthenticatedError("The token is no longer valid; reconnect with a new one.")];
    if (state.operations >= LIMITS.subscriptionsPerSocket) {
      return [new AppError("RATE_LIMITED", `At most ${LIMITS.subscriptionsPerSocket} operations at once per socket.`)];
    }
    const prepared = this.documents.prepare(payload.query);
    if ("syntaxError" in prepared) {
      const error = prepared.syntaxError;
      return [withCode(error instanceof GraphQLError ? error : new GraphQLError("Syntax error"), "GRAPHQL_PARSE_FAILED", this.production)];
    }
    if ("errors" in prepared) return prepared.errors.map((e) => withCode(e, "GRAPHQL_VALIDATION_FAILED", this.production));
    const { document } = prepared;
    try {
      this.costs.assert(document, payload.operationName, payload.variables, LIMITS.cost);
    } catch (error) {
      return [error as GraphQLError];
    }
    // Counted before the await below, so that a burst cannot pass the limit meanwhile.
    state.operations += 1;
    const answering = getOperationAST(document, payload.operationName)?.operation !== "subscription";
    if (answering) (state.answering ??= new Set()).add(id);
    if (state.idle) clearTimeout(state.idle);
    state.idle = null;
    // Access as it is now, like an HTTP request: role, sign-out, revocation, deletion. A text
    // update checks the session in its own statement instead, so that its relay waits for
    // no round trip (bids/sections/section.service.ts).
    const viewer =
      state.viewer.kind === "ANONYMOUS"
        ? null
        : sessionChecked.get(document, payload.operationName)
          ? state.viewer
          : await resolveViewerAgain(this.app.orm.em.fork(), this.app.auth, state.viewer, state.apiBearer);
    if (!viewer || viewer.kind === "ANONYMOUS" || !viewerStillValid(viewer)) {
      state.operations -= 1;
      state.answering?.delete(id);
      ctx.extra.socket.close(CLOSE_UNAUTHORIZED, viewer ? "Token expired" : "Access changed: reconnect with a valid token");
      return [new UnauthenticatedError("The token is no longer valid; reconnect with a new one.")];
    }
    state.viewer = viewer;
    const requestId = flatUuid();
    if (answering)
      (state.timings ??= new Map()).set(id, {
        name: payload.operationName ?? getOperationAST(document, payload.operationName)?.name?.value ?? null,
        started: performance.now(),
        codes: [],
      });
    // A subscription that shares its results writes them straight to the socket.
    const sink = answering ? null : this.shared.sinkFor(document, payload.operationName, payload.variables, id, ctx.extra.socket);
    const contextValue = createContext(this.app, viewer, {
      requestId,
      clientAddress: ctx.extra.address,
      live: { access: this.access, socket: state, sink },
    });
    const args: ExecutionArgs = {
      schema: this.schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue,
      // Set here rather than added by graphql-ws (no roots): an object's later property costs more.
      rootValue: undefined,
    };
    sink?.bind(args);
    return args;
  }

  onError(ctx: SocketContext, id: string, payload: SubscribePayload, errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    const formatted = errors.map((e) => formatError(e.toJSON(), e, this.app.log));
    const timing = ctx.extra.state?.timings?.get(id);
    if (timing) timing.codes.push(...formatted.map((e) => codeOf(e)));
    // Refused before execution (validation, cost, access): counted here, never timed.
    else
      this.app.metrics.observe(
        payload.operationName,
        "ws",
        null,
        formatted.map((e) => codeOf(e)),
      );
    return formatted;
  }

  onComplete(ctx: SocketContext, id: string): void {
    const state = ctx.extra.state;
    if (!state) return;
    const timing = state.timings?.get(id);
    if (timing) {
      state.timings?.delete(id);
      this.app.metrics.observe(timing.name, "ws", (performance.now() - timing.started) / 1000, timing.codes);
    }
    state.operations = Math.max(0, state.operations - 1);
    if (state.answering?.delete(id) && state.closing && state.answering.size === 0) {
      // After graphql-ws has sent this operation's `complete`, which follows this hook.
      const { code, reason } = state.closing;
      setImmediate(() => ctx.extra.socket.close(code, reason));
      return;
    }
    // Not once the socket has closed (its operations complete after): the timer would keep it for idleMs.
    if (state.operations === 0 && ctx.extra.socket.readyState === ctx.extra.socket.OPEN) this.idleSoon(state, ctx.extra.socket);
  }

  onNext(ctx: SocketContext, id: string, args: ExecutionArgs, result: ExecutionResult): FormattedExecutionResult | undefined {
    if (!result.errors?.length) return;
    const context = args.contextValue as Context;
    const errors = result.errors.map((e) => formatError(e.toJSON(), e, context.log, context.requestId));
    ctx.extra.state?.timings?.get(id)?.codes.push(...errors.map((e) => codeOf(e)));
    return { ...result, errors };
  }
}
