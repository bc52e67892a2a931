import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { Bid, BidLot, BidMember } from "../bids/bid.entity";
import { allowedGroupTypes } from "../bids/bid.completeness";
import { BidEventType, BidMemberStatus, BidStatus } from "../bids/bid.enums";
import { toGlobalId } from "../common/node";
import { appendBidEvent } from "../bids/live/event-log";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";
import { peopleOfBid } from "../notifications/recipients";
import { User } from "../auth/user.entity";
import { Lot, Outcome, type Tender } from "./tender.entity";
import { OutcomeResult, type OutcomeSource, TenderStatus } from "./tender.enums";

/**
 * The one way an award is recorded, whoever says so (an officer, an award notice, a client
 * accepting an offer): upsert the outcome of (tender, lot), then, in the caller's transaction,
 * write each bid's result for that lot to its log, settle the bid's overall status, and award the
 * tender once every lot is decided.
 */

/** The platform's commission on an awarded amount, in whole euros. */
export function commissionOf(amount: number, rate: number): number {
  return Math.round(amount * rate);
}

export interface AwardFacts {
  tender: Tender;
  /** Null for a tender without lots. */
  lot: Lot | null;
  /** The winning bid of the platform; null when an outside company won, or nobody. */
  bid: Bid | null;
  /** The outside winner, when known (and no bid of the platform won). */
  winnerName: string | null;
  winnerSiret: string | null;
  /** Member cooperatives among the winners (those of the winning bid, or matched outside it). */
  winnerIds: string[];
  consortiumName: string | null;
  amount: number;
  awardedAt: Date;
  source: OutcomeSource;
  commissionRate: number;
  recordedById: string | null;
}

/** Bid statuses that take an award: submitted, or already settled by another lot (or a correction). */
export const AWARDABLE_BID_STATUSES: readonly BidStatus[] = [BidStatus.SUBMITTED, BidStatus.WON, BidStatus.LOST];

/**
 * The lots a bid answers: the lots assigned to a member. (When bids declare their lots, this is
 * the one place to read them from.) A tender without lots is answered as a whole: `[null]`.
 */
export async function lotsAnsweredBy(em: EntityManager, bidIds: readonly string[]): Promise<Map<string, (string | null)[]>> {
  const answered = new Map<string, (string | null)[]>(bidIds.map((id) => [id, []]));
  if (bidIds.length === 0) return answered;
  // The lots each bid declared it answers (Bid.lots), which submission checked were complete.
  const rows = await em.find(BidLot, { bid: { $in: [...bidIds] } }, { fields: ["bid", "lot"] });
  for (const row of rows) answered.get(row.bid.id)?.push(row.lot.id);
  return answered;
}

/** The maximum number of lots one tenderer may be awarded (eForms BT-33), where the tender carries it. */
export function maxLotsAwardedOf(tender: Tender): number | null {
  return tender.maxLotsAwardedPerTenderer ?? null;
}

/** What a bid's overall status becomes from its lot results: WON with one lot, LOST when every answered lot went to others. */
export function settledStatus(current: BidStatus, answered: readonly (string | null)[], results: ReadonlyMap<string | null, OutcomeResult>): BidStatus {
  if (!AWARDABLE_BID_STATUSES.includes(current)) return current;
  const decided = answered.filter((lot) => results.has(lot));
  if (decided.some((lot) => results.get(lot) === OutcomeResult.WON)) return BidStatus.WON;
  if (answered.length > 0 && decided.length === answered.length) return BidStatus.LOST;
  return BidStatus.SUBMITTED;
}

const lotKey = (lot: Lot | null | undefined) => lot?.id ?? null;

/** Upserts the outcome and settles what follows from it; runs inside the caller's transaction. */
export async function applyAward(em: EntityManager, facts: AwardFacts): Promise<Outcome> {
  const { tender, lot } = facts;
  const won = facts.bid !== null;
  const values = {
    result: won ? OutcomeResult.WON : OutcomeResult.LOST,
    lot,
    bid: facts.bid,
    source: facts.source,
    winnerName: won ? null : facts.winnerName,
    winnerSiret: won ? null : facts.winnerSiret,
    winnerIds: facts.winnerIds,
    consortiumName: facts.consortiumName,
    awardedAmount: facts.amount,
    commissionRate: facts.commissionRate,
    // The platform earns only on what its bids won.
    commission: won ? commissionOf(facts.amount, facts.commissionRate) : 0,
    awardedAt: facts.awardedAt,
    recordedBy: facts.recordedById ? em.getReference(User, facts.recordedById) : null,
  };
  let outcome = await em.findOne(Outcome, { tender, lot: lot ? lot.id : null });
  const previousBidId = outcome?.bid?.id ?? null;
  if (outcome) em.assign(outcome, values);
  else outcome = em.create(Outcome, { tender, ...values });
  await em.flush();
  await settleBids(em, tender, outcome, previousBidId, facts.recordedById);
  await awardWhenDecided(em, tender);
  return outcome;
}

/**
 * Writes the lot's result to every bid that answered it (and to a bid that lost the lot by a
 * correction), then the overall status. The bids are locked in id order, like every bid writer.
 */
async function settleBids(em: EntityManager, tender: Tender, outcome: Outcome, previousBidId: string | null, actorId: string | null): Promise<void> {
  const candidates = await em.find(Bid, { tender, status: { $in: [...AWARDABLE_BID_STATUSES] } }, { orderBy: { id: "asc" } });
  if (candidates.length === 0) return;
  const answered = await lotsAnsweredBy(
    em,
    candidates.map((b) => b.id),
  );
  const key = lotKey(outcome.lot);
  const tenderHasLots = (await em.count(Lot, { tender })) > 0;
  const outcomes = await em.find(Outcome, { tender });
  const results = (bidId: string) =>
    new Map<string | null, OutcomeResult>(outcomes.map((o) => [lotKey(o.lot), o.bid?.id === bidId ? OutcomeResult.WON : OutcomeResult.LOST]));
  for (const candidate of candidates) {
    const lots = tenderHasLots ? (answered.get(candidate.id) ?? []) : [null];
    const concerned = lots.includes(key) || outcome.bid?.id === candidate.id || previousBidId === candidate.id;
    if (!concerned) continue;
    const bid = await em.findOneOrFail(Bid, { id: candidate.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    const result = outcome.bid?.id === bid.id ? OutcomeResult.WON : OutcomeResult.LOST;
    const event = (type: BidEventType, payload: Record<string, unknown>) =>
      appendBidEvent(em, bid.id, { type, payload, actorId, clientMutationId: null, result: `Bid:${bid.id}` });
    await event(BidEventType.LOT_RESULT_RECORDED, {
      lotId: outcome.lot ? toGlobalId("Lot", outcome.lot.id) : null,
      outcomeId: toGlobalId("Outcome", outcome.id),
      result,
      source: outcome.source,
      awardedAmount: result === OutcomeResult.WON ? outcome.awardedAmount : null,
    });
    if (result === OutcomeResult.WON) {
      // Any group form may bid; the form the buyer requires applies from the award.
      const allowed = allowedGroupTypes(tender.groupLegalFormRequired, tender.groupLegalForm);
      const group = (await em.count(BidMember, { bid, status: BidMemberStatus.ACCEPTED })) > 1;
      if (allowed && group && !allowed.includes(bid.groupType)) {
        await event(BidEventType.GROUP_FORM_CHANGE_REQUESTED, {
          lotId: outcome.lot ? toGlobalId("Lot", outcome.lot.id) : null,
          from: bid.groupType,
          required: tender.groupLegalForm,
          allowed,
        });
      }
    }
    await notifyPeople(
      em,
      await peopleOfBid(em, bid.id, [BidMemberStatus.ACCEPTED]),
      {
        kind: NotificationKind.AWARD,
        text: `${result === OutcomeResult.WON ? "Attribué à votre offre" : "Non retenu"}${outcome.lot ? ` (lot ${outcome.lot.number})` : ""} : « ${tender.title} »`,
        subjectId: toGlobalId("Bid", bid.id),
        dedupeKey: `award:${outcome.id}:${bid.id}:${result}`,
      },
      { except: actorId },
    );
    const next = settledStatus(bid.status, lots, results(bid.id));
    if (next !== bid.status) {
      const from = bid.status;
      bid.status = next;
      bid.version += 1;
      await em.flush();
      await event(BidEventType.STATUS_CHANGED, { from, to: next, version: bid.version, reason: "AWARD" });
    }
  }
}

/** A CLOSED tender becomes AWARDED when each of its lots (or the tender without lots) has an outcome. */
async function awardWhenDecided(em: EntityManager, tender: Tender): Promise<void> {
  if (tender.status !== TenderStatus.CLOSED) return;
  const lots = await em.find(Lot, { tender }, { fields: ["id"] });
  const outcomes = await em.find(Outcome, { tender }, { fields: ["lot"] });
  const decided = new Set(outcomes.map((o) => lotKey(o.lot)));
  const complete = lots.length === 0 ? decided.has(null) : lots.every((l) => decided.has(l.id));
  if (complete) {
    tender.status = TenderStatus.AWARDED;
    await em.flush();
  }
}
