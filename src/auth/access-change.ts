import type { EntityManager } from "@mikro-orm/postgresql";
import { notify } from "../realtime/bus";

/** The bus channel on which every instance hears that someone's access may have changed. */
export const ACCESS_CHANGED = "access_changed";

/**
 * Whose access may have changed: people (role changed, signed out, deleted, left a cooperative,
 * their cooperative removed from a bid) and API tokens (revoked).
 */
export interface AccessChange {
  userIds?: string[];
  tokenIds?: string[];
}

/** pg_notify refuses payloads over 8,000 bytes: a uuid list is sent in slices of this many. */
const IDS_PER_NOTICE = 150;

/**
 * Announces a change of access inside the transaction that makes it: every instance hears it at
 * commit (nothing on rollback) and checks the open sockets and running subscriptions of those
 * people or tokens again at once (src/auth/live-access.ts).
 */
export async function announceAccessChange(em: EntityManager, change: AccessChange): Promise<void> {
  const userIds = [...new Set(change.userIds ?? [])];
  const tokenIds = [...new Set(change.tokenIds ?? [])];
  for (let i = 0; i < Math.max(userIds.length, tokenIds.length); i += IDS_PER_NOTICE) {
    await notify(em, ACCESS_CHANGED, { userIds: userIds.slice(i, i + IDS_PER_NOTICE), tokenIds: tokenIds.slice(i, i + IDS_PER_NOTICE) });
  }
}

/** The same, for every person of these cooperatives (a cooperative removed from a bid, say). */
export async function announceCooperativeAccessChange(em: EntityManager, cooperativeIds: string[]): Promise<void> {
  if (cooperativeIds.length === 0) return;
  const rows = await em.execute<{ user_id: string }[]>("SELECT DISTINCT user_id FROM memberships WHERE cooperative_id IN (?)", [cooperativeIds]);
  await announceAccessChange(em, { userIds: rows.map((row) => row.user_id) });
}
