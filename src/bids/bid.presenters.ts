import type { Context } from "../context";
import { toGlobalId } from "../common/node";
import { Lot } from "../tenders/tender.entity";
import type { CompletenessIssue } from "./bid.completeness";
import type { Bid, BidLotAssignment, BidMember, BidPriceLine } from "./bid.entity";
import { BidMemberStatus } from "./bid.enums";
import type { BidFacts } from "./bid.queries";
import { computeTotals, lineTotalCents, type BidTotalsFacts } from "./bid.totals";
import type { BidTotals } from "./bid.types";

/*
 * What the bid's records look like from outside, in one place: the state a CONFLICT carries and
 * an event's payload repeats, the snapshot frozen at submission, the totals in euros.
 */

const gid = toGlobalId;

export function bidState(bid: Bid): Record<string, unknown> {
  return { id: gid("Bid", bid.id), version: bid.version, status: bid.status, title: bid.title, groupType: bid.groupType };
}

export function memberState(m: BidMember): Record<string, unknown> {
  return { id: gid("BidMember", m.id), version: m.version, status: m.status, role: m.role, cooperativeId: gid("Cooperative", m.cooperative.id) };
}

export function assignmentState(a: BidLotAssignment | null, lotId: string): Record<string, unknown> {
  return { lotId: gid("Lot", lotId), version: a?.version ?? 0, memberId: a?.member ? gid("BidMember", a.member.id) : null };
}

export function priceLineState(p: BidPriceLine): Record<string, unknown> {
  return {
    id: gid("BidPriceLine", p.id),
    version: p.version,
    lotId: gid("Lot", p.lot.id),
    memberId: gid("BidMember", p.member.id),
    description: p.description,
    quantity: p.quantity,
    unitPrice: p.unitPriceCents / 100,
  };
}

const ISSUE_TYPES: Record<string, string> = {
  LOT_UNASSIGNED: "Lot",
  LOT_UNPRICED: "Lot",
  SECTION_NOT_DONE: "BidSection",
  MEMBER_NOT_ACCEPTED: "BidMember",
  PRICE_LINE_OF_ABSENT_MEMBER: "BidMember",
};

export function globalIssue(issue: CompletenessIssue): CompletenessIssue {
  const type = ISSUE_TYPES[issue.code];
  return { ...issue, subjectId: issue.subjectId && type ? gid(type, issue.subjectId) : null };
}

/** A price schedule's totals in euros, by lot and by member, as stored with the snapshot. */
export function totalsInEuros(totals: BidTotalsFacts) {
  return {
    total: totals.totalCents / 100,
    perLot: totals.perLot.map((t) => ({ lotId: gid("Lot", t.lotId), total: t.totalCents / 100 })),
    perMember: totals.perMember.map((t) => ({ memberId: gid("BidMember", t.memberId), total: t.totalCents / 100 })),
  };
}

/** A section as frozen into the snapshot. */
export interface FrozenSection {
  id: string;
  title: string;
  position: number;
  status: string;
  text: string;
  state: string;
}

/** The whole bid as submitted: composition, lots, sections with their text, price lines and totals. */
export function submissionSnapshot(bid: Bid, facts: BidFacts, sections: FrozenSection[], totals: BidTotalsFacts, now: Date): Record<string, unknown> {
  return {
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
    totals: totalsInEuros(totals),
  };
}

/** The totals of a price schedule, computed by the server, as the `Bid.totals` field shows them. */
export function priceLineTotals(lines: readonly BidPriceLine[]): BidTotalsFacts {
  return computeTotals(lines.map((p) => ({ lotId: p.lot.id, memberId: p.member.id, quantity: p.quantity, unitPriceCents: p.unitPriceCents })));
}

/** `Bid.totals`: per lot, per member and overall, with the lots and members themselves. */
export async function bidTotals(ctx: Context, bid: Bid): Promise<BidTotals> {
  const totals = priceLineTotals(await ctx.loaders.priceLinesByBid.load(bid.id));
  const lots = new Map((await ctx.em.find(Lot, { id: { $in: totals.perLot.map((t) => t.lotId) } })).map((l) => [l.id, l]));
  const members = new Map((await ctx.loaders.membersByBid.load(bid.id)).map((m) => [m.id, m]));
  return {
    total: totals.totalCents / 100,
    perLot: totals.perLot.flatMap((t) => {
      const lot = lots.get(t.lotId);
      return lot ? [{ lot, total: t.totalCents / 100 }] : [];
    }),
    perMember: totals.perMember.flatMap((t) => {
      const member = members.get(t.memberId);
      return member ? [{ member, total: t.totalCents / 100 }] : [];
    }),
  };
}
