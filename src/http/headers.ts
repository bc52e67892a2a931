import type { RequestHandler } from "express";
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
