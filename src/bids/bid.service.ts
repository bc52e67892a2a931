import { announceCooperativeAccessChange } from "../auth/access-change";
import { notifyBidInvitation } from "../notifications/bid-hooks";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../auth/user.entity";
import { userIdOf } from "../auth/viewer";
import { AppError, BadInputError, ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape } from "../common/pagination";
import * as v from "../common/validate";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { roleIn, type Actor } from "../cooperatives/cooperative.service";
import { assertVerifiedCooperative } from "../cooperatives/cooperative.status";
import { appendBidEvent, presenceChannel } from "./live/event-log";
import { notify } from "../realtime/bus";
import { encodeBase64 } from "./sections/section-crdt";
import { Lot, Tender } from "../tenders/tender.entity";
import { assertAcceptsBids, loadTender } from "../tenders/tender.service";
import { Y } from "./sections/yjs";
import { offerSubmitted } from "../clients/offer.notify";
import { memberBidsSql, visibleBidsSql } from "./bid.access";
import { completenessIssues, type CompletenessIssue } from "./bid.completeness";
import { Bid, BidEvent, BidLot, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "./bid.entity";
import { checkDeclaredLots, defaultDeclaredLots, lotLabel } from "./bid.lots";
import { assertNoOtherOffer, declaredLots, lotFacts, releaseLots, tenderLots } from "./bid.offers";
import { BidEventType, BidGroupType, BidMemberRole, BidMemberStatus, BidStatus } from "./bid.enums";
import type {
  AnswerBidInvitationInput,
  AssignLotInput,
  BidEventsPageArgs,
  BidsArgs,
  CreateBidInput,
  InviteBidMemberInput,
  RemoveBidMemberInput,
  SubmitBidInput,
  TransitionBidInput,
  UpdateBidInput,
} from "./bid.inputs";
import { assertBidTransition, assertCompositionEditable, assertContentEditable } from "./bid.lifecycle";
import { canOnBid } from "./bid.policy";
import { computeTotals, lineTotalCents } from "./bid.totals";
import { bidRecord, checkClientMutationId, mutateBid, priorOpening, requestFingerprint, resultRef, type BidTx } from "./bid.tx";

const gid = toGlobalId;

// ---- reading ----------------------------------------------------------------------------------

/** A bid the viewer may read; any other answers NOT_FOUND, exactly like a missing one. */
export async function loadBid(actor: Actor, globalId: string, field = "id"): Promise<Bid> {
  const id = decodeId("Bid", globalId, field);
  const bid = await actor.em.findOne(Bid, { id });
  const access = bid ? await actor.loaders.bidAccess.load({ viewer: actor.viewer, bidId: bid.id }) : null;
  if (!bid || !access || !canOnBid(access, "read")) throw new NotFoundError("Bid", globalId);
  return bid;
}

/** For node(id) and field resolvers: the bid, or null when the viewer may not read it. */
export async function readableBid(actor: Actor, id: string): Promise<Bid | null> {
  const bid = await actor.em.findOne(Bid, { id });
  if (!bid) return null;
  return canOnBid(await actor.loaders.bidAccess.load({ viewer: actor.viewer, bidId: bid.id }), "read") ? bid : null;
}

/** The bid of a child record, if the viewer may read it. */
export async function readableChild<T extends { bid: Bid }>(actor: Actor, entity: T | null): Promise<T | null> {
  if (!entity) return null;
  return (await readableBid(actor, entity.bid.id)) ? entity : null;
}

/** Bids the viewer may read, newest first, as a connection; filters by tender, cooperative and status. */
export async function listBids(
  actor: Actor,
  args: BidsArgs,
  scope: { tenderId?: string; cooperativeId?: string; memberUserId?: string } = {},
): Promise<ConnectionShape<Bid>> {
  const size = pageSize(args.first);
  const cursor = decodeCursor(args.after, ["date", "uuid"]);
  const visible = visibleBidsSql(actor.viewer);
  const where: string[] = [visible.sql];
  const params: unknown[] = [...visible.params];
  if (scope.memberUserId) {
    // "My bids": those of the person's own cooperatives, whatever the staff may read besides.
    const mine = memberBidsSql(scope.memberUserId);
    where.push(mine.sql);
    params.push(...mine.params);
  }
  const tenderId = scope.tenderId ?? (args.filter?.tenderId ? decodeId("Tender", args.filter.tenderId, "filter.tenderId") : undefined);
  const cooperativeId =
    scope.cooperativeId ?? (args.filter?.cooperativeId ? decodeId("Cooperative", args.filter.cooperativeId, "filter.cooperativeId") : undefined);
  if (tenderId) {
    where.push("b.tender_id = ?");
    params.push(tenderId);
  }
  if (cooperativeId) {
    where.push("EXISTS (SELECT 1 FROM bid_members c WHERE c.bid_id = b.id AND c.cooperative_id = ? AND c.status IN ('INVITED', 'ACCEPTED'))");
    params.push(cooperativeId);
  }
  const statuses = args.filter?.status ?? null;
  if (statuses && statuses.length) {
    statuses.forEach((s, i) => {
      if (!Object.values(BidStatus).includes(s)) throw new BadInputError(`filter.status[${i}]`, "is not a bid status");
    });
    where.push("b.status IN (?)");
    params.push(statuses);
  }
  const total = await actor.em.execute<{ n: string }[]>(`SELECT count(*) AS n FROM bids b WHERE ${where.join(" AND ")}`, params);
  if (cursor) {
    const [createdAt, id] = cursor;
    if (typeof createdAt !== "string" || typeof id !== "string") throw new BadInputError("after", "not a valid cursor");
    where.push("(b.created_at, b.id) < (?::timestamptz, ?::uuid)");
    params.push(createdAt, id);
  }
  const rows = await actor.em.execute<{ id: string }[]>(
    `SELECT b.id FROM bids b WHERE ${where.join(" AND ")} ORDER BY b.created_at DESC, b.id DESC LIMIT ?`,
    [...params, size + 1],
  );
  const bids = await actor.em.find(Bid, { id: { $in: rows.map((r) => r.id) } });
  const byId = new Map(bids.map((b) => [b.id, b]));
  const ordered = rows.map((r) => byId.get(r.id)).filter((b): b is Bid => b !== undefined);
  return toConnection(ordered, size, (b) => encodeCursor([b.createdAt.toISOString(), b.id]), Number(total[0]?.n ?? 0), cursor !== null);
}

/** A page of the bid's log (the audit trail), by seq. */
export async function listEvents(actor: Actor, bid: Bid, args: BidEventsPageArgs): Promise<ConnectionShape<BidEvent>> {
  const size = pageSize(args.first);
  let after = 0;
  if (args.afterSeq !== null && args.afterSeq !== undefined) after = v.integer("afterSeq", args.afterSeq, 0, 2_000_000_000);
  const cursor = decodeCursor(args.after, ["int"]);
  if (cursor) {
    if (typeof cursor[0] !== "number") throw new BadInputError("after", "not a valid cursor");
    after = Math.max(after, cursor[0]);
  }
  const events = await actor.em.find(BidEvent, { bid: bid.id, seq: { $gt: after } }, { orderBy: { seq: "asc" }, limit: size + 1 });
  const head = await actor.loaders.bidHeadSeq.load(bid.id);
  return toConnection(events, size, (e) => encodeCursor([e.seq]), head, after > 0);
}

// ---- creating ---------------------------------------------------------------------------------

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
      ? defaultDeclaredLots(lots.map((l) => l.id), tender.maxLotsPerTenderer)
      : checkDeclaredLots("input.lotIds", input.lotIds.map((id, i) => decodeId("Lot", id, `input.lotIds[${i}]`)), lots.map(lotFacts), tender.maxLotsPerTenderer);
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


// ---- the bid's own fields and lifecycle -------------------------------------------------------

export function checkVersion(expected: number, actual: number, what: string, current: () => Record<string, unknown>): void {
  v.integer("input.expectedVersion", expected, 0, 2_000_000_000);
  if (expected !== actual) throw new ConflictError(`The ${what} changed since version ${expected}; it is at version ${actual}.`, current());
}

export function bidState(bid: Bid): Record<string, unknown> {
  return { id: gid("Bid", bid.id), version: bid.version, status: bid.status, title: bid.title, groupType: bid.groupType };
}

export async function updateBid(actor: Actor, input: UpdateBidInput): Promise<Bid> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  const name = input.title == null ? null : title("input.title", input.title);
  return mutateBid(actor, id, { action: "lead", operation: "updateBid", input, globalId: input.bidId }, async (tx) => {
    const { bid } = tx;
    assertContentEditable(bid.status);
    checkVersion(input.expectedVersion, bid.version, "bid", () => bidState(bid));
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
    if (bid.status === BidStatus.PROPOSED) throw new InvalidStateError("This bid is PROPOSED: its lead accepts it (acceptProposedBid) or declines it (declineProposedBid).");
    assertBidTransition(bid.status, input.status);
    checkVersion(input.expectedVersion, bid.version, "bid", () => bidState(bid));
    const from = bid.status;
    bid.status = input.status;
    bid.version += 1;
    await tx.append(BidEventType.STATUS_CHANGED, { from, to: bid.status, version: bid.version }, { result: resultRef("Bid", bid.id) });
    return bid;
  });
}

/**
 * Everything submission needs, read under the bid's lock. One query after the other: inside the
 * transaction they share one connection, which runs a single statement at a time anyway.
 */
async function gatherBid(em: EntityManager, bid: Bid) {
  const tender = await em.findOneOrFail(Tender, { id: bid.tender.id });
  const lots = await tenderLots(em, bid.tender.id);
  const declared = await declaredLots(em, bid.id);
  const members = await em.find(BidMember, { bid: bid.id }, { populate: ["cooperative"], orderBy: { createdAt: "asc", id: "asc" } });
  const assignments = await em.find(BidLotAssignment, { bid: bid.id });
  const sections = await em.find(BidSection, { bid: bid.id }, { orderBy: { position: "asc", createdAt: "asc" } });
  const priceLines = await em.find(BidPriceLine, { bid: bid.id }, { orderBy: { createdAt: "asc", id: "asc" } });
  return { tender, lots, declared, members, assignments, sections, priceLines };
}

export function issuesOf(bid: Bid, facts: Awaited<ReturnType<typeof gatherBid>>): CompletenessIssue[] {
  return completenessIssues({
    lots: facts.declared.map(lotFacts),
    tenderLots: facts.lots.map(lotFacts),
    members: facts.members.map((m) => ({ id: m.id, status: m.status, name: m.cooperative.name })),
    assignments: facts.assignments.map((a) => ({ lotId: a.lot.id, memberId: a.member?.id ?? null })),
    sections: facts.sections.map((s) => ({ id: s.id, title: s.title, status: s.status })),
    priceLines: facts.priceLines.map((p) => ({ lotId: p.lot.id, memberId: p.member.id })),
  });
}

/** The reasons the bid cannot be submitted yet, with global ids. */
export async function bidCompleteness(actor: Actor, bid: Bid): Promise<CompletenessIssue[]> {
  return issuesOf(bid, await gatherBid(actor.em, bid)).map(globalIssue);
}

const ISSUE_TYPES: Record<string, string> = {
  LOT_UNASSIGNED: "Lot",
  LOT_UNPRICED: "Lot",
  SECTION_NOT_DONE: "BidSection",
  MEMBER_NOT_ACCEPTED: "BidMember",
  PRICE_LINE_OF_ABSENT_MEMBER: "BidMember",
};

function globalIssue(issue: CompletenessIssue): CompletenessIssue {
  const type = ISSUE_TYPES[issue.code];
  return { ...issue, subjectId: issue.subjectId && type ? gid(type, issue.subjectId) : null };
}

export async function submitBid(actor: Actor, input: SubmitBidInput, now = new Date()): Promise<Bid> {
  const id = decodeId("Bid", input.bidId, "input.bidId");
  return mutateBid(actor, id, { action: "lead", operation: "submitBid", input, globalId: input.bidId }, async (tx) => {
    const { bid, em } = tx;
    assertBidTransition(bid.status, BidStatus.SUBMITTED);
    checkVersion(input.expectedVersion, bid.version, "bid", () => bidState(bid));
    const facts = await gatherBid(em, bid);
    assertAcceptsBids(facts.tender, now);
    const issues = issuesOf(bid, facts);
    if (issues.length) {
      throw new AppError("INVALID_STATE", `The bid is not complete: ${issues.map((i) => i.message).join(" ")}`, {
        issues: issues.map(globalIssue),
      });
    }
    // Freeze the text of every section into its row, and keep the whole bid as submitted.
    const docs = await actor.loaders.sectionDocs.load(em, facts.sections.map((s) => s.id));
    const sections = facts.sections.map((s) => {
      const entry = docs.get(s.id);
      const state = entry?.state ?? Y.encodeStateAsUpdate(new Y.Doc());
      s.snapshot = Buffer.from(state);
      s.snapshotSeq = entry?.seq ?? s.snapshotSeq;
      s.snapshotText = entry?.text ?? "";
      return { id: gid("BidSection", s.id), title: s.title, position: s.position, status: s.status, text: s.snapshotText, state: encodeBase64(state) };
    });
    const totals = computeTotals(facts.priceLines.map((p) => ({ lotId: p.lot.id, memberId: p.member.id, quantity: p.quantity, unitPriceCents: p.unitPriceCents })));
    bid.snapshot = {
      submittedAt: now.toISOString(),
      title: bid.title,
      groupType: bid.groupType,
      tenderId: gid("Tender", facts.tender.id),
      leadCooperativeId: gid("Cooperative", bid.lead.id),
      members: facts.members
        .filter((m) => m.status === BidMemberStatus.ACCEPTED)
        .map((m) => ({ id: gid("BidMember", m.id), cooperativeId: gid("Cooperative", m.cooperative.id), role: m.role })),
      lotIds: facts.declared.map((l) => gid("Lot", l.id)),
      lotAssignments: facts.assignments.map((a) => ({ lotId: gid("Lot", a.lot.id), memberId: a.member ? gid("BidMember", a.member.id) : null })),
      sections,
      priceLines: facts.priceLines.map((p) => ({
        id: gid("BidPriceLine", p.id),
        lotId: gid("Lot", p.lot.id),
        memberId: gid("BidMember", p.member.id),
        description: p.description,
        quantity: p.quantity,
        unitPrice: p.unitPriceCents / 100,
        total: lineTotalCents(p) / 100,
      })),
      totals: {
        total: totals.totalCents / 100,
        perLot: totals.perLot.map((t) => ({ lotId: gid("Lot", t.lotId), total: t.totalCents / 100 })),
        perMember: totals.perMember.map((t) => ({ memberId: gid("BidMember", t.memberId), total: t.totalCents / 100 })),
      },
    };
    bid.submittedAt = now;
    bid.status = BidStatus.SUBMITTED;
    bid.version += 1;
    await tx.append(BidEventType.BID_SUBMITTED, { submittedAt: now.toISOString(), version: bid.version, total: totals.totalCents / 100 }, { result: resultRef("Bid", bid.id) });
    await offerSubmitted(em, bid, facts.tender.id, tx.actorId);
    return bid;
  });
}

// ---- composition ------------------------------------------------------------------------------

export function memberState(m: BidMember): Record<string, unknown> {
  return { id: gid("BidMember", m.id), version: m.version, status: m.status, role: m.role, cooperativeId: gid("Cooperative", m.cooperative.id) };
}

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
    if (bid.status !== BidStatus.PROPOSED) await notifyBidInvitation(em, { bidId: bid.id, bidTitle: bid.title, cooperativeId, memberId: member.id, version: member.version }, tx.actorId);
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
    checkVersion(input.expectedVersion, member.version, "member", () => memberState(member));
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

// ---- lot assignments --------------------------------------------------------------------------

/** A lot of the bid's tender that the bid answers; BAD_USER_INPUT otherwise. */
export async function lotOfBid(tx: BidTx, globalId: string, field: string): Promise<Lot> {
  const lotId = decodeId("Lot", globalId, field);
  const lot = await tx.em.findOne(Lot, { id: lotId });
  if (!lot || lot.tender.id !== tx.bid.tender.id) throw new BadInputError(field, "is not a lot of this bid's tender");
  if (!(await tx.em.count(BidLot, { bid: tx.bid.id, lot: lot.id }))) {
    throw new BadInputError(field, `${lotLabel(lot)} is not among the lots this bid answers (setBidLots)`);
  }
  return lot;
}

/** A member of the bid, invited or accepted; BAD_USER_INPUT otherwise. */
export async function activeMemberOfBid(tx: BidTx, globalId: string, field: string): Promise<BidMember> {
  const memberId = decodeId("BidMember", globalId, field);
  const member = await tx.em.findOne(BidMember, { id: memberId });
  if (!member || member.bid.id !== tx.bid.id) throw new BadInputError(field, "is not a member of this bid");
  if (member.status !== BidMemberStatus.ACCEPTED && member.status !== BidMemberStatus.INVITED) {
    throw new BadInputError(field, `is ${member.status}: not in the group`);
  }
  return member;
}

export function assignmentState(a: BidLotAssignment | null, lotId: string): Record<string, unknown> {
  return { lotId: gid("Lot", lotId), version: a?.version ?? 0, memberId: a?.member ? gid("BidMember", a.member.id) : null };
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
    checkVersion(input.expectedVersion, assignment?.version ?? 0, "lot assignment", () => assignmentState(assignment, lot.id));
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
