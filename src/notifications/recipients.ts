import type { EntityManager } from "@mikro-orm/postgresql";

/*
 * Who is told: the SQL that turns a subject into people, in one place for every hook.
 */

/**
 * The people of the cooperatives that take part in a bid: its active members (the view
 * `bid_active_memberships`, the one definition: invited or accepted, and only the lead's while the
 * bid is PROPOSED), narrowed to some member statuses when asked (ACCEPTED for an award).
 */
export async function peopleOfBid(em: EntityManager, bidId: string, statuses: readonly string[] = ["INVITED", "ACCEPTED"]): Promise<string[]> {
  const rows = await em.execute<{ user_id: string }[]>(
    `SELECT DISTINCT a.user_id FROM bid_active_memberships a JOIN bid_members bm ON bm.id = a.member_id
      WHERE a.bid_id = ? AND bm.status::text = ANY(?::text[])`,
    [bidId, `{${statuses.join(",")}}`],
  );
  return rows.map((r) => r.user_id);
}

/** The people of some cooperatives. */
export async function peopleOfCooperatives(em: EntityManager, cooperativeIds: readonly string[]): Promise<string[]> {
  if (cooperativeIds.length === 0) return [];
  const rows = await em.execute<{ user_id: string }[]>("SELECT DISTINCT user_id FROM memberships WHERE cooperative_id = ANY(?::uuid[])", [
    `{${cooperativeIds.join(",")}}`,
  ]);
  return rows.map((r) => r.user_id);
}

/** Every mission officer (new direct orders are theirs to dispatch). */
export async function missionOfficers(em: EntityManager): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>("SELECT id FROM users WHERE role = 'MISSION_OFFICER'");
  return rows.map((r) => r.id);
}
