import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { Router, type Request, type Response } from "express";
import { resolveViewer } from "../auth/auth.service";
import { EmailNotVerifiedError } from "../auth/auth-checker";
import { ApiScope } from "../auth/roles";
import { ANONYMOUS, hasScope } from "../auth/viewer";
import { AppError, BadInputError, type ErrorCode } from "../common/errors";
import { toGlobalId } from "../common/node";
import { isUnicode } from "../common/validate";
import { createContext, type AppServices, type Context } from "../context";
import { attachmentCategory, bidForUpload, recordBidAttachment } from "./bid-attachments.service";
import { downloadPath, readableFile } from "./file.read";
import { BidAttachment, TenderDocument, type FileRecord } from "./file.entity";
import { announcedSha256, cleanFileName, contentDigest, contentDisposition, declaredType, SNIFF_BYTES } from "./file.types";
import { MissingObjectError } from "./storage/file-storage";
import { recordTenderDocument, tenderForUpload } from "./tender-documents.service";
import { ChecksumMismatch, keepOrDiscard, storeUpload, type IncomingFile } from "./upload";
import { UploadRefused } from "./upload.guard";

type Meta = (req: Request, res: Response) => { requestId: string; clientAddress: string };

const STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  INVALID_STATE: 409,
  RATE_LIMITED: 429,
};

/** The GraphQL error shape, so that clients read one format. */
function fail(res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  res.status(status).json({ errors: [{ message, extensions: { ...extensions, code } }] });
}

/** An answer sent before the body was read: the rest is drained, and the connection not reused. */
function failEarly(req: IncomingMessage, res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  res.setHeader("Connection", "close");
  fail(res, status, code, message, extensions);
  req.unpipe();
  req.resume();
}

/** The viewer of a request (bearer token); null when the token is invalid. */
async function contextOf(app: AppServices, meta: Meta, req: Request, res: Response): Promise<Context | null> {
  const probe = createContext(app, ANONYMOUS, meta(req, res));
  const viewer = await resolveViewer(probe.em, app.auth, req.headers.authorization);
  if (!viewer) return null;
  // Set, not spread: the context's entity manager, loaders and logger are getters of its prototype.
  probe.viewer = viewer;
  return probe;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function fileName(field: string, raw: string | null | undefined): string {
  const name = cleanFileName(raw);
  if (!name || !isUnicode(name)) throw new BadInputError(field, "a file name is required (e.g. offre.pdf)");
  return name;
}

/**
 * The uploaded file, not read yet: the first file part of a `multipart/form-data` body (its
 * fields before it, e.g. `category`), or the raw body with its `Content-Type` and `?filename=`.
 */
function incomingFile(req: Request, maxBytes: number): Promise<{ file: IncomingFile; fields: Record<string, string> }> {
  const announced = announcedSha256({ contentDigest: header(req, "content-digest"), checksum: header(req, "x-checksum-sha256") });
  const type = (header(req, "content-type") ?? "").toLowerCase();
  if (!type.startsWith("multipart/form-data")) {
    const name = fileName("filename", typeof req.query.filename === "string" ? req.query.filename : null);
    return Promise.resolve({ file: { stream: req, fileName: name, declared: declaredType(type), announced }, fields: {} });
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: "utf8", limits: { files: 1, fields: 10, fieldSize: 200, parts: 20, fileSize: maxBytes + 1 } });
    } catch {
      reject(new BadInputError("body", "a multipart body needs a boundary"));
      return;
    }
    let found = false;
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("file", (_name, stream: Readable, info) => {
      if (found) {
        stream.resume();
        return;
      }
      found = true;
      try {
        resolve({ file: { stream, fileName: fileName("file", info.filename), declared: declaredType(info.mimeType), announced }, fields });
      } catch (error) {
        stream.resume();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    parser.on("error", (error) => (found ? undefined : reject(new BadInputError("body", `not a readable multipart body (${(error as Error).message})`))));
    parser.on("close", () => (found ? undefined : reject(new BadInputError("file", "the multipart body has no file part"))));
    req.pipe(parser);
  });
}

/** The file as an upload answers it (the fields of the graph a client needs at once). */
function fileJson(type: "TenderDocument" | "BidAttachment", file: FileRecord, extra: Record<string, unknown> = {}) {
  return {
    id: toGlobalId(type, file.id),
    fileName: file.fileName,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    version: file.version,
    downloadUrl: downloadPath(type, file.id),
    ...extra,
  };
}

/** Maps what a file route may throw to its HTTP answer. */
function answerError(req: Request, res: Response, error: unknown, early: boolean): boolean {
  const send = early
    ? (s: number, c: string, m: string, e?: Record<string, unknown>) => failEarly(req, res, s, c, m, e)
    : (s: number, c: string, m: string, e?: Record<string, unknown>) => fail(res, s, c, m, e);
  if (error instanceof UploadRefused) send(error.status, error.code, error.message, error.extensions);
  else if (error instanceof ChecksumMismatch)
    send(400, "BAD_USER_INPUT", error.message, { field: "Content-Digest", expected: error.announced, actual: error.actual || null });
  else if (error instanceof AppError)
    send(STATUS[error.code], error.code, error.message, { ...(error.extensions as Record<string, unknown>), code: error.code });
  else return false;
  return true;
}

/**
 * `POST /files/tenders/:tenderId`, `POST /files/bids/:bidId` (uploads, streamed) and
 * `GET /files/:fileId` (downloads), with the API's bearer token and the subject's own rules.
 */
export function fileRoutes(app: AppServices, meta: Meta): Router {
  const router = Router();
  const { maxUploadBytes } = app.config.files;

  const upload = (subject: "tender" | "bid") => async (req: Request, res: Response, next: (error: unknown) => void) => {
    let early = true;
    try {
      const ctx = await contextOf(app, meta, req, res);
      if (!ctx) return failEarly(req, res, 401, "UNAUTHENTICATED", "The token is invalid or has expired.");
      const globalId = String(req.params.id);
      const notFound = () => new AppError("NOT_FOUND", `${subject === "tender" ? "Tender" : "Bid"} ${globalId} was not found.`);
      if (ctx.viewer.kind !== "USER") throw notFound();
      if (!ctx.viewer.emailVerified) throw new EmailNotVerifiedError();
      // A malformed id reads as a missing subject, as for exports.
      const load = subject === "tender" ? tenderForUpload(ctx, globalId) : bidForUpload(ctx, globalId);
      const target = await load.catch((error: unknown) => {
        throw error instanceof BadInputError ? notFound() : error;
      });
      const length = Number(header(req, "content-length") ?? "0");
      if (length > maxUploadBytes + SNIFF_BYTES)
        throw new UploadRefused(413, "FILE_TOO_LARGE", `The file is larger than the limit of ${maxUploadBytes} bytes.`, { maxBytes: maxUploadBytes });
      const { file, fields } = await incomingFile(req, maxUploadBytes);
      const category = subject === "bid" ? attachmentCategory("category", typeof req.query.category === "string" ? req.query.category : fields.category) : null;
      const stored = await storeUpload(app.files, file, maxUploadBytes);
      early = false;
      const type = subject === "tender" ? "TenderDocument" : "BidAttachment";
      const record = await keepOrDiscard(app.files, stored, (): Promise<TenderDocument | BidAttachment> =>
        subject === "tender" ? recordTenderDocument(ctx, target.id, stored) : recordBidAttachment(ctx, target.id, category!, stored),
      );
      const extra = record instanceof BidAttachment ? { category: record.category } : {};
      res.setHeader("ETag", `"${stored.sha256}"`);
      res.setHeader("Content-Digest", contentDigest(stored.sha256));
      res.setHeader("Location", downloadPath(type, record.id));
      res
        .status(201)
        .json({ file: { ...fileJson(type, record, extra), previousVersionId: record.previousVersion ? toGlobalId(type, record.previousVersion.id) : null } });
    } catch (error) {
      if (!answerError(req, res, error, early)) next(error);
    }
  };
  router.post("/files/tenders/:id", upload("tender"));
  router.post("/files/bids/:id", upload("bid"));

  router.get("/files/:fileId", async (req, res, next) => {
    try {
      const ctx = await contextOf(app, meta, req, res);
      if (!ctx) return fail(res, 401, "UNAUTHENTICATED", "The token is invalid or has expired.");
      const { viewer } = ctx;
      if (viewer.kind === "USER" && !viewer.emailVerified) throw new EmailNotVerifiedError();
      // People by their rules; an integrator's token with READ (which opens `tender`); nobody else.
      const reader = viewer.kind === "USER" || hasScope(viewer, ApiScope.READ);
      const file = reader ? await readableFile(ctx, String(req.params.fileId)) : null;
      if (!file) return fail(res, 404, "NOT_FOUND", `File ${String(req.params.fileId).slice(0, 100)} was not found.`);
      if (!file.storage || !file.storageKey || !file.sha256) {
        const url = file instanceof TenderDocument ? file.url : null;
        return fail(res, 409, "INVALID_STATE", "This document is a link, not a stored file: open its url.", { url });
      }
      const etag = `"${file.sha256}"`;
      res.setHeader("ETag", etag);
      res.setHeader("Cache-Control", "private, no-store");
      if (header(req, "if-none-match") === etag) return void res.status(304).end();
      const body = await app.files.of(file.storage).get(file.storageKey);
      res.setHeader("Content-Type", file.contentType ?? "application/octet-stream");
      res.setHeader("Content-Length", String(file.size ?? 0));
      res.setHeader("Content-Disposition", contentDisposition(file.fileName));
      res.setHeader("Content-Digest", contentDigest(file.sha256));
      res.setHeader("X-Content-Type-Options", "nosniff");
      await pipeline(body, res);
    } catch (error) {
      if (error instanceof MissingObjectError) {
        app.log.error({ err: error }, "stored file content missing");
        return fail(res, 404, "NOT_FOUND", "The file's content is missing.");
      }
      if (res.headersSent) return void res.destroy(error as Error);
      if (!answerError(req, res, error, false)) next(error);
    }
  });
  return router;
}
