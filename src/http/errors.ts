import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import type { RequestIds } from "./request-id";

/**
 * Errors raised before Apollo (malformed JSON, a body over the limit, a bad charset) answer a clear
 * 4xx in the GraphQL error shape, not an HTML page; anything else is a 500 whose request id is in
 * the answer and in the log line.
 */
export function httpErrorHandler(log: Logger, requestIds: RequestIds): ErrorRequestHandler {
  return (error: Error & { status?: number }, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) {
      const requestId = requestIds.of(res);
      log.error({ err: error, requestId }, "http error");
      res.status(500).json({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }] });
      return;
    }
    const message = status === 413 ? "Request body too large." : "Malformed request.";
    res.status(status).json({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
  };
}

/** An unknown path: JSON like every other answer (Express's default page would replace the headers). */
export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ errors: [{ message: "Not found.", extensions: { code: "NOT_FOUND" } }] });
};
