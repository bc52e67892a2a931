import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
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
  /** Ids given before Express (the fast path, src/http/fast-graphql.ts), kept if it hands the request on. */
  private readonly given = new WeakMap<IncomingMessage, string>();

  /** The first middleware: names the request and answers with its name. */
  readonly assign: RequestHandler = (req, res, next) => {
    const id = this.given.get(req) ?? this.fromHeader(req.get("x-request-id"));
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    this.scope.run(id, next);
  };

  /** The id a request is given: the one it sent when well formed, else a new one. */
  fromHeader(given: string | string[] | undefined): string {
    return typeof given === "string" && WELL_FORMED.test(given) ? given : randomUUID();
  }

  /** Names a request before Express sees it: `assign` keeps the name. */
  preset(req: IncomingMessage, id: string): void {
    this.given.set(req, id);
  }

  /** Runs `fn` as the request named `id` (what `assign` does for the rest of the chain). */
  run<T>(id: string, fn: () => T): T {
    return this.scope.run(id, fn);
  }

  /** The id of the request being served (inside `assign`'s scope). */
  current(): string | undefined {
    return this.scope.getStore();
  }

  /** The id `assign` gave this response. */
  of(res: Response): string {
    return String(res.locals.requestId);
  }
}
