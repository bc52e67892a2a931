import { createHash, randomBytes } from "node:crypto";
import { jwtVerify, SignJWT, errors as joseErrors } from "jose";
import { PlatformRole } from "./roles";

const ISSUER = "scopgraph";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AUDIENCE = "scopgraph-api";

export interface SessionClaims {
  userId: string;
  /** The session the token belongs to (`sid`): signing out revokes it. */
  sessionId: string;
  role: PlatformRole;
  tokenVersion: number;
  expiresAt: number;
}

export async function signSession(
  secret: Uint8Array,
  claims: Omit<SessionClaims, "expiresAt">,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  return signSessionUntil(secret, claims, Math.floor(Date.now() / 1000) + ttlSeconds);
}

/** Signs a token that expires at `expiresAt` (seconds since the epoch). */
export async function signSessionUntil(
  secret: Uint8Array,
  claims: Omit<SessionClaims, "expiresAt">,
  expiresAt: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = await new SignJWT({ role: claims.role, tv: claims.tokenVersion, sid: claims.sessionId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(secret);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/** Tokens already verified, by secret: the signature is checked once per token, not per request. */
const verified = new WeakMap<Uint8Array, Map<string, SessionClaims>>();
const MAX_VERIFIED = 10_000;

/**
 * Returns null for any token that is not ours, expired or malformed; never throws on input. A
 * token verified before is answered from memory while it has not expired (the signature and
 * claims of a given text cannot change); revocation is the caller's check (resolveViewer reads
 * the session on every request).
 */
export async function verifySession(secret: Uint8Array, token: string): Promise<SessionClaims | null> {
  let known = verified.get(secret);
  if (!known) {
    known = new Map();
    verified.set(secret, known);
  }
  const cached = known.get(token);
  if (cached) {
    // jose's rule: expired when exp <= now, in whole seconds.
    if (cached.expiresAt > Math.floor(Date.now() / 1000)) return cached;
    known.delete(token);
    return null;
  }
  const claims = await verifySignature(secret, token);
  if (claims) {
    if (known.size >= MAX_VERIFIED) known.clear();
    known.set(token, claims);
  }
  return claims;
}

async function verifySignature(secret: Uint8Array, token: string): Promise<SessionClaims | null> {
  try {
    const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"] });
    const role = payload.role;
    if (
      typeof payload.sub !== "string" ||
      !UUID.test(payload.sub) ||
      typeof payload.exp !== "number" ||
      typeof payload.tv !== "number" ||
      typeof payload.sid !== "string" ||
      !UUID.test(payload.sid) ||
      !Object.values(PlatformRole).includes(role as PlatformRole)
    ) {
      return null;
    }
    return { userId: payload.sub, sessionId: payload.sid, role: role as PlatformRole, tokenVersion: payload.tv, expiresAt: payload.exp };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
}

export const API_TOKEN_PREFIX = "sgp_";

export function newApiSecret(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashApiSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
