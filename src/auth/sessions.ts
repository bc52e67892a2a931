import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { UnauthenticatedError } from "../common/errors";
import { announceAccessChange } from "./access-change";
import type { AuthSettings } from "./auth.service";
import { Session } from "./session.entity";
import { signSessionUntil } from "./tokens";
import { User } from "./user.entity";
import type { Viewer } from "./viewer";

/**
 * A session lives at most this long after its sign-in, however often it is refreshed: then the
 * person signs in again.
 */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

export interface SessionMeta {
  /** Where the sign-in came from. */
  address?: string | null;
}

export interface SignedSession {
  token: string;
  expiresAt: Date;
  user: User;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Opens a session for a person who just proved who they are, and signs its first token. */
export async function openSession(em: EntityManager, settings: AuthSettings, user: User, meta: SessionMeta = {}): Promise<SignedSession> {
  const now = new Date();
  const expiresAt = new Date((seconds(now) + Math.min(settings.jwtTtlSeconds, SESSION_MAX_AGE_SECONDS)) * 1000);
  const session = em.create(Session, { user, expiresAt, address: meta.address?.slice(0, 64) ?? null, createdAt: now });
  await em.flush();
  const signed = await signSessionUntil(
    settings.jwtSecret,
    { userId: user.id, sessionId: session.id, role: user.role, tokenVersion: user.tokenVersion },
    seconds(expiresAt),
  );
  return { ...signed, user };
}

function personOf(viewer: Viewer): { userId: string; sessionId: string } {
  if (viewer.kind !== "USER") throw new UnauthenticatedError("Only a person's session can be refreshed or signed out.");
  return { userId: viewer.userId, sessionId: viewer.sessionId };
}

/**
 * A new token for the same session, expiring `jwtTtlSeconds` from now (never past the session's
 * maximum age). Tokens issued before stay valid until their own expiry, unless the session is
 * signed out: a socket opened with the previous token keeps working while the client reconnects.
 */
export async function refreshSession(em: EntityManager, settings: AuthSettings, viewer: Viewer): Promise<SignedSession> {
  const { userId, sessionId } = personOf(viewer);
  return em.transactional(async (tx) => {
    const session = await tx.findOne(Session, { id: sessionId, user: userId, revokedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const user = await tx.findOne(User, { id: userId });
    if (!session || !user) throw new UnauthenticatedError("This session has ended; sign in again.");
    const now = new Date();
    const limit = seconds(session.createdAt) + SESSION_MAX_AGE_SECONDS;
    if (seconds(now) >= limit) throw new UnauthenticatedError("This session has reached its maximum age; sign in again.");
    const expiresAt = Math.min(seconds(now) + settings.jwtTtlSeconds, limit);
    session.expiresAt = new Date(expiresAt * 1000);
    session.refreshedAt = now;
    await tx.flush();
    const signed = await signSessionUntil(settings.jwtSecret, { userId, sessionId, role: user.role, tokenVersion: user.tokenVersion }, expiresAt);
    return { ...signed, user };
  });
}

/**
 * Ends this session, or every session of the person (and bumps their token version, so no
 * token issued before survives even without a session row). Open sockets of the person are
 * checked again at once, on every instance.
 */
export async function signOut(em: EntityManager, viewer: Viewer, everywhere: boolean): Promise<boolean> {
  const { userId, sessionId } = personOf(viewer);
  await em.transactional(async (tx) => {
    const now = new Date();
    if (everywhere) {
      await tx.nativeUpdate(Session, { user: userId, revokedAt: null }, { revokedAt: now });
      const user = await tx.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (user) user.tokenVersion += 1;
      await tx.flush();
    } else {
      await tx.nativeUpdate(Session, { id: sessionId, user: userId, revokedAt: null }, { revokedAt: now });
    }
    await announceAccessChange(tx, { userIds: [userId] });
  });
  return true;
}
