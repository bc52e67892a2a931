import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { Actor } from "../auth/actor";
import { roleIn } from "../auth/actor";
import { User } from "../auth/user.entity";
import { userIdOf } from "../auth/viewer";
import { AppError, BadInputError, ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import * as v from "../common/validate";
import { assertVersion } from "../common/version";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { assertVerifiedCooperative } from "../cooperatives/cooperative.status";
import { appendBidEvent } from "./live/event-log";
import { encodeBase64 } from "./sections/section-crdt";
import { Lot } from "../tenders/tender.entity";
import { assertAcceptsBids } from "../tenders/tender.lifecycle";
import { loadTender } from "../tenders/tender.queries";
import { Y } from "./sections/yjs";
import { offerSubmitted } from "../clients/offer.notify";
import { Bid, BidLot, BidMember, type BidSection } from "./bid.entity";
import { checkDeclaredLots, defaultDeclaredLots } from "./bid.lots";
import { assertNoOtherOffer, lotFacts, tenderLots } from "./bid.offers";
import { BidEventType, BidGroupType, BidMemberRole, BidMemberStatus, BidStatus } from "./bid.enums";
import type { CreateBidInput, SubmitBidInput, TransitionBidInput, UpdateBidInput } from "./bid.inputs";
import { assertBidTransition, assertCompositionEditable, assertContentEditable } from "./bid.lifecycle";
import { bidState, globalIssue, priceLineTotals, submissionSnapshot, type FrozenSection } from "./bid.presenters";
import { gatherBid, issuesOf } from "./bid.queries";
import { checkClientMutationId, mutateBid, priorOpening, requestFingerprint, resultRef } from "./bid.tx";
import type { EntityManager } from "@mikro-orm/postgresql";

/* The bid's own use cases: create it, change its fields, move it through its lifecycle, submit it. */

const gid = toGlobalId;

function title(field: string, value: string): string {
  return v.text(field, value, { max: 300 });
}

/**
 * Any legal form may bid: a form the buyer requires of the group applies once it is awarded
 * (the change of form is recorded at award), not before.
 */
function groupTypeOf(field: string, value: BidGroupType): BidGroupType {
  if (!Object.values(BidGroupType).includes(value)) throw new BadInputError(field, "is not a group type");
  return value;
}

export async function createBid(actor: Actor, input: CreateBidInput, now = new Date()): Promise<Bid> {
  const clientMutationId = checkClientMutationId(input.clientMutationId);
  const userId = userIdOf(actor.viewer);
  if (!userId) throw new ForbiddenError("Only a person of the lead cooperative may create its bid.");
  const leadId = decodeId("Cooperative", input.leadCooperativeId, "input.leadCooperativeId");
  const tender = await loadTender(actor, input.tenderId, "read", "input.tenderId");
  const lead = await actor.em.findOne(Cooperative, { id: leadId });
  if (!lead) throw new NotFoundError("Cooperative", input.leadCooperativeId);
  if (!(await roleIn(actor, lead.id))) throw new ForbiddenError("Only a person of the lead cooperative may create its bid.");
  assertVerifiedCooperative(lead, "lead a bid");
  // A retry is answered after the same checks as a first call: access is what it is now.
  const fingerprint = clientMutationId ? requestFingerprint("createBid", input) : null;
  if (clientMutationId) {
    const prior = await priorOpening(actor, "BID_CREATED", userId, clientMutationId, fingerprint!);
    if (prior) return prior;
  }
  const groupType = groupTypeOf("input.groupType", input.groupType);
  const name = input.title == null ? tender.title.slice(0, 300) : title("input.title", input.title);
  const lots = await tenderLots(actor.em, tender.id);
  const lotIds =
    input.lotIds == null
      ? defaultDeclaredLots(
          lots.map((l) => l.id),
          tender.maxLotsPerTenderer,
        )
      : checkDeclaredLots(
          "input.lotIds",
          input.lotIds.map((id, i) => decodeId("Lot", id, `input.lotIds[${i}]`)),
          lots.map(lotFacts),
          tender.maxLotsPerTenderer,
        );
  assertAcceptsBids(tender, now);
  const existing = await actor.em.findOne(Bid, { tender: tender.id, lead: lead.id }, { fields: ["id"] });
  if (existing) throw new ConflictError("This cooperative already leads a bid on this tender.", { bidId: gid("Bid", existing.id) });
  try {
    return await actor.em.transactional(async (em) => {
      const bid = em.create(Bid, { tender, lead, title: name, groupType, createdBy: em.getReference(User, userId) });
      const member = em.create(BidMember, { bid, cooperative: lead, role: BidMemberRole.LEAD, status: BidMemberStatus.ACCEPTED, answeredAt: now });
      for (const lotId of lotIds) em.create(BidLot, { bid, lot: em.getReference(Lot, lotId) });
      await em.flush();
      await assertNoOtherOffer(em, tender, bid.id, { cooperativeIds: [lead.id], lotIds }, "input.lotIds");
      await appendBidEvent(em, bid.id, {
        type: BidEventType.BID_CREATED,
        payload: {
          tenderId: gid("Tender", tender.id),
          leadCooperativeId: gid("Cooperative", lead.id),
          leadMemberId: gid("BidMember", member.id),
          groupType,
          title: name,
          lotIds: lotIds.map((id) => gid("Lot", id)),
        },
        actorId: userId,
        clientMutationId,
        requestHash: fingerprint,
        result: resultRef("Bid", bid.id),
      });
      return bid;
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const prior = clientMutationId ? await priorOpening({ ...actor, em: actor.em.fork() }, "BID_CREATED", userId, clientMutationId, fingerprint!) : null;
      if (prior) return prior;
      throw new ConflictError("This cooperative already leads a bid on this tender.");
    }
    throw error;
  }
}

export async function updateBid(actor: Actor, input: UpdateBidInput): Promise<Bid> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  const name = input.title == null ? null : title("input.title", input.title);
  return mutateBid(actor, id, { action: "lead", operation: "updateBid", input, globalId: input.bidId }, async (tx) => {
    const { bid } = tx;
    assertContentEditable(bid.status);
    assertVersion(input.expectedVersion, bid.version, "bid", () => bidState(bid));
    const changes: Record<string, unknown> = {};
    if (name !== null) changes.title = bid.title = name;
    if (input.groupType != null) {
      assertCompositionEditable(bid.status);
      changes.groupType = bid.groupType = groupTypeOf("input.groupType", input.groupType);
    }
    bid.version += 1;
    await tx.append(BidEventType.BID_UPDATED, { ...changes, version: bid.version }, { result: resultRef("Bid", bid.id) });
    return bid;
  });
}

export async function transitionBid(actor: Actor, input: TransitionBidInput, now = new Date()): Promise<Bid> {
  if (!Object.values(BidStatus).includes(input.status)) throw new BadInputError("input.status", "is not a bid status");
  if (input.status === BidStatus.SUBMITTED) return submitBid(actor, input, now);
  const id = decodeId("Bid", input.bidId, "input.bidId");
  const outcome = input.status === BidStatus.WON || input.status === BidStatus.LOST;
  return mutateBid(actor, id, { action: outcome ? "read" : "lead", operation: "transitionBid", input, globalId: input.bidId }, async (tx) => {
    const { bid } = tx;
    if (outcome && !tx.access.staff) throw new ForbiddenError("Only mission officers and admins record a bid's outcome.");
    // A proposal is answered as such, so that its log says so.
    if (bid.status === BidStatus.PROPOSED)
      throw new InvalidStateError("This bid is PROPOSED: its lead accepts it (acceptProposedBid) or declines it (declineProposedBid).");
    assertBidTransition(bid.status, input.status);
    assertVersion(input.expectedVersion, bid.version, "bid", () => bidState(bid));
    const from = bid.status;
    bid.status = input.status;
    bid.version += 1;
    await tx.append(BidEventType.STATUS_CHANGED, { from, to: bid.status, version: bid.version }, { result: resultRef("Bid", bid.id) });
    return bid;
  });
}

/** Copies each section's document as of now into its row, and answers them as the snapshot lists them. */
async function freezeSections(actor: Actor, em: EntityManager, rows: BidSection[]): Promise<FrozenSection[]> {
  const docs = await actor.loaders.sectionDocs.load(
    em,
    rows.map((s) => s.id),
  );
  return rows.map((s) => {
    const entry = docs.get(s.id);
    const state = entry?.state ?? Y.encodeStateAsUpdate(new Y.Doc());
    s.snapshot = Buffer.from(state);
    s.snapshotSeq = entry?.seq ?? s.snapshotSeq;
    s.snapshotText = entry?.text ?? "";
    return { id: gid("BidSection", s.id), title: s.title, position: s.position, status: s.status, text: s.snapshotText, state: encodeBase64(state) };
  });
}

export async function submitBid(actor: Actor, input: SubmitBidInput, now = new Date()): Promise<Bid> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  return mutateBid(actor, id, { action: "lead", operation: "submitBid", input, globalId: input.bidId }, async (tx) => {
    const { bid, em } = tx;
    assertBidTransition(bid.status, BidStatus.SUBMITTED);
    assertVersion(input.expectedVersion, bid.version, "bid", () => bidState(bid));
    const facts = await gatherBid(em, bid);
    assertAcceptsBids(facts.tender, now);
    const issues = issuesOf(bid, facts);
    if (issues.length) {
      throw new AppError("INVALID_STATE", `The bid is not complete: ${issues.map((i) => i.message).join(" ")}`, {
        issues: issues.map(globalIssue),
      });
    }
    // Freeze the text of every section into its row, and keep the whole bid as submitted.
    const sections = await freezeSections(actor, tx.em, facts.sections);
    const totals = priceLineTotals(facts.priceLines);
    bid.snapshot = submissionSnapshot(bid, facts, sections, totals, now);
    bid.submittedAt = now;
    bid.status = BidStatus.SUBMITTED;
    bid.version += 1;
    await tx.append(
      BidEventType.BID_SUBMITTED,
      { submittedAt: now.toISOString(), version: bid.version, total: totals.totalCents / 100 },
      { result: resultRef("Bid", bid.id) },
    );
    await offerSubmitted(em, bid, facts.tender.id, tx.actorId);
    return bid;
  });
}
