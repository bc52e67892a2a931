import { notifyBidInvitation } from "../notifications/bid-hooks";
import { announceCooperativeAccessChange } from "../auth/access-change";
import { User } from "../auth/user.entity";
import { Bid, BidMember } from "../bids/bid.entity";
import { BidEventType, BidMemberStatus, BidStatus } from "../bids/bid.enums";
import { assertBidTransition } from "../bids/bid.lifecycle";
import { mutateBid, resultRef } from "../bids/bid.tx";
import { InvalidStateError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import * as v from "../common/validate";
import type { Actor } from "../auth/actor";

/*
 * A lead's answer to a bid an officer proposed on its cooperative's behalf (completion.service.ts
 * proposes it): accepted, it becomes a draft with its partners; declined, it is withdrawn.
 */

export interface ProposalAnswer {
  bidId: string;
  reason?: string | null;
  clientMutationId?: string | null;
}

function reasonOf(input: ProposalAnswer): string | null {
  return input.reason == null ? null : v.text("input.reason", input.reason, { max: 1000 });
}

/** The lead's people take the proposed bid on: it becomes a normal DRAFT and the partners' invitations come alive. */
export async function acceptProposedBid(actor: Actor, input: ProposalAnswer, now = new Date()): Promise<Bid> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  const reason = reasonOf(input);
  return mutateBid(actor, id, { action: "lead", operation: "acceptProposedBid", input, globalId: input.bidId }, async (tx) => {
    const { bid, em } = tx;
    if (bid.status !== BidStatus.PROPOSED) throw new InvalidStateError(`This bid is ${bid.status}, not PROPOSED.`);
    assertBidTransition(bid.status, BidStatus.DRAFT);
    const leadMember = await em.findOne(BidMember, { bid: bid.id, cooperative: bid.lead.id });
    if (leadMember) {
      leadMember.answeredAt = now;
      leadMember.answeredBy = tx.actorId ? em.getReference(User, tx.actorId) : null;
    }
    bid.status = BidStatus.DRAFT;
    bid.version += 1;
    await tx.append(
      BidEventType.PROPOSAL_ACCEPTED,
      { from: BidStatus.PROPOSED, to: BidStatus.DRAFT, version: bid.version, reason },
      { result: resultRef("Bid", bid.id) },
    );
    // The partners' invitations come alive: now their people hear of them.
    for (const partner of await em.find(BidMember, { bid: bid.id, status: BidMemberStatus.INVITED })) {
      await notifyBidInvitation(
        em,
        { bidId: bid.id, bidTitle: bid.title, cooperativeId: partner.cooperative.id, memberId: partner.id, version: partner.version },
        tx.actorId,
      );
    }
    return bid;
  });
}

/**
 * The lead's people decline the proposed bid: it is WITHDRAWN (kept with its log, like a
 * withdrawn bid; the cooperative then leads no bid on this tender, so a lead wanting another
 * team accepts and recomposes the draft instead), and the dormant invitations are removed.
 */
export async function declineProposedBid(actor: Actor, input: ProposalAnswer): Promise<Bid> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  const reason = reasonOf(input);
  return mutateBid(actor, id, { action: "lead", operation: "declineProposedBid", input, globalId: input.bidId }, async (tx) => {
    const { bid, em } = tx;
    if (bid.status !== BidStatus.PROPOSED) throw new InvalidStateError(`This bid is ${bid.status}, not PROPOSED.`);
    assertBidTransition(bid.status, BidStatus.WITHDRAWN);
    bid.status = BidStatus.WITHDRAWN;
    bid.version += 1;
    await tx.append(
      BidEventType.PROPOSAL_DECLINED,
      { from: BidStatus.PROPOSED, to: BidStatus.WITHDRAWN, version: bid.version, reason },
      { result: resultRef("Bid", bid.id) },
    );
    const partners = await em.find(BidMember, { bid: bid.id, status: BidMemberStatus.INVITED });
    for (const member of partners) {
      member.status = BidMemberStatus.REMOVED;
      member.version += 1;
      await tx.append(
        BidEventType.MEMBER_REMOVED,
        { memberId: toGlobalId("BidMember", member.id), cooperativeId: toGlobalId("Cooperative", member.cooperative.id), version: member.version },
        { result: resultRef("Bid", bid.id) },
      );
    }
    if (partners.length)
      await announceCooperativeAccessChange(
        em,
        partners.map((m) => m.cooperative.id),
      );
    return bid;
  });
}
