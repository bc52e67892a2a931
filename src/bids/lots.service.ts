import { decodeId, toGlobalId } from "../common/node";
import type { Actor } from "../auth/actor";
import { Lot, Tender } from "../tenders/tender.entity";
import { Bid, BidLot, BidMember } from "./bid.entity";
import { BidEventType } from "./bid.enums";
import type { SetBidLotsInput } from "./bid.inputs";
import { assertCompositionEditable } from "./bid.lifecycle";
import { checkDeclaredLots } from "./bid.lots";
import { assertNoOtherOffer, lotFacts, releaseLots, tenderLots } from "./bid.offers";
import { ACTIVE_MEMBER_STATUSES } from "./bid.policy";
import { bidState } from "./bid.presenters";
import { assertVersion } from "../common/version";
import { mutateBid, resultRef } from "./bid.tx";

const gid = toGlobalId;

/**
 * The lots the bid answers (lead only, while a draft, on the bid's version): within the tender's
 * maximum lots per tenderer; lots added must not put a cooperative of the group in two offers for
 * one lot where the buyer forbids it; lots dropped are released from their members (one
 * LOT_UNASSIGNED event each). Their price lines stay, named by `completeness` until removed.
 */
export async function setBidLots(actor: Actor, input: SetBidLotsInput): Promise<Bid> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  const requested = input.lotIds.map((lotId, i) => decodeId("Lot", lotId, `input.lotIds[${i}]`));
  return mutateBid(actor, id, { action: "lead", operation: "setBidLots", input, globalId: input.bidId }, async (tx) => {
    const { bid, em } = tx;
    assertCompositionEditable(bid.status);
    assertVersion(input.expectedVersion, bid.version, "bid", () => bidState(bid));
    const tender = await em.findOneOrFail(Tender, { id: bid.tender.id });
    const lots = await tenderLots(em, tender.id);
    const lotIds = checkDeclaredLots("input.lotIds", requested, lots.map(lotFacts), tender.maxLotsPerTenderer);
    const current = await em.find(BidLot, { bid: bid.id });
    const before = new Set(current.map((l) => l.lot.id));
    const added = lotIds.filter((lotId) => !before.has(lotId));
    const dropped = [...before].filter((lotId) => !lotIds.includes(lotId));
    const members = await em.find(BidMember, { bid: bid.id, status: { $in: [...ACTIVE_MEMBER_STATUSES] } });
    await assertNoOtherOffer(em, tender, bid.id, { cooperativeIds: members.map((m) => m.cooperative.id), lotIds: added }, "input.lotIds");
    for (const row of current) if (dropped.includes(row.lot.id)) em.remove(row);
    for (const lotId of added) em.create(BidLot, { bid, lot: em.getReference(Lot, lotId) });
    bid.version += 1;
    await tx.append(
      BidEventType.LOTS_DECLARED,
      { lotIds: lotIds.map((l) => gid("Lot", l)), added: added.map((l) => gid("Lot", l)), removed: dropped.map((l) => gid("Lot", l)), version: bid.version },
      { result: resultRef("Bid", bid.id) },
    );
    if (dropped.length) await releaseLots(tx, { lotIds: dropped }, "LOT_NOT_ANSWERED");
    return bid;
  });
}
