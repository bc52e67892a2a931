import type { EntityManager } from "@mikro-orm/postgresql";
import { Bid, BidMember } from "../bids/bid.entity";
import { BidMemberStatus } from "../bids/bid.enums";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { companyNumber, matchWinner, type MemberCooperative } from "./award-matching";
import type { ParsedAward, ParsedNotice } from "./eforms/eforms.types";
import { wholeAmount } from "./notice-mapping";
import { AWARDABLE_BID_STATUSES, applyAward } from "./outcome.record";
import { Lot, type Tender } from "./tender.entity";
import { OutcomeSource } from "./tender.enums";

/**
 * The member cooperatives, as matching needs them. Names are compared once normalised (accents,
 * legal forms), which SQL cannot index here; a federation has a few thousand members at most,
 * three short columns each.
 */
async function memberCooperatives(em: EntityManager): Promise<MemberCooperative[]> {
  const rows = await em.find(Cooperative, {}, { fields: ["id", "name", "siret"], orderBy: { id: "asc" } });
  return rows.map((c) => ({ id: c.id, name: c.name, siret: c.siret }));
}

/** For each lot, the award that tells most: one with winners first. */
function awardPerLot(awards: readonly ParsedAward[]): ParsedAward[] {
  const byLot = new Map<string | null, ParsedAward>();
  for (const award of awards) {
    const seen = byLot.get(award.lotId);
    if (!seen || (seen.winners.length === 0 && award.winners.length > 0)) byLot.set(award.lotId, award);
  }
  return [...byLot.values()];
}

/**
 * Records the outcomes an award notice gives, in the import's transaction: each lot's winners are
 * matched to member cooperatives; the submitted bid on the tender with the most matched members
 * is the winner; otherwise the winners are kept as an outside winner (name, SIRET, amount).
 */
export async function recordNoticeAwards(em: EntityManager, tender: Tender, notice: ParsedNotice, commissionRate: number, now: Date): Promise<void> {
  const awards = awardPerLot(notice.awards);
  if (awards.length === 0) return;
  const lots = await em.find(Lot, { tender });
  const members = await memberCooperatives(em);
  const bids = await em.find(Bid, { tender, status: { $in: [...AWARDABLE_BID_STATUSES] } }, { orderBy: { id: "asc" } });
  const accepted = await em.find(BidMember, { bid: { $in: bids.map((b) => b.id) }, status: BidMemberStatus.ACCEPTED });
  for (const award of awards) {
    const lot = award.lotId ? (lots.find((l) => l.externalId === award.lotId) ?? null) : null;
    // A result for a lot this tender does not have (or without a lot on a tender with lots) is kept only in `noticeAwards`.
    if ((award.lotId && !lot) || (!award.lotId && lots.length > 0)) continue;
    const matched = [...new Set(award.winners.map((w) => matchWinner(w, members)?.id).filter((id): id is string => id !== undefined))];
    const ranked = bids
      .map((bid) => ({ bid, count: accepted.filter((m) => m.bid.id === bid.id && matched.includes(m.cooperative.id)).length }))
      .filter((r) => r.count > 0)
      .sort((a, b) => b.count - a.count);
    const bid = ranked[0]?.bid ?? null;
    const national = award.winners.map((w) => companyNumber(w.nationalId)).find((n) => n !== null) ?? null;
    const names = award.winners.map((w) => w.name).join(" / ");
    await applyAward(em, {
      tender,
      lot,
      bid,
      winnerName: bid || names === "" ? null : names.slice(0, 500),
      winnerSiret: bid ? null : national,
      winnerIds: matched,
      consortiumName: null,
      amount: wholeAmount(award.amount) ?? 0,
      awardedAt: award.awardDate ?? award.contractConclusionDate ?? notice.publicationDate ?? notice.issueDate ?? now,
      source: OutcomeSource.AWARD_NOTICE,
      commissionRate,
      recordedById: null,
    });
  }
}
