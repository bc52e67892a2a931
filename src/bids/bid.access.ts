import type { EntityManager } from "@mikro-orm/postgresql";
import { isStaff, type Viewer } from "../auth/viewer";
import type { BidAccess } from "./bid.policy";

interface AccessRow {
  bid_id: string;
  member_id: string;
  cooperative_id: string;
  lead_id: string;
}

/*
 * Who is an active member of a bid is the view `bid_active_memberships` (migration
 * 20261206080000), the one definition the SQL functions use too: invited or accepted
 * cooperatives, and while a bid is PROPOSED, the lead's only (the partners' invitations are
 * dormant).
 */

/**
 * The viewer's access to several bids in one query: their cooperatives that are invited or
 * accepted in each bid, and whether one of them leads it.
 */
export async function accessToBids(em: EntityManager, viewer: Viewer, bidIds: readonly string[]): Promise<Map<string, BidAccess>> {
  const staff = isStaff(viewer);
  const result = new Map<string, BidAccess>(bidIds.map((id) => [id, { staff, activeMemberIds: [], lead: false }]));
  if (viewer.kind !== "USER" || bidIds.length === 0) return result;
  const rows = await em.execute<AccessRow[]>(
    `SELECT a.bid_id, a.member_id, a.cooperative_id, a.lead_id FROM bid_active_memberships a WHERE a.user_id = ? AND a.bid_id IN (?)`,
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
    sql: "EXISTS (SELECT 1 FROM bid_active_memberships a WHERE a.bid_id = b.id AND a.user_id = ?)",
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
