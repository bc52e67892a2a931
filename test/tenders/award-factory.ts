import type { EntityManager } from "@mikro-orm/postgresql";
import { Bid, BidLot, BidLotAssignment, BidMember } from "../../src/bids/bid.entity";
import { BidGroupType, BidMemberRole, BidMemberStatus, BidStatus } from "../../src/bids/bid.enums";
import { toGlobalId } from "../../src/common/node";
import { Cooperative } from "../../src/cooperatives/cooperative.entity";
import { Lot, Tender } from "../../src/tenders/tender.entity";

export interface BidSeed {
  tenderId: string;
  /** Lead first; every member ACCEPTED. */
  cooperativeIds: string[];
  /** The lots the bid answers, each assigned to the lead; default every lot of the tender. */
  lotIds?: string[];
  groupType?: BidGroupType;
  status?: BidStatus;
}

/**
 * Inserts a bid as it stands after submission (set-up, not the code under test: submission itself
 * is tested in test/bids): accepted members, the lots it answers assigned, status SUBMITTED.
 */
export async function insertSubmittedBid(em: EntityManager, seed: BidSeed): Promise<{ id: string; gid: string }> {
  const tender = em.getReference(Tender, seed.tenderId);
  const [leadId, ...others] = seed.cooperativeIds;
  const bid = em.create(Bid, {
    tender,
    lead: em.getReference(Cooperative, leadId!),
    title: "Offre",
    groupType: seed.groupType ?? BidGroupType.CONJOINT,
    status: seed.status ?? BidStatus.SUBMITTED,
    submittedAt: new Date(),
  });
  const lead = em.create(BidMember, { bid, cooperative: em.getReference(Cooperative, leadId!), role: BidMemberRole.LEAD, status: BidMemberStatus.ACCEPTED });
  for (const id of others) em.create(BidMember, { bid, cooperative: em.getReference(Cooperative, id), role: BidMemberRole.MEMBER, status: BidMemberStatus.ACCEPTED });
  const lotIds = seed.lotIds ?? (await em.find(Lot, { tender: seed.tenderId })).map((l) => l.id);
  for (const lotId of lotIds) {
    // The lots it declared it answers (Bid.lots), each performed by the lead.
    em.create(BidLot, { bid, lot: em.getReference(Lot, lotId) });
    em.create(BidLotAssignment, { bid, lot: em.getReference(Lot, lotId), member: lead });
  }
  await em.flush();
  return { id: bid.id, gid: toGlobalId("Bid", bid.id) };
}

/** The types of a bid's log, in order. */
export async function eventTypes(em: EntityManager, bidId: string): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  return em.getConnection().execute("SELECT type, payload FROM bid_events WHERE bid_id = ? ORDER BY seq", [bidId]);
}
