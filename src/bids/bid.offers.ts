import type { EntityManager } from "@mikro-orm/postgresql";
import { BadInputError } from "../common/errors";
import { toGlobalId } from "../common/node";
import type { Tender } from "../tenders/tender.entity";
import { Lot } from "../tenders/tender.entity";
import { BidLot, BidLotAssignment, type BidMember } from "./bid.entity";
import { BidEventType } from "./bid.enums";
import type { LotFacts } from "./bid.lots";
import { offerClashMessage } from "./bid.lots";
import { resultRef, type BidTx } from "./bid.tx";

const gid = toGlobalId;

/** The lots a bid answers, in the tender's order. */
export async function declaredLots(em: EntityManager, bidId: string): Promise<Lot[]> {
  const rows = await em.find(BidLot, { bid: bidId }, { populate: ["lot"], orderBy: { lot: { number: "asc" } } });
  return rows.map((r) => r.lot);
}

export async function tenderLots(em: EntityManager, tenderId: string): Promise<Lot[]> {
  return em.find(Lot, { tender: tenderId }, { orderBy: { number: "asc" } });
}

export function lotFacts(lot: Lot): LotFacts {
  return { id: lot.id, number: lot.number, title: lot.title };
}

/**
 * The buyer's ban on multiple offers (Tender.multipleOffersForbidden): none of `cooperativeIds`
 * may be, for one of `lotIds`, an invited or accepted member of another live offer on the tender.
 * Checkers of one tender serialize on a transaction-scoped advisory lock, so that two offers
 * racing to take the same cooperative on the same lot cannot both pass; the lock is released at
 * commit, after which the next checker sees the committed rows. `field` is the input refused.
 */
export async function assertNoOtherOffer(
  em: EntityManager,
  tender: Tender,
  bidId: string,
  check: { cooperativeIds: readonly string[]; lotIds: readonly string[] },
  field: string,
): Promise<void> {
  if (tender.multipleOffersForbidden !== true || check.cooperativeIds.length === 0 || check.lotIds.length === 0) return;
  await em.execute("SELECT pg_advisory_xact_lock(hashtextextended('bid-offers:' || ?::text, 0))", [tender.id]);
  const rows = await em.execute<{ number: number; title: string; name: string }[]>(
    `SELECT l.number, l.title, c.name
       FROM bids o
       JOIN bid_lots ol ON ol.bid_id = o.id
       JOIN lots l ON l.id = ol.lot_id
       JOIN bid_members om ON om.bid_id = o.id AND om.status IN ('INVITED', 'ACCEPTED')
       JOIN cooperatives c ON c.id = om.cooperative_id
      WHERE o.tender_id = ? AND o.id <> ? AND o.status <> 'WITHDRAWN'
        AND ol.lot_id IN (?) AND om.cooperative_id IN (?)
      ORDER BY l.number, c.name
      LIMIT 1`,
    [tender.id, bidId, [...check.lotIds], [...check.cooperativeIds]],
  );
  const clash = rows[0];
  if (clash) throw new BadInputError(field, offerClashMessage({ lot: { number: clash.number, title: clash.title }, cooperativeName: clash.name }));
}

/** Why lots were released. */
export type ReleaseReason = "MEMBER_DECLINED" | "MEMBER_REMOVED" | "LOT_NOT_ANSWERED";

/**
 * Unassigns lots in the mutation's transaction, one LOT_UNASSIGNED event each: those of a member
 * that leaves the group, or those the bid no longer answers.
 */
export async function releaseLots(tx: BidTx, which: { member: BidMember } | { lotIds: readonly string[] }, reason: ReleaseReason): Promise<number> {
  const where = "member" in which ? { bid: tx.bid.id, member: which.member.id } : { bid: tx.bid.id, lot: { $in: [...which.lotIds] }, member: { $ne: null } };
  const assignments = await tx.em.find(BidLotAssignment, where, { orderBy: { createdAt: "asc", id: "asc" } });
  for (const assignment of assignments) {
    const released = assignment.member;
    assignment.member = null;
    assignment.version += 1;
    await tx.append(
      BidEventType.LOT_UNASSIGNED,
      {
        assignmentId: gid("BidLotAssignment", assignment.id),
        lotId: gid("Lot", assignment.lot.id),
        memberId: released ? gid("BidMember", released.id) : null,
        reason,
        version: assignment.version,
      },
      { result: resultRef("BidLotAssignment", assignment.id) },
    );
  }
  return assignments.length;
}
