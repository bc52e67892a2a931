import type { RequestHandler } from "express";
import helmet, { contentSecurityPolicy, type HelmetOptions } from "helmet";

type Csp = HelmetOptions["contentSecurityPolicy"];
import { prefersHtml } from "./media-types";

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

/**
 * Apollo's development landing page loads its explorer from Apollo's CDN and brings its own
 * policy for that (a `<meta>` CSP with a fresh nonce per page for scripts and styles, and the
 * explorer's frame and image hosts). A header policy with fetch directives would intersect with it
 * and break the page, so this one only says what a `<meta>` policy cannot: never framed, no base
 * URL, no plug-ins, no form posts.
 */
const LANDING_PAGE_CSP: Csp = {
  useDefaults: false,
  directives: {
    defaultSrc: contentSecurityPolicy.dangerouslyDisableDefaultSrc,
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
  },
};

const COMMON = {
  frameguard: { action: "deny" as const },
  referrerPolicy: { policy: "no-referrer" as const },
};

/**
 * Security headers on every answer (helmet): `nosniff`, `no-referrer`, never framed, no caching
 * (answers carry what a viewer may see, and sign-in answers carry tokens: `Cache-Control:
 * no-store` on all of them is simpler than telling them apart). `landingPage`: Apollo serves its
 * landing page (not in production) and it keeps the policy it needs.
 */
export function securityHeaders(options: { landingPage: boolean }): RequestHandler {
  const strict = helmet({ ...COMMON, contentSecurityPolicy: STRICT_CSP });
  const landing = helmet({ ...COMMON, contentSecurityPolicy: LANDING_PAGE_CSP });
  return (req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    const page = options.landingPage && /^\/graphql\/?$/.test(req.path) && prefersHtml(req.method, req.get("accept"));
    (page ? landing : strict)(req, res, next);
  };
}
