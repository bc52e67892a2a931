import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";

/** An id a proxy or client sent is kept when it looks like one; it goes into a header and the logs. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * One id per HTTP request: in the `x-request-id` header of every answer, in the log lines of the
 * request, and in `extensions.requestId` of an unexpected error, so that a user's report finds the
 * log line. Apollo's `formatError` has no access to the request: it reads the id of the request it
 * runs for from here.
 */
export class RequestIds {
  private readonly scope = new AsyncLocalStorage<string>();

  /** The first middleware: names the request and answers with its name. */
  readonly assign: RequestHandler = (req, res, next) => {
    const given = req.get("x-request-id");
    const id = given !== undefined && WELL_FORMED.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    this.scope.run(id, next);
  };

  /** The id of the request being served (inside `assign`'s scope). */
  current(): string | undefined {
    return this.scope.getStore();
  }

  /** The id `assign` gave this response. */
  of(res: Response): string {
    return String(res.locals.requestId);
  }
}
