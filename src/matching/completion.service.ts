import { Bid, BidMember } from "../bids/bid.entity";
import { BidGroupType, BidMemberRole } from "../bids/bid.enums";
import { assignLot, createBid, inviteMember } from "../bids/bid.service";
import { InvalidStateError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import type { Actor } from "../cooperatives/cooperative.service";
import { loadTender } from "../tenders/tender.service";
import { consortiumSuggestions } from "./matching.service";

export interface CompletionRequest {
  tenderId: string;
  leadCooperativeId: string;
  groupType?: BidGroupType | null;
  clientMutationId?: string | null;
}

/**
 * "Complete my offer": the best team built around the lead becomes a draft consortium bid in
 * the lead's name, with the partners invited and the lots assigned as suggested. Everything is
 * checked before the bid is created; a retry with the same clientMutationId returns that bid.
 */
export async function requestCompletion(actor: Actor, input: CompletionRequest): Promise<Bid> {
  decodeId("Cooperative", input.leadCooperativeId, "input.leadCooperativeId");
  const tender = await loadTender(actor, input.tenderId, "read", "input.tenderId");
  const { suggestions, uncoveredLots } = await consortiumSuggestions(actor, tender, { first: 1, lead: input.leadCooperativeId });
  const best = suggestions[0];
  if (!best || uncoveredLots.length > 0) {
    throw new InvalidStateError("No team of member cooperatives covers every lot of this tender around this lead.");
  }
  // The bid answers the lots the team covers, within the tender's limit of lots per tenderer.
  const lotIds = [...new Set(best.members.flatMap((member) => member.lots.map((lot) => lot.id)))];
  if (tender.maxLotsPerTenderer !== null && lotIds.length > tender.maxLotsPerTenderer) {
    throw new InvalidStateError(
      `The team covers ${lotIds.length} lots but the tender allows at most ${tender.maxLotsPerTenderer} per tenderer (maximum lots per tenderer): create the bid on the lots you choose (createBid with lotIds).`,
    );
  }
  const bid = await createBid(actor, {
    tenderId: input.tenderId,
    leadCooperativeId: input.leadCooperativeId,
    groupType: input.groupType ?? BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD,
    title: null,
    lotIds: lotIds.map((id) => toGlobalId("Lot", id)),
    clientMutationId: input.clientMutationId,
  });
  const bidGid = toGlobalId("Bid", bid.id);
  const existing = await actor.em.find(BidMember, { bid: bid.id });
  // A retried request finds its bid already composed: leave it as it is.
  if (existing.length > 1) return bid;
  const memberOf = new Map<string, string>();
  for (const m of existing) memberOf.set(m.cooperative.id, toGlobalId("BidMember", m.id));
  for (const member of best.members) {
    if (memberOf.has(member.cooperative.id)) continue;
    const invited = await inviteMember(actor, { bidId: bidGid, cooperativeId: toGlobalId("Cooperative", member.cooperative.id), role: BidMemberRole.MEMBER });
    memberOf.set(member.cooperative.id, toGlobalId("BidMember", invited.id));
  }
  for (const member of best.members) {
    for (const lot of member.lots) {
      await assignLot(actor, { bidId: bidGid, lotId: toGlobalId("Lot", lot.id), memberId: memberOf.get(member.cooperative.id) ?? null, expectedVersion: 0 });
    }
  }
  return (await actor.em.fork().findOne(Bid, { id: bid.id })) as Bid;
}
