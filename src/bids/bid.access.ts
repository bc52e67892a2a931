import type { EntityManager } from "@mikro-orm/postgresql";
import { isStaff, type Viewer } from "../auth/viewer";
import type { BidAccess } from "./bid.policy";

interface AccessRow {
  bid_id: string;
  member_id: string;
  cooperative_id: string;
  lead_id: string;
}

/**
 * While a bid is PROPOSED, the partners' invitations are dormant: only the lead's people see it.
 * A condition on `b` (bids) and `bm` (bid_members).
 */
export const ACTIVE_IN_PROPOSED = "(b.status <> 'PROPOSED' OR bm.cooperative_id = b.lead_id)";

/**
 * The viewer's access to several bids in one query: their cooperatives that are invited or
 * accepted in each bid, and whether one of them leads it.
 */
export async function accessToBids(em: EntityManager, viewer: Viewer, bidIds: readonly string[]): Promise<Map<string, BidAccess>> {
  const staff = isStaff(viewer);
  const result = new Map<string, BidAccess>(bidIds.map((id) => [id, { staff, activeMemberIds: [], lead: false }]));
  if (viewer.kind !== "USER" || bidIds.length === 0) return result;
  const rows = await em.execute<AccessRow[]>(
    `SELECT bm.bid_id, bm.id AS member_id, bm.cooperative_id, b.lead_id
       FROM bid_members bm
       JOIN memberships m ON m.cooperative_id = bm.cooperative_id AND m.user_id = ?
       JOIN bids b ON b.id = bm.bid_id
      WHERE bm.bid_id IN (?) AND bm.status IN ('INVITED', 'ACCEPTED') AND ${ACTIVE_IN_PROPOSED}`,
    [viewer.userId, [...bidIds]],
  );
  for (const row of rows) {
    const access = result.get(row.bid_id);
    if (!access) continue;
    access.activeMemberIds.push(row.member_id);
    if (row.cooperative_id === row.lead_id) access.lead = true;
  }
  return result;
}

export async function accessToBid(em: EntityManager, viewer: Viewer, bidId: string): Promise<BidAccess> {
  return (await accessToBids(em, viewer, [bidId])).get(bidId) ?? { staff: isStaff(viewer), activeMemberIds: [], lead: false };
}

/** SQL condition on `b` (bids) for the bids a viewer may read, with its parameters. */
export function visibleBidsSql(viewer: Viewer): { sql: string; params: unknown[] } {
  if (isStaff(viewer)) return { sql: "true", params: [] };
  if (viewer.kind !== "USER") return { sql: "false", params: [] };
  return memberBidsSql(viewer.userId);
}

/** SQL condition on `b` for the bids of a person's own cooperatives (invited or accepted): "my bids". */
export function memberBidsSql(userId: string): { sql: string; params: unknown[] } {
  return {
    sql: `EXISTS (SELECT 1 FROM bid_members bm JOIN memberships m ON m.cooperative_id = bm.cooperative_id
                   WHERE bm.bid_id = b.id AND m.user_id = ? AND bm.status IN ('INVITED', 'ACCEPTED') AND ${ACTIVE_IN_PROPOSED})`,
    params: [userId],
  };
}

const CHILD_TABLES = { BidMember: "bid_members", BidSection: "bid_sections", BidPriceLine: "bid_price_lines", BidAttachment: "bid_attachments" } as const;
export type BidRecordKind = keyof typeof CHILD_TABLES;

/**
 * The bid a record of a bid belongs to, when the viewer may read that bid; null when the record
 * does not exist or its bid is not the viewer's, alike, so that no answer tells them apart.
 */
export async function readableBidOf(em: EntityManager, viewer: Viewer, kind: BidRecordKind, id: string): Promise<string | null> {
  const visible = visibleBidsSql(viewer);
  const rows = await em.execute<{ bid_id: string }[]>(
    `SELECT r.bid_id FROM ${CHILD_TABLES[kind]} r JOIN bids b ON b.id = r.bid_id WHERE r.id = ? AND ${visible.sql}`,
    [id, ...visible.params],
  );
  return rows[0]?.bid_id ?? null;
}
