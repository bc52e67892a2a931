import { BadInputError } from "../common/errors";
import { decodeId } from "../common/node";
import * as v from "../common/validate";
import { Bid, BidMember } from "../bids/bid.entity";
import { BidMemberStatus } from "../bids/bid.enums";
import { Cooperative } from "../cooperatives/cooperative.entity";
import type { Actor } from "../auth/actor";
import { normalizeSiret } from "../cooperatives/siret";
import { userIdOf } from "../auth/viewer";
import { AWARDABLE_BID_STATUSES, applyAward, lotsAnsweredBy, maxLotsAwardedOf } from "./outcome.record";
import { Lot, Outcome, Tender } from "./tender.entity";
import { OutcomeResult, OutcomeSource, TenderStatus } from "./tender.enums";
import type { OutcomeInput } from "./tender.inputs";
import { assertTransition } from "./tender.lifecycle";
import { loadTender } from "./tender.queries";

export { commissionOf } from "./outcome.record";

function awardDate(value: Date | null | undefined, now: Date): Date {
  if (value == null) return now;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new BadInputError("input.awardedAt", "is not a date");
  if (value.getTime() > now.getTime() + 60_000) throw new BadInputError("input.awardedAt", "must not be in the future");
  return value;
}

/** The lot named, or the tender's only lot; null for a tender without lots. */
async function lotOf(actor: Actor, tender: Tender, lotId: string | null | undefined): Promise<Lot | null> {
  const lots = await actor.em.find(Lot, { tender }, { orderBy: { number: "asc" } });
  if (lotId == null) {
    if (lots.length > 1) throw new BadInputError("input.lotId", `is required: this tender has ${lots.length} lots, each awarded on its own`);
    return lots[0] ?? null;
  }
  const id = decodeId("Lot", lotId, "input.lotId");
  const lot = lots.find((l) => l.id === id);
  if (!lot) throw new BadInputError("input.lotId", "is not a lot of this tender");
  return lot;
}

/** The winning bid, named directly or by its members; it must be a submitted bid on this tender. */
async function winningBid(actor: Actor, tender: Tender, input: OutcomeInput): Promise<Bid> {
  const { em } = actor;
  const ids = input.winnerIds ?? [];
  if (input.bidId == null && ids.length === 0) throw new BadInputError("input.bidId", "name the winning bid (or its members in `winnerIds`)");
  if (ids.length > 50) throw new BadInputError("input.winnerIds", "at most 50 cooperatives");
  let bid: Bid | null = null;
  if (input.bidId != null) {
    const id = decodeId("Bid", input.bidId, "input.bidId");
    bid = await em.findOne(Bid, { id, tender });
    if (!bid) throw new BadInputError("input.bidId", "is not a bid on this tender");
  }
  if (ids.length > 0) {
    const coopIds = [...new Set(ids.map((id, i) => decodeId("Cooperative", id, `input.winnerIds[${i}]`)))];
    const found = await em.find(Cooperative, { id: { $in: coopIds } }, { fields: ["id"] });
    const missing = coopIds.findIndex((id) => !found.some((c) => c.id === id));
    if (missing >= 0) throw new BadInputError(`input.winnerIds[${missing}]`, "is not a cooperative");
    // The bids on this tender whose accepted members include every winner named.
    const members = await em.find(BidMember, { bid: { tender }, cooperative: { $in: coopIds }, status: BidMemberStatus.ACCEPTED });
    const bidIds = [...new Set(members.map((m) => m.bid.id))].filter((bidId) =>
      coopIds.every((c) => members.some((m) => m.bid.id === bidId && m.cooperative.id === c)),
    );
    if (bidIds.length === 0) throw new BadInputError("input.winnerIds", "are not the members of a bid on this tender: a winner of the platform is a bid");
    if (bid && !bidIds.includes(bid.id)) throw new BadInputError("input.winnerIds", "are not members of the bid named in `bidId`");
    if (!bid) {
      if (bidIds.length > 1) throw new BadInputError("input.winnerIds", "match several bids on this tender: name the winner with `bidId`");
      bid = await em.findOneOrFail(Bid, { id: bidIds[0]! });
    }
  }
  if (!bid) throw new BadInputError("input.bidId", "name the winning bid");
  const field = input.bidId != null ? "input.bidId" : "input.winnerIds";
  if (!AWARDABLE_BID_STATUSES.includes(bid.status))
    throw new BadInputError(
      field,
      `${input.bidId != null ? "was" : "are members of a bid that was"} not submitted (it is ${bid.status}): only a submitted bid can win`,
    );
  return bid;
}

/**
 * Records (or corrects) the outcome of one lot of a CLOSED tender (or of an AWARDED one, as a
 * correction), with the bids' results in the same transaction: the tender is AWARDED once every
 * lot is decided. The commission uses the rate in force now and is stored, so that a later change
 * of rate does not rewrite the past.
 */
export async function recordOutcome(
  actor: Actor & { commissionRate: number },
  tenderGlobalId: string,
  input: OutcomeInput,
  now = new Date(),
): Promise<{ outcome: Outcome; tender: Tender }> {
  const tender = await loadTender(actor, tenderGlobalId, "recordOutcome", "tenderId");
  const { em } = actor;
  if (!Object.values(OutcomeResult).includes(input.result)) throw new BadInputError("input.result", "is not WON or LOST");
  const won = input.result === OutcomeResult.WON;
  if (tender.status !== TenderStatus.AWARDED) assertTransition(tender.status, TenderStatus.AWARDED);
  const lot = await lotOf(actor, tender, input.lotId);
  let bid: Bid | null = null;
  let winnerIds: string[] = [];
  let amount = 0;
  let winnerName: string | null = null;
  let winnerSiret: string | null = null;
  if (won) {
    if (input.outsideWinner != null) throw new BadInputError("input.outsideWinner", "a won outcome is won by a bid of the platform");
    bid = await winningBid(actor, tender, input);
    const answered = (await lotsAnsweredBy(em, [bid.id])).get(bid.id) ?? [];
    if (lot && !answered.includes(lot.id)) throw new BadInputError("input.lotId", `the winning bid did not answer lot ${lot.number}`);
    const max = maxLotsAwardedOf(tender);
    if (max !== null && lot) {
      const others = await em.count(Outcome, { tender, bid, lot: { $ne: lot.id } });
      if (others + 1 > max)
        throw new BadInputError("input.bidId", `the buyer awards at most ${max} lot(s) to one tenderer, and this bid already won ${others}`);
    }
    if (input.awardedAmount == null) throw new BadInputError("input.awardedAmount", "is required when WON");
    amount = v.integer("input.awardedAmount", input.awardedAmount, 1, 2_000_000_000);
    const members = await em.find(BidMember, { bid, status: BidMemberStatus.ACCEPTED }, { orderBy: { createdAt: "asc" } });
    winnerIds = members.map((m) => m.cooperative.id);
  } else {
    if ((input.winnerIds ?? []).length > 0) throw new BadInputError("input.winnerIds", "a lost outcome has no winning cooperative");
    if (input.bidId != null) throw new BadInputError("input.bidId", "a lost outcome has no winning bid");
    if (input.outsideWinner != null) {
      winnerName = v.text("input.outsideWinner.name", input.outsideWinner.name, { max: 500 });
      if (input.outsideWinner.siret != null) {
        winnerSiret = normalizeSiret(String(input.outsideWinner.siret));
        if (!/^\d{14}$/.test(winnerSiret)) throw new BadInputError("input.outsideWinner.siret", "must be 14 digits");
      }
    }
    if (input.awardedAmount != null && input.awardedAmount !== 0) {
      if (winnerName === null)
        throw new BadInputError(
          "input.awardedAmount",
          "a lost outcome brings no amount to the cooperatives (give the outside winner's amount with `outsideWinner`)",
        );
      amount = v.integer("input.awardedAmount", input.awardedAmount, 1, 2_000_000_000);
    }
  }
  const consortiumName = v.optionalText("input.consortiumName", input.consortiumName, { max: 300 });
  if (consortiumName !== null && !won) throw new BadInputError("input.consortiumName", "only a won outcome has a consortium");
  const awardedAt = awardDate(input.awardedAt, now);
  // Read again inside the transaction: the award settles bids and the tender under its locks.
  const outcome = await em.transactional(async (tx) =>
    applyAward(tx, {
      tender: await tx.findOneOrFail(Tender, { id: tender.id }, { refresh: true }),
      lot: lot ? await tx.findOneOrFail(Lot, { id: lot.id }) : null,
      bid: bid ? await tx.findOneOrFail(Bid, { id: bid.id }) : null,
      winnerName,
      winnerSiret,
      winnerIds,
      consortiumName,
      amount,
      awardedAt,
      source: OutcomeSource.MANUAL,
      commissionRate: actor.commissionRate,
      recordedById: userIdOf(actor.viewer),
    }),
  );
  actor.loaders.outcomesByTender.clear(tender.id);
  return { outcome, tender: await em.findOneOrFail(Tender, { id: tender.id }, { refresh: true }) };
}
