import type { EntityManager } from "@mikro-orm/postgresql";
import { BadInputError, NotFoundError, UnauthenticatedError } from "../common/errors";
import { decodeId } from "../common/node";
import { preparedRows } from "../common/prepared-query";
import * as v from "../common/validate";
import { announceAccessChange } from "./access-change";
import { ApiToken } from "./api-token.entity";
import type { CreateApiTokenInput, SignInInput } from "./auth.inputs";
import { decoyHash, verifyPassword } from "./password";
import { ApiScope, PlatformRole } from "./roles";
import { openSession, type SessionMeta } from "./sessions";
import { API_TOKEN_PREFIX, hashApiSecret, newApiSecret, verifySession, type SessionClaims } from "./tokens";
import { User } from "./user.entity";
import { ANONYMOUS, type Viewer } from "./viewer";

export interface AuthSettings {
  jwtSecret: Uint8Array;
  jwtTtlSeconds: number;
}

/** One answer for an unknown email and a wrong password, in the same time. */
export async function signIn(em: EntityManager, settings: AuthSettings, input: SignInInput, meta: SessionMeta = {}) {
  const raw = typeof input.email === "string" ? input.email.trim().toLowerCase() : "";
  // Something no account can have (control characters, absurd length) is just a wrong email.
  const email = raw.length <= 254 && !/[\u0000-\u001f\u007f]/.test(raw) ? raw : "";
  const user = email ? await em.findOne(User, { email }, { populate: ["passwordHash"] }) : null;
  const ok = await verifyPassword(String(input.password ?? ""), user?.passwordHash ?? (await decoyHash()));
  if (!user || !ok) throw new UnauthenticatedError("Wrong email or password.");
  return openSession(em, settings, user, meta);
}

/**
 * Reads `Authorization: Bearer …` (HTTP) or the `connection_init` token (WebSocket). Returns
 * null for a token that is given but not valid, so the caller can refuse it.
 */
export async function resolveViewer(em: EntityManager, settings: AuthSettings, bearer: string | null | undefined): Promise<Viewer | null> {
  if (!bearer) return ANONYMOUS;
  const token = bearer.replace(/^Bearer\s+/i, "").trim();
  if (!token) return ANONYMOUS;
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const apiToken = await em.findOne(ApiToken, { secretHash: hashApiSecret(token), revokedAt: null });
    if (!apiToken) return null;
    const now = new Date();
    if (!apiToken.lastUsedAt || now.getTime() - apiToken.lastUsedAt.getTime() > 60_000) {
      await em.nativeUpdate(ApiToken, { id: apiToken.id }, { lastUsedAt: now });
    }
    return { kind: "API_TOKEN", tokenId: apiToken.id, scopes: apiToken.scopes };
  }
  const claims = await verifySession(settings.jwtSecret, token);
  return claims ? viewerOfSession(em, claims) : null;
}

/**
 * A socket's viewer asked again (every operation, every access change): a person's from the
 * claims its token was verified with at connection (the signature of a given text cannot change;
 * only the session, the account and the expiry can), so that a socket need not keep its token;
 * an integrator's from its API token.
 */
export async function resolveViewerAgain(em: EntityManager, settings: AuthSettings, viewer: Viewer, apiBearer: string | null): Promise<Viewer | null> {
  if (viewer.kind !== "USER") return resolveViewer(em, settings, apiBearer);
  // jose's rule, as verifySession: expired when exp <= now, in whole seconds.
  if (viewer.expiresAt <= Math.floor(Date.now() / 1000)) return null;
  return viewerOfSession(em, viewer);
}

/** The person behind verified session claims, as the database has them now; null once signed out. */
async function viewerOfSession(em: EntityManager, claims: Omit<SessionClaims, "role">): Promise<Viewer | null> {
  // The session may have been signed out, the account deleted, demoted or signed out
  // everywhere since the token was made. Once per request: one plain query on two primary keys,
  // through the one definition of a valid session (migration 20261206130000).
  // A named prepared statement with bound values: no query builder on every request (bench/read).
  const [row] = await preparedRows<{ id: string; role: PlatformRole; email_verified: boolean }>(
    em,
    `SELECT u.id, u.role, u.email_verified_at IS NOT NULL AS email_verified
       FROM users u WHERE u.id = ? AND session_valid(?, u.id, ?)`,
    [claims.userId, claims.sessionId, claims.tokenVersion],
  );
  if (!row) return null;
  return {
    kind: "USER",
    userId: row.id,
    sessionId: claims.sessionId,
    tokenVersion: claims.tokenVersion,
    role: row.role,
    expiresAt: claims.expiresAt,
    emailVerified: row.email_verified,
  };
}

export async function createApiToken(em: EntityManager, adminId: string, input: CreateApiTokenInput) {
  const name = v.text("input.name", input.name, { max: 200 });
  if (!Array.isArray(input.scopes) || input.scopes.length === 0) {
    throw new BadInputError("input.scopes", "must name at least one scope");
  }
  const scopes = [...new Set(input.scopes)].filter((s) => Object.values(ApiScope).includes(s));
  const secret = newApiSecret();
  const apiToken = em.create(ApiToken, {
    name,
    scopes,
    secretHash: hashApiSecret(secret),
    prefix: secret.slice(0, 10),
    createdBy: em.getReference(User, adminId),
  });
  await em.flush();
  return { secret, apiToken };
}

export async function revokeApiToken(em: EntityManager, globalId: string) {
  const id = decodeId("ApiToken", globalId, "id");
  return em.transactional(async (tx) => {
    const apiToken = await tx.findOne(ApiToken, { id });
    if (!apiToken) throw new NotFoundError("ApiToken", globalId);
    if (!apiToken.revokedAt) {
      apiToken.revokedAt = new Date();
      await tx.flush();
      // Sockets opened with the token close at once, on every instance.
      await announceAccessChange(tx, { tokenIds: [apiToken.id] });
    }
    return apiToken;
  });
}

export async function setUserRole(em: EntityManager, globalId: string, role: PlatformRole) {
  const id = decodeId("User", globalId, "userId");
  return em.transactional(async (tx) => {
    const user = await tx.findOne(User, { id });
    if (!user) throw new NotFoundError("User", globalId);
    if (user.role === role) return user;
    user.role = role;
    user.tokenVersion += 1; // tokens carry the role: make the user sign in again
    await tx.flush();
    await announceAccessChange(tx, { userIds: [user.id] });
    return user;
  });
}
