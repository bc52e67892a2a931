import { announceCooperativeAccessChange } from "../auth/access-change";
import { notifyBidInvitation } from "../notifications/bid-hooks";
import type { Actor } from "../auth/actor";
import { User } from "../auth/user.entity";
import { BadInputError, ConflictError, ForbiddenError, InvalidStateError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import { assertVersion } from "../common/version";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { assertVerifiedCooperative } from "../cooperatives/cooperative.status";
import { presenceChannel } from "./live/event-log";
import { notify } from "../realtime/bus";
import { Tender } from "../tenders/tender.entity";
import { BidLotAssignment, BidMember } from "./bid.entity";
import { assertNoOtherOffer, declaredLots, releaseLots } from "./bid.offers";
import { BidEventType, BidMemberRole, BidMemberStatus, BidStatus } from "./bid.enums";
import type { AnswerBidInvitationInput, AssignLotInput, InviteBidMemberInput, RemoveBidMemberInput } from "./bid.inputs";
import { assertCompositionEditable, assertContentEditable } from "./bid.lifecycle";
import { assignmentState, memberState } from "./bid.presenters";
import { activeMemberOfBid, lotOfBid } from "./bid.queries";
import { bidRecord, mutateBid, resultRef } from "./bid.tx";

/* The group's use cases: invite a cooperative, answer, remove it, and who performs which lot. */

const gid = toGlobalId;

export async function inviteMember(actor: Actor, input: InviteBidMemberInput): Promise<BidMember> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  const cooperativeId = decodeId("Cooperative", input.cooperativeId, "input.cooperativeId");
  const role = input.role ?? BidMemberRole.MEMBER;
  if (role !== BidMemberRole.MEMBER && role !== BidMemberRole.SUBCONTRACTOR) throw new BadInputError("input.role", "must be MEMBER or SUBCONTRACTOR");
  return mutateBid(actor, id, { action: "lead", operation: "inviteMember", input, globalId: input.bidId }, async (tx) => {
    const { bid, em } = tx;
    assertCompositionEditable(bid.status);
    const cooperative = await em.findOne(Cooperative, { id: cooperativeId });
    if (!cooperative) throw new BadInputError("input.cooperativeId", "is not a cooperative");
    assertVerifiedCooperative(cooperative, "be invited to a bid");
    const tender = await em.findOneOrFail(Tender, { id: bid.tender.id });
    const lotIds = (await declaredLots(em, bid.id)).map((l) => l.id);
    await assertNoOtherOffer(em, tender, bid.id, { cooperativeIds: [cooperativeId], lotIds }, "input.cooperativeId");
    let member = await em.findOne(BidMember, { bid: bid.id, cooperative: cooperativeId });
    if (member && (member.status === BidMemberStatus.INVITED || member.status === BidMemberStatus.ACCEPTED)) {
      throw new ConflictError("This cooperative is already invited to or part of the group.", memberState(member));
    }
    if (member) {
      member.status = BidMemberStatus.INVITED;
      member.role = role;
      member.version += 1;
      member.answeredAt = null;
      member.answeredBy = null;
    } else {
      member = em.create(BidMember, { bid, cooperative, role, status: BidMemberStatus.INVITED });
    }
    member.invitedBy = tx.actorId ? em.getReference(User, tx.actorId) : null;
    await em.flush();
    await tx.append(
      BidEventType.MEMBER_INVITED,
      { memberId: gid("BidMember", member.id), cooperativeId: gid("Cooperative", cooperativeId), role, version: member.version },
      { result: resultRef("BidMember", member.id) },
    );
    // A partner of a PROPOSED bid hears of it when the lead accepts (completion.service.ts).
    if (bid.status !== BidStatus.PROPOSED)
      await notifyBidInvitation(em, { bidId: bid.id, bidTitle: bid.title, cooperativeId, memberId: member.id, version: member.version }, tx.actorId);
    return member;
  });
}

/** The member record, and the bid it belongs to, for a member-level mutation. */
export async function answerInvitation(actor: Actor, input: AnswerBidInvitationInput, now = new Date()): Promise<BidMember> {
  const { id: memberId, bidId, notFound } = await bidRecord(actor, "BidMember", input.memberId, "input.memberId");
  if (typeof input.accept !== "boolean") throw new BadInputError("input.accept", "must be true or false");
  return mutateBid(actor, bidId, { action: "read", operation: "answerInvitation", input, notFound }, async (tx) => {
    const { bid, em } = tx;
    const member = await em.findOneOrFail(BidMember, { id: memberId });
    if (!tx.access.activeMemberIds.includes(member.id)) throw new ForbiddenError("Only the people of the invited cooperative may answer.");
    if (member.status !== BidMemberStatus.INVITED) throw new InvalidStateError(`This cooperative is ${member.status}, not INVITED.`);
    if (input.accept) assertVerifiedCooperative(await em.findOneOrFail(Cooperative, { id: member.cooperative.id }), "join a bid");
    assertCompositionEditable(bid.status);
    if (input.accept) {
      const tender = await em.findOneOrFail(Tender, { id: bid.tender.id });
      const lotIds = (await declaredLots(em, bid.id)).map((l) => l.id);
      await assertNoOtherOffer(em, tender, bid.id, { cooperativeIds: [member.cooperative.id], lotIds }, "input.accept");
    }
    member.status = input.accept ? BidMemberStatus.ACCEPTED : BidMemberStatus.DECLINED;
    member.answeredAt = now;
    member.answeredBy = tx.actorId ? em.getReference(User, tx.actorId) : null;
    member.version += 1;
    await tx.append(
      input.accept ? BidEventType.MEMBER_ACCEPTED : BidEventType.MEMBER_DECLINED,
      { memberId: gid("BidMember", member.id), cooperativeId: gid("Cooperative", member.cooperative.id), version: member.version },
      { result: resultRef("BidMember", member.id) },
    );
    if (!input.accept) {
      // Its lots go back to the lead to give to someone else, in this transaction.
      await releaseLots(tx, { member }, "MEMBER_DECLINED");
      await notify(em, presenceChannel(bid.id), { kind: "revoke" });
      await announceCooperativeAccessChange(em, [member.cooperative.id]);
    }
    return member;
  });
}

export async function removeMember(actor: Actor, input: RemoveBidMemberInput): Promise<BidMember> {
  const { id: memberId, bidId, notFound } = await bidRecord(actor, "BidMember", input.memberId, "input.memberId");
  return mutateBid(actor, bidId, { action: "lead", operation: "removeMember", input, notFound }, async (tx) => {
    const { bid, em } = tx;
    assertCompositionEditable(bid.status);
    const member = await em.findOneOrFail(BidMember, { id: memberId });
    if (member.role === BidMemberRole.LEAD) throw new InvalidStateError("The lead cannot be removed from its own bid.");
    assertVersion(input.expectedVersion, member.version, "member", () => memberState(member));
    if (member.status !== BidMemberStatus.INVITED && member.status !== BidMemberStatus.ACCEPTED) {
      throw new InvalidStateError(`This cooperative is already ${member.status}.`);
    }
    member.status = BidMemberStatus.REMOVED;
    member.version += 1;
    await tx.append(
      BidEventType.MEMBER_REMOVED,
      { memberId: gid("BidMember", member.id), cooperativeId: gid("Cooperative", member.cooperative.id), version: member.version },
      { result: resultRef("BidMember", member.id) },
    );
    await releaseLots(tx, { member }, "MEMBER_REMOVED");
    // Presence streams and the people of that cooperative re-check their access at once.
    await notify(em, presenceChannel(bid.id), { kind: "revoke" });
    await announceCooperativeAccessChange(em, [member.cooperative.id]);
    return member;
  });
}

export async function assignLot(actor: Actor, input: AssignLotInput): Promise<BidLotAssignment> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  return mutateBid(actor, id, { action: "edit", operation: "assignLot", input, globalId: input.bidId }, async (tx) => {
    const { bid, em } = tx;
    assertContentEditable(bid.status);
    const lot = await lotOfBid(tx, input.lotId, "input.lotId");
    const member = input.memberId == null ? null : await activeMemberOfBid(tx, input.memberId, "input.memberId");
    if (member) {
      const tender = await em.findOneOrFail(Tender, { id: bid.tender.id });
      await assertNoOtherOffer(em, tender, bid.id, { cooperativeIds: [member.cooperative.id], lotIds: [lot.id] }, "input.lotId");
    }
    let assignment = await em.findOne(BidLotAssignment, { bid: bid.id, lot: lot.id });
    assertVersion(input.expectedVersion, assignment?.version ?? 0, "lot assignment", () => assignmentState(assignment, lot.id));
    if (assignment) {
      assignment.member = member;
      assignment.version += 1;
    } else {
      assignment = em.create(BidLotAssignment, { bid, lot, member });
    }
    await em.flush();
    await tx.append(
      BidEventType.LOT_ASSIGNED,
      { assignmentId: gid("BidLotAssignment", assignment.id), ...assignmentState(assignment, lot.id) },
      { result: resultRef("BidLotAssignment", assignment.id) },
    );
    return assignment;
  });
}
