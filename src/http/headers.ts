import type { Request, RequestHandler, Response } from "express";
import helmet, { type HelmetOptions } from "helmet";

type Csp = HelmetOptions["contentSecurityPolicy"];

/** An API answers JSON: nothing in it may load, run, be framed or submit anything. */
const STRICT_CSP: Csp = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

const COMMON = {
  frameguard: { action: "deny" as const },
  referrerPolicy: { policy: "no-referrer" as const },
};

/**
 * Security headers on every answer (helmet): `nosniff`, `no-referrer`, never framed, no caching
 * (answers carry what a viewer may see, and sign-in answers carry tokens: `Cache-Control:
 * no-store` on all of them is simpler than telling them apart). The explorer's page replaces the
 * policy with its own (src/web/explorer.ts).
 */
export function securityHeaders(): RequestHandler {
  const strict = helmet({ ...COMMON, contentSecurityPolicy: STRICT_CSP });
  return (req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    strict(req, res, next);
  };
}

/**
 * The headers securityHeaders() sets, in its order, for an answer written outside Express (the
 * fast path, src/http/fast-graphql.ts): helmet's are fixed for this policy, so they are recorded
 * once by running the middleware on a recorder.
 */
export function securityHeaderList(): [string, string][] {
  const headers = new Map<string, [string, string]>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), [name, String(value)]);
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  let ran = false;
  securityHeaders()({} as Request, recorder as unknown as Response, () => {
    ran = true;
  });
  if (!ran) throw new Error("securityHeaders() did not run synchronously");
  return [...headers.values()];
}
