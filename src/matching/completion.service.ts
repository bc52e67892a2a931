import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";
import { peopleOfCooperatives } from "../notifications/recipients";
import { User } from "../auth/user.entity";
import { isStaff, userIdOf } from "../auth/viewer";
import { Bid, BidLot, BidLotAssignment, BidMember } from "../bids/bid.entity";
import { assertNoOtherOffer } from "../bids/bid.offers";
import { BidEventType, BidGroupType, BidMemberRole, BidMemberStatus, BidStatus } from "../bids/bid.enums";
import { assignLot, inviteMember } from "../bids/bid.composition";
import { createBid } from "../bids/bid.usecases";
import { checkClientMutationId, priorOpening, requestFingerprint, resultRef } from "../bids/bid.tx";
import { BadInputError, ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import * as v from "../common/validate";
import { Cooperative } from "../cooperatives/cooperative.entity";
import type { Actor } from "../auth/actor";
import { appendBidEvent } from "../bids/live/event-log";
import { Lot, Tender } from "../tenders/tender.entity";
import { assertAcceptsBids } from "../tenders/tender.lifecycle";
import { loadTender } from "../tenders/tender.queries";
import type { TeamPreferenceName } from "./consortium";
import { consortiumSuggestions } from "./matching.service";

const gid = toGlobalId;

/** One lot given to one cooperative, when the caller composes the team itself. */
export interface LotMemberChoice {
  lotId: string;
  cooperativeId: string;
}

/**
 * How the team is chosen: the suggestion of rank `rank` (default 1) among
 * `Tender.consortiumSuggestions(lead, preference, maxDistanceKm)`, or `lotMembers`, the
 * cooperative of each lot given explicitly (the two are exclusive).
 */
export interface CompletionChoice {
  tenderId: string;
  leadCooperativeId: string;
  groupType?: BidGroupType | null;
  rank?: number | null;
  lotMembers?: LotMemberChoice[] | null;
  preference?: TeamPreferenceName | null;
  maxDistanceKm?: number | null;
  clientMutationId?: string | null;
}

export type CompletionRequest = CompletionChoice;

/** The team to write: cooperative ids (raw) and the lot ids (raw) each takes; the lead is among them. */
interface Team {
  members: { cooperativeId: string; lotIds: string[] }[];
}

/** Half the Earth's circumference: no two places are farther apart. */
const MAX_DISTANCE_KM = 20_000;

/** Highest rank one may pick: the suggestions are computed up to it. */
export const MAX_COMPLETION_RANK = 20;

/** The lots a team covers, which its bid answers, within the tender's limit of lots per tenderer. */
function teamLots(tender: Tender, team: Team): string[] {
  const lotIds = [...new Set(team.members.flatMap((member) => member.lotIds))];
  if (tender.maxLotsPerTenderer !== null && lotIds.length > tender.maxLotsPerTenderer) {
    throw new InvalidStateError(
      `The team covers ${lotIds.length} lots but the tender allows at most ${tender.maxLotsPerTenderer} per tenderer (maximum lots per tenderer): create the bid on the lots you choose (createBid with lotIds).`,
    );
  }
  return lotIds;
}

async function chooseTeam(actor: Actor, tender: Tender, leadId: string, input: CompletionChoice): Promise<Team> {
  if (input.rank != null && input.lotMembers != null) {
    throw new BadInputError("input.lotMembers", "give either a suggestion's rank or the members per lot, not both");
  }
  if (input.lotMembers != null) return explicitTeam(actor, tender, leadId, input.lotMembers);
  const rank = input.rank == null ? 1 : v.integer("input.rank", input.rank, 1, MAX_COMPLETION_RANK);
  if (input.maxDistanceKm != null && (!Number.isFinite(input.maxDistanceKm) || input.maxDistanceKm <= 0 || input.maxDistanceKm > MAX_DISTANCE_KM)) {
    throw new BadInputError("input.maxDistanceKm", `must be a number of km above 0 and at most ${MAX_DISTANCE_KM}`);
  }
  const { suggestions, uncoveredLots } = await consortiumSuggestions(actor, tender, {
    first: rank,
    lead: gid("Cooperative", leadId),
    preference: input.preference ?? null,
    maxDistanceKm: input.maxDistanceKm ?? null,
  });
  if (uncoveredLots.length > 0 || suggestions.length === 0) {
    throw new InvalidStateError(
      input.maxDistanceKm != null
        ? `No team of member cooperatives within ${input.maxDistanceKm} km covers every lot of this tender around this lead.`
        : "No team of member cooperatives covers every lot of this tender around this lead.",
    );
  }
  const chosen = suggestions[rank - 1];
  if (!chosen) throw new BadInputError("input.rank", `there are only ${suggestions.length} suggestions for this lead`);
  return { members: chosen.members.map((m) => ({ cooperativeId: m.cooperative.id, lotIds: m.lots.map((l) => l.id) })) };
}

/** Members per lot as the caller gives them: lots of this tender, once each, existing cooperatives, within the lot limit. */
async function explicitTeam(actor: Actor, tender: Tender, leadId: string, lotMembers: LotMemberChoice[]): Promise<Team> {
  if (lotMembers.length === 0) throw new BadInputError("input.lotMembers", "must name at least one lot");
  if (lotMembers.length > 200) throw new BadInputError("input.lotMembers", "at most 200 entries");
  const lots = await actor.em.find(Lot, { tender: tender.id });
  const lotIds = new Set(lots.map((l) => l.id));
  const byCooperative = new Map<string, string[]>([[leadId, []]]);
  const seen = new Set<string>();
  lotMembers.forEach((entry, i) => {
    const lotId = decodeId("Lot", entry.lotId, `input.lotMembers[${i}].lotId`);
    if (!lotIds.has(lotId)) throw new BadInputError(`input.lotMembers[${i}].lotId`, "is not a lot of this tender");
    if (seen.has(lotId)) throw new BadInputError(`input.lotMembers[${i}].lotId`, "is given twice");
    seen.add(lotId);
    const cooperativeId = decodeId("Cooperative", entry.cooperativeId, `input.lotMembers[${i}].cooperativeId`);
    byCooperative.set(cooperativeId, [...(byCooperative.get(cooperativeId) ?? []), lotId]);
  });
  const found = await actor.em.find(Cooperative, { id: { $in: [...byCooperative.keys()] } }, { fields: ["id"] });
  const known = new Set(found.map((c) => c.id));
  lotMembers.forEach((entry, i) => {
    if (!known.has(decodeId("Cooperative", entry.cooperativeId, `input.lotMembers[${i}].cooperativeId`))) {
      throw new BadInputError(`input.lotMembers[${i}].cooperativeId`, "is not a cooperative");
    }
  });
  const cap = tender.maxLotsPerTenderer;
  if (cap !== null) {
    for (const [cooperativeId, ids] of byCooperative) {
      if (ids.length > cap) {
        const i = lotMembers.findIndex((e) => decodeId("Cooperative", e.cooperativeId, "input.lotMembers") === cooperativeId);
        throw new BadInputError(`input.lotMembers[${i}].cooperativeId`, `takes ${ids.length} lots: the tender allows at most ${cap} per tenderer`);
      }
    }
  }
  return { members: [...byCooperative].map(([cooperativeId, ids]) => ({ cooperativeId, lotIds: ids })) };
}

function checkGroupType(value: BidGroupType | null | undefined): BidGroupType {
  const groupType = value ?? BidGroupType.CONJOINT_WITH_SOLIDARY_LEAD;
  if (!Object.values(BidGroupType).includes(groupType)) throw new BadInputError("input.groupType", "is not a group type");
  return groupType;
}

/**
 * "Complete my offer": the chosen team around the lead (by default the best suggestion, local
 * teams first) becomes a draft consortium bid in the lead's name, with the partners invited and
 * the lots assigned. Everything is checked before the bid is created; a retry with the same
 * clientMutationId returns that bid.
 */
export async function requestCompletion(actor: Actor, input: CompletionRequest): Promise<Bid> {
  const leadId = decodeId("Cooperative", input.leadCooperativeId, "input.leadCooperativeId");
  const tender = await loadTender(actor, input.tenderId, "read", "input.tenderId");
  const team = await chooseTeam(actor, tender, leadId, input);
  const lotIds = teamLots(tender, team);
  const bid = await createBid(actor, {
    tenderId: input.tenderId,
    leadCooperativeId: input.leadCooperativeId,
    groupType: checkGroupType(input.groupType),
    title: null,
    lotIds: lotIds.map((id) => toGlobalId("Lot", id)),
    clientMutationId: input.clientMutationId,
  });
  const bidGid = gid("Bid", bid.id);
  const existing = await actor.em.find(BidMember, { bid: bid.id });
  // A retried request finds its bid already composed: leave it as it is.
  if (existing.length > 1) return bid;
  const memberOf = new Map<string, string>();
  for (const m of existing) memberOf.set(m.cooperative.id, gid("BidMember", m.id));
  for (const member of team.members) {
    if (memberOf.has(member.cooperativeId)) continue;
    const invited = await inviteMember(actor, { bidId: bidGid, cooperativeId: gid("Cooperative", member.cooperativeId), role: BidMemberRole.MEMBER });
    memberOf.set(member.cooperativeId, gid("BidMember", invited.id));
  }
  for (const member of team.members) {
    for (const lotId of member.lotIds) {
      await assignLot(actor, { bidId: bidGid, lotId: gid("Lot", lotId), memberId: memberOf.get(member.cooperativeId) ?? null, expectedVersion: 0 });
    }
  }
  return actor.em.fork().findOneOrFail(Bid, { id: bid.id });
}

/** What `proposeCompletion` writes, checked. */
interface Proposal {
  tender: Tender;
  lead: Cooperative;
  title: string;
  groupType: BidGroupType;
  /** The officer proposing. */
  userId: string;
  team: Team;
  lotIds: string[];
  clientMutationId: string | null;
  fingerprint: string | null;
}

/** The PROPOSED bid, its lead (accepted) and partners (invited), its lots and their assignments. */
function composeProposal(
  em: EntityManager,
  proposal: Proposal,
): { bid: Bid; leadMember: BidMember; members: Map<string, BidMember>; assignments: BidLotAssignment[] } {
  const { tender, lead, title, groupType, team, lotIds } = proposal;
  const officer = em.getReference(User, proposal.userId);
  const bid = em.create(Bid, { tender, lead, title, groupType, status: BidStatus.PROPOSED, createdBy: officer });
  const leadMember = em.create(BidMember, { bid, cooperative: lead, role: BidMemberRole.LEAD, status: BidMemberStatus.ACCEPTED, answeredAt: null });
  const members = new Map<string, BidMember>([[lead.id, leadMember]]);
  for (const m of team.members) {
    if (members.has(m.cooperativeId)) continue;
    const cooperative = em.getReference(Cooperative, m.cooperativeId);
    members.set(m.cooperativeId, em.create(BidMember, { bid, cooperative, role: BidMemberRole.MEMBER, status: BidMemberStatus.INVITED, invitedBy: officer }));
  }
  for (const lotId of lotIds) em.create(BidLot, { bid, lot: em.getReference(Lot, lotId) });
  const assignments: BidLotAssignment[] = [];
  for (const m of team.members) {
    const member = members.get(m.cooperativeId);
    for (const lotId of m.lotIds) {
      assignments.push(em.create(BidLotAssignment, { bid, lot: em.getReference(Lot, lotId), member: member ?? null }));
    }
  }
  return { bid, leadMember, members, assignments };
}

/** Writes the proposal in the caller's transaction: the bid, its log (BID_PROPOSED, invitations, assignments), the lead's notification. */
async function writeProposal(em: EntityManager, proposal: Proposal): Promise<Bid> {
  const { tender, lead, title, groupType, userId, team, lotIds, clientMutationId, fingerprint } = proposal;
  const { bid, leadMember, members, assignments } = composeProposal(em, proposal);
  await em.flush();
  await assertNoOtherOffer(em, tender, bid.id, { cooperativeIds: [...members.keys()], lotIds }, "input.leadCooperativeId");
  const event = (type: BidEventType, payload: Record<string, unknown>, result: string, first = false) =>
    appendBidEvent(em, bid.id, {
      type,
      payload,
      actorId: userId,
      clientMutationId: first ? clientMutationId : null,
      requestHash: first ? fingerprint : null,
      result,
    });
  await event(
    BidEventType.BID_PROPOSED,
    {
      tenderId: gid("Tender", tender.id),
      leadCooperativeId: gid("Cooperative", lead.id),
      leadMemberId: gid("BidMember", leadMember.id),
      groupType,
      title,
      proposedBy: gid("User", userId),
      lotIds: lotIds.map((id) => gid("Lot", id)),
      members: team.members.map((m) => ({ cooperativeId: gid("Cooperative", m.cooperativeId), lotIds: m.lotIds.map((id) => gid("Lot", id)) })),
    },
    resultRef("Bid", bid.id),
    true,
  );
  for (const [cooperativeId, member] of members) {
    if (cooperativeId === lead.id) continue;
    await event(
      BidEventType.MEMBER_INVITED,
      { memberId: gid("BidMember", member.id), cooperativeId: gid("Cooperative", cooperativeId), role: member.role, version: member.version },
      resultRef("BidMember", member.id),
    );
  }
  for (const a of assignments) {
    await event(
      BidEventType.LOT_ASSIGNED,
      {
        assignmentId: gid("BidLotAssignment", a.id),
        lotId: gid("Lot", a.lot.id),
        version: a.version,
        memberId: a.member ? gid("BidMember", a.member.id) : null,
      },
      resultRef("BidLotAssignment", a.id),
    );
  }
  await notifyPeople(
    em,
    await peopleOfCooperatives(em, [lead.id]),
    {
      kind: NotificationKind.OFFER_PROPOSED,
      text: `Une offre est proposée au nom de ${lead.name} : « ${title} » (à accepter ou refuser)`,
      subjectId: gid("Bid", bid.id),
      dedupeKey: `proposed:${bid.id}`,
    },
    { except: userId },
  );
  return bid;
}

/**
 * A mission officer (or an admin) completes an offer on behalf of a cooperative: the bid is
 * created PROPOSED, led by that cooperative, partners invited (dormant until the lead accepts)
 * and lots assigned, in one transaction. Its log opens with BID_PROPOSED, whose actor is the
 * officer: that event, readable by the lead's people in `bidEvents`, is their notification until
 * the notification inbox exists. The one-lead-per-tender rule counts proposed bids.
 */
export async function proposeCompletion(actor: Actor, input: CompletionChoice, now = new Date()): Promise<Bid> {
  const clientMutationId = checkClientMutationId(input.clientMutationId);
  const userId = userIdOf(actor.viewer);
  if (!userId || !isStaff(actor.viewer)) throw new ForbiddenError("Only mission officers and admins propose a bid on behalf of a cooperative.");
  const leadId = decodeId("Cooperative", input.leadCooperativeId, "input.leadCooperativeId");
  const tender = await loadTender(actor, input.tenderId, "read", "input.tenderId");
  const lead = await actor.em.findOne(Cooperative, { id: leadId });
  if (!lead) throw new NotFoundError("Cooperative", input.leadCooperativeId);
  const fingerprint = clientMutationId ? requestFingerprint("proposeCompletion", input) : null;
  if (clientMutationId && fingerprint !== null) {
    const prior = await priorOpening(actor, "BID_PROPOSED", userId, clientMutationId, fingerprint);
    if (prior) return prior;
  }
  const groupType = checkGroupType(input.groupType);
  assertAcceptsBids(tender, now);
  const existing = await actor.em.findOne(Bid, { tender: tender.id, lead: lead.id }, { fields: ["id"] });
  if (existing) throw new ConflictError("This cooperative already leads a bid on this tender.", { bidId: gid("Bid", existing.id) });
  const team = await chooseTeam(actor, tender, leadId, input);
  const lotIds = teamLots(tender, team);
  const title = tender.title.slice(0, 300);
  try {
    return await actor.em.transactional((em) => writeProposal(em, { tender, lead, title, groupType, userId, team, lotIds, clientMutationId, fingerprint }));
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const prior =
        clientMutationId && fingerprint !== null
          ? await priorOpening({ ...actor, em: actor.em.fork() }, "BID_PROPOSED", userId, clientMutationId, fingerprint)
          : null;
      if (prior) return prior;
      throw new ConflictError("This cooperative already leads a bid on this tender.");
    }
    throw error;
  }
}

export { acceptProposedBid, declineProposedBid, type ProposalAnswer } from "./proposal-answers";
