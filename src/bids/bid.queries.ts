import type { EntityManager } from "@mikro-orm/postgresql";
import type { Actor } from "../auth/actor";
import { BadInputError, NotFoundError } from "../common/errors";
import { KeysetPage, allOf, withCursor, type Keyset, type SqlPart } from "../common/keyset";
import { decodeId } from "../common/node";
import { pageSize, toConnection, decodeCursor, encodeCursor, type ConnectionShape } from "../common/pagination";
import * as v from "../common/validate";
import { Lot, Tender } from "../tenders/tender.entity";
import { memberBidsSql, visibleBidsSql } from "./bid.access";
import { completenessIssues, type CompletenessIssue } from "./bid.completeness";
import { Bid, BidEvent, BidLot, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "./bid.entity";
import { BidMemberStatus, BidStatus } from "./bid.enums";
import type { BidEventsPageArgs, BidsArgs } from "./bid.inputs";
import { lotLabel } from "./bid.lots";
import { declaredLots, lotFacts, tenderLots } from "./bid.offers";
import { canOnBid } from "./bid.policy";
import { globalIssue } from "./bid.presenters";
import type { BidTx } from "./bid.tx";

/* Reads of bids: one bid under the read rule, the list, the log, and what submission checks. */

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

/** Newest first, on (createdAt, id). */
const BIDS_KEYSET: Keyset<Bid> = {
  key: [
    { sql: "b.created_at", kind: "date", cast: "::timestamptz" },
    { sql: "b.id", kind: "uuid", cast: "::uuid" },
  ],
  direction: "DESC",
  keyOf: (b) => [b.createdAt.toISOString(), b.id],
};

type BidScope = { tenderId?: string; cooperativeId?: string; memberUserId?: string };

/** What selects the list's bids: the viewer's read rule, "my bids", the tender, the cooperative, the statuses. */
function bidConditions(actor: Actor, args: BidsArgs, scope: BidScope): SqlPart {
  const parts: SqlPart[] = [visibleBidsSql(actor.viewer)];
  // "My bids": those of the person's own cooperatives, whatever the staff may read besides.
  if (scope.memberUserId) parts.push(memberBidsSql(scope.memberUserId));
  const tenderId = scope.tenderId ?? (args.filter?.tenderId ? decodeId("Tender", args.filter.tenderId, "filter.tenderId") : undefined);
  const cooperativeId =
    scope.cooperativeId ?? (args.filter?.cooperativeId ? decodeId("Cooperative", args.filter.cooperativeId, "filter.cooperativeId") : undefined);
  if (tenderId) parts.push({ sql: "b.tender_id = ?", params: [tenderId] });
  if (cooperativeId) {
    parts.push({
      sql: "EXISTS (SELECT 1 FROM bid_members c WHERE c.bid_id = b.id AND c.cooperative_id = ? AND c.status IN ('INVITED', 'ACCEPTED'))",
      params: [cooperativeId],
    });
  }
  const statuses = args.filter?.status ?? null;
  if (statuses && statuses.length) {
    statuses.forEach((s, i) => {
      if (!Object.values(BidStatus).includes(s)) throw new BadInputError(`filter.status[${i}]`, "is not a bid status");
    });
    parts.push({ sql: "b.status IN (?)", params: [statuses] });
  }
  return allOf(parts);
}

/** Bids the viewer may read, newest first, as a connection; filters by tender, cooperative and status. */
export async function listBids(actor: Actor, args: BidsArgs, scope: BidScope = {}): Promise<ConnectionShape<Bid>> {
  const page = new KeysetPage(BIDS_KEYSET, { first: args.first, after: args.after });
  page.checkCursor();
  const selected = bidConditions(actor, args, scope);
  const total = await actor.em.execute<{ n: string }[]>(`SELECT count(*) AS n FROM bids b WHERE ${selected.sql}`, selected.params);
  const where = withCursor(selected, page);
  const rows = await actor.em.execute<{ id: string }[]>(`SELECT b.id FROM bids b WHERE ${where.sql} ORDER BY ${page.orderBy().sql} LIMIT ?`, [
    ...where.params,
    page.limit,
  ]);
  const bids = await actor.em.find(Bid, { id: { $in: rows.map((r) => r.id) } });
  const byId = new Map(bids.map((b) => [b.id, b]));
  const ordered = rows.map((r) => byId.get(r.id)).filter((b): b is Bid => b !== undefined);
  return page.connection(ordered, Number(total[0]?.n ?? 0));
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

/**
 * Everything submission needs, read under the bid's lock. One query after the other: inside the
 * transaction they share one connection, which runs a single statement at a time anyway.
 */
export async function gatherBid(em: EntityManager, bid: Bid) {
  const tender = await em.findOneOrFail(Tender, { id: bid.tender.id });
  const lots = await tenderLots(em, bid.tender.id);
  const declared = await declaredLots(em, bid.id);
  const members = await em.find(BidMember, { bid: bid.id }, { populate: ["cooperative"], orderBy: { createdAt: "asc", id: "asc" } });
  const assignments = await em.find(BidLotAssignment, { bid: bid.id });
  const sections = await em.find(BidSection, { bid: bid.id }, { orderBy: { position: "asc", createdAt: "asc" } });
  const priceLines = await em.find(BidPriceLine, { bid: bid.id }, { orderBy: { createdAt: "asc", id: "asc" } });
  return { tender, lots, declared, members, assignments, sections, priceLines };
}

/** The facts of a bid that submission and its completeness read. */
export type BidFacts = Awaited<ReturnType<typeof gatherBid>>;

export function issuesOf(bid: Bid, facts: BidFacts): CompletenessIssue[] {
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

// ---- records of the bid, under its lock ----------------------------------------------------

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
