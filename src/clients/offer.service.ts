import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../auth/user.entity";
import { isStaff } from "../auth/viewer";
import { Bid, BidLot } from "../bids/bid.entity";
import { BidEventType, BidStatus } from "../bids/bid.enums";
import { assertBidTransition } from "../bids/bid.lifecycle";
import { assertVersion } from "../common/version";
import { bidState } from "../bids/bid.presenters";
import { mutateBid, resultRef, type BidTx } from "../bids/bid.tx";
import { BID_EXPORTS, exportPath, type BidExportFile } from "../bids/exports/export.routes";
import type { BidExport } from "../bids/exports/export.resolver";
import { InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId, fromGlobalId, toGlobalId } from "../common/node";
import * as v from "../common/validate";
import { Cooperative } from "../cooperatives/cooperative.entity";
import type { Actor } from "../auth/actor";
import { NotificationKind } from "../notifications/notification.enums";
import { applyAward } from "../tenders/outcome.record";
import { Lot, Tender } from "../tenders/tender.entity";
import { OutcomeSource, TenderStatus } from "../tenders/tender.enums";
import { acceptsBids, assertTransition } from "../tenders/tender.lifecycle";
import { viewerIsOrderClient } from "./client.access";
import { OfferAnswer } from "./client.entity";
import { OfferAnswerKind, OfferStatus } from "./client.enums";
import type { AnswerOfferInput, DeclineOfferInput, RequestRevisionInput } from "./client.inputs";
import { offerAnswered } from "./offer.notify";
import type { Offer } from "./offer.types";
import { awardedEuros, cents, offerStatus, readSnapshot } from "./offer.view";

/** Statuses whose content is the submitted one (frozen): the client may download its exports. */
const FROZEN: readonly BidStatus[] = [BidStatus.SUBMITTED, BidStatus.WON, BidStatus.LOST];

// ---- reading ----------------------------------------------------------------------------------

/** The offers of an order, for its client's people and the staff; nobody else sees any. */
export async function offersOfOrder(actor: Actor, tender: Tender): Promise<Offer[]> {
  if (!isStaff(actor.viewer) && !(await viewerIsOrderClient(actor.em, actor.viewer, tender.id))) return [];
  // Submitted at least once: drafts never written down as an offer stay with their group.
  const bids = await actor.em.find(
    Bid,
    { tender: tender.id, submittedAt: { $ne: null }, snapshot: { $ne: null } },
    { orderBy: { submittedAt: "asc", id: "asc" } },
  );
  return buildOffers(actor.em, tender, bids);
}

async function buildOffers(em: EntityManager, tender: Tender, bids: Bid[]): Promise<Offer[]> {
  if (bids.length === 0) return [];
  const views = new Map(bids.map((b) => [b.id, readSnapshot(b.snapshot ?? {})]));
  const lots = new Map((await em.find(Lot, { tender: tender.id })).map((l) => [l.id, l]));
  const coopIds = [...new Set([...views.values()].flatMap((view) => view.members.map((m) => m.cooperativeId)))];
  const cooperatives = new Map((await em.find(Cooperative, { id: { $in: coopIds } })).map((c) => [c.id, c]));
  const answers = await em.find(OfferAnswer, { bid: { $in: bids.map((b) => b.id) } }, { orderBy: { createdAt: "asc", id: "asc" } });
  return bids.map((bid) => {
    const view = views.get(bid.id)!;
    const coopOfMember = new Map(view.members.map((m) => [m.memberId, cooperatives.get(m.cooperativeId) ?? null]));
    const own = answers.filter((a) => a.bid.id === bid.id);
    const last = own.filter((a) => a.submittedAt.getTime() === bid.submittedAt?.getTime()).at(-1)?.kind ?? null;
    const status = offerStatus(bid.status, last);
    const vat = cents(view.total * tender.vatRate);
    const group = view.members
      .filter((m) => cooperatives.has(m.cooperativeId))
      .map((m) => ({ cooperative: cooperatives.get(m.cooperativeId)!, role: m.role, lead: m.cooperativeId === bid.lead.id }))
      .sort((a, b) => Number(b.lead) - Number(a.lead));
    return {
      bidId: toGlobalId("Bid", bid.id),
      order: tender,
      status,
      version: bid.version,
      title: view.title || bid.title,
      groupType: view.groupType,
      submittedAt: bid.submittedAt ?? bid.createdAt,
      group,
      lots: view.lotIds
        .map((id) => lots.get(id))
        .filter((l): l is Lot => l !== undefined)
        .sort((a, b) => a.number - b.number)
        .map((lot) => ({ lot, cooperative: coopOfMember.get(view.assignments.get(lot.id) ?? "") ?? null, total: cents(view.perLot.get(lot.id) ?? 0) })),
      memo: view.sections,
      prices: view.priceLines.map((p) => ({
        lot: (p.lotId && lots.get(p.lotId)) || null,
        cooperative: coopOfMember.get(p.memberId ?? "") ?? null,
        description: p.description,
        quantity: p.quantity,
        unitPrice: p.unitPrice,
        total: p.total,
      })),
      totals: { total: cents(view.total), vatRate: tender.vatRate, vat, totalWithVat: cents(view.total + vat) },
      exports: FROZEN.includes(bid.status) ? exportsOf(bid.id) : [],
      answers: own,
    };
  });
}

function exportsOf(bidId: string): BidExport[] {
  return (Object.keys(BID_EXPORTS) as BidExportFile[]).map((file) => ({
    name: BID_EXPORTS[file].name,
    fileName: file,
    mediaType: BID_EXPORTS[file].mediaType,
    url: exportPath(bidId, file),
  }));
}

/**
 * The bid behind an offer the viewer receives as the order's client, for the exports route: null
 * when the id is malformed, the bid missing, never submitted, or on someone else's order.
 */
export async function offerBidForClient(actor: Actor, globalId: string): Promise<{ bid: Bid; frozen: boolean } | null> {
  const decoded = fromGlobalId(globalId);
  if (!decoded || decoded.type !== "Bid") return null;
  const bid = await actor.em.findOne(Bid, { id: decoded.id });
  if (!bid || !bid.snapshot || !bid.submittedAt) return null;
  if (!(await viewerIsOrderClient(actor.em, actor.viewer, bid.tender.id))) return null;
  return { bid, frozen: FROZEN.includes(bid.status) };
}

/** One offer, read again after an answer. */
export async function offerOf(actor: Actor, bidId: string): Promise<Offer> {
  const bid = await actor.em.findOneOrFail(Bid, { id: bidId }, { refresh: true });
  const tender = await actor.em.findOneOrFail(Tender, { id: bid.tender.id }, { refresh: true });
  const [offer] = await buildOffers(actor.em, tender, [bid]);
  return offer!;
}

// ---- answering --------------------------------------------------------------------------------

export interface AnswerActor extends Actor {
  commissionRate: number;
}

/**
 * Runs an answer of the client on one offer, through the bid's transaction template: the order
 * row is locked first (answers to one order serialize), then the bid; only the order's client
 * reaches it (anyone else: NOT_FOUND, as for a missing bid). The order must still take answers,
 * the offer must be SUBMITTED, and a given `expectedVersion` must be the offer's.
 */
async function answer(
  actor: Actor,
  operation: string,
  input: AnswerOfferInput,
  work: (tx: BidTx, tender: Tender, answer: OfferAnswer) => Promise<void>,
  kind: OfferAnswerKind,
  note: string | null,
): Promise<Bid> {
  const bidId = decodeId("Bid", input.bidId, "input.bidId");
  const found = await actor.em.fork().findOne(Bid, { id: bidId }, { fields: ["tender"] });
  if (!found) throw new NotFoundError("Bid", input.bidId);
  const tenderId = found.tender.id;
  return mutateBid(
    actor,
    bidId,
    {
      action: "read",
      operation,
      input,
      globalId: input.bidId,
      authorize: (em, bid) => viewerIsOrderClient(em, actor.viewer, bid.tender.id),
      lockFirst: async (em) => {
        await em.findOne(Tender, { id: tenderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      },
    },
    async (tx) => {
      const { bid, em } = tx;
      const tender = await em.findOneOrFail(Tender, { id: bid.tender.id }, { refresh: true });
      if (tender.status !== TenderStatus.OPEN && tender.status !== TenderStatus.CLOSED) {
        throw new InvalidStateError(`This order is ${tender.status}: its offers can no longer be answered.`);
      }
      if (bid.status !== BidStatus.SUBMITTED) {
        throw new InvalidStateError(
          `This offer is ${offerStatus(bid.status, null) === OfferStatus.REVISION_REQUESTED ? "being revised" : bid.status}: it can be answered only while SUBMITTED.`,
        );
      }
      if (input.expectedVersion != null) assertVersion(input.expectedVersion, bid.version, "offer", () => bidState(bid));
      const row = em.create(OfferAnswer, {
        bid,
        kind,
        note,
        answeredBy: tx.actorId ? em.getReference(User, tx.actorId) : null,
        submittedAt: bid.submittedAt ?? new Date(),
      });
      await em.flush();
      await work(tx, tender, row);
      return bid;
    },
  );
}

/**
 * The client accepts an offer: in one transaction, the order closes to new offers, each lot the
 * offer answers is awarded to it at its submitted price (outcome CLIENT_ACCEPTANCE: the bid WON,
 * the other offers on those lots LOST, the order AWARDED once every lot is decided, the business
 * volume counts it), and the group is told.
 */
export async function acceptOffer(actor: AnswerActor, input: AnswerOfferInput, now = new Date()): Promise<Bid> {
  return answer(
    actor,
    "acceptOffer",
    input,
    async (tx, tender, row) => {
      const { bid, em } = tx;
      await tx.append(
        BidEventType.OFFER_ACCEPTED,
        { answerId: toGlobalId("OfferAnswer", row.id), submittedAt: row.submittedAt.toISOString() },
        { result: resultRef("Bid", bid.id) },
      );
      if (tender.status === TenderStatus.OPEN) {
        assertTransition(tender.status, TenderStatus.CLOSED);
        tender.status = TenderStatus.CLOSED;
        await em.flush();
      }
      const view = readSnapshot(bid.snapshot ?? {});
      const declared = await em.find(BidLot, { bid: bid.id }, { populate: ["lot"] });
      const hasLots = (await em.count(Lot, { tender: tender.id })) > 0;
      const awards: { lot: Lot | null; amount: number }[] = hasLots
        ? declared.map((d) => ({ lot: d.lot, amount: awardedEuros(view.perLot.get(d.lot.id) ?? 0) }))
        : [{ lot: null, amount: awardedEuros(view.total) }];
      for (const award of awards) {
        await applyAward(em, {
          tender,
          lot: award.lot,
          bid,
          winnerName: null,
          winnerSiret: null,
          winnerIds: view.members.map((m) => m.cooperativeId),
          consortiumName: null,
          amount: award.amount,
          awardedAt: now,
          source: OutcomeSource.CLIENT_ACCEPTANCE,
          commissionRate: actor.commissionRate,
          recordedById: tx.actorId,
        });
      }
      await offerAnswered(em, NotificationKind.OFFER_ACCEPTED, bid, tx.actorId);
    },
    OfferAnswerKind.ACCEPTED,
    null,
  );
}

/** The client declines an offer, with a reason its group reads: the bid is LOST. */
export async function declineOffer(actor: Actor, input: DeclineOfferInput): Promise<Bid> {
  const reason = v.text("input.reason", input.reason, { max: 2000, multiline: true });
  return answer(
    actor,
    "declineOffer",
    input,
    async (tx, _tender, row) => {
      const { bid, em } = tx;
      assertBidTransition(bid.status, BidStatus.LOST);
      bid.status = BidStatus.LOST;
      bid.version += 1;
      await tx.append(
        BidEventType.OFFER_DECLINED,
        { answerId: toGlobalId("OfferAnswer", row.id), reason, submittedAt: row.submittedAt.toISOString() },
        { result: resultRef("Bid", bid.id) },
      );
      await tx.append(
        BidEventType.STATUS_CHANGED,
        { from: BidStatus.SUBMITTED, to: BidStatus.LOST, version: bid.version, reason: "CLIENT_DECLINED" },
        { result: resultRef("Bid", bid.id) },
      );
      await offerAnswered(em, NotificationKind.OFFER_DECLINED, bid, tx.actorId);
    },
    OfferAnswerKind.DECLINED,
    reason,
  );
}

/**
 * The client asks for a revision, with a note for the group: the bid becomes a DRAFT again (the
 * one way back from SUBMITTED, outside the lead's own transitions), its content editable, to be
 * submitted anew while the order takes offers. The client keeps seeing the offer as last submitted.
 */
export async function requestRevision(actor: Actor, input: RequestRevisionInput, now = new Date()): Promise<Bid> {
  const note = v.text("input.note", input.note, { max: 2000, multiline: true });
  return answer(
    actor,
    "requestRevision",
    input,
    async (tx, tender, row) => {
      const { bid, em } = tx;
      if (!acceptsBids(tender, now))
        throw new InvalidStateError("This order no longer takes offers (closed or past its deadline): a revised offer could not be submitted.");
      bid.status = BidStatus.DRAFT;
      bid.version += 1;
      await tx.append(
        BidEventType.REVISION_REQUESTED,
        { answerId: toGlobalId("OfferAnswer", row.id), note, submittedAt: row.submittedAt.toISOString() },
        { result: resultRef("Bid", bid.id) },
      );
      await tx.append(
        BidEventType.STATUS_CHANGED,
        { from: BidStatus.SUBMITTED, to: BidStatus.DRAFT, version: bid.version, reason: "REVISION_REQUESTED" },
        { result: resultRef("Bid", bid.id) },
      );
      await offerAnswered(em, NotificationKind.REVISION_REQUESTED, bid, tx.actorId);
    },
    OfferAnswerKind.REVISION_REQUESTED,
    note,
  );
}

/** The client's answers to a bid, for the bid's readers (its members read the revision note here). */
export async function answersOf(em: EntityManager, bidId: string): Promise<OfferAnswer[]> {
  return em.find(OfferAnswer, { bid: bidId }, { orderBy: { createdAt: "asc", id: "asc" } });
}
