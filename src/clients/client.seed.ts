import type { EntityManager } from "@mikro-orm/postgresql";
import { hashPassword } from "../auth/password";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { Bid, BidLot, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "../bids/bid.entity";
import { BidGroupType, BidMemberRole, BidMemberStatus, BidStatus, SectionStatus } from "../bids/bid.enums";
import { findCommune } from "../common/reference/reference";
import { toGlobalId } from "../common/node";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { withLuhnKey } from "../cooperatives/siret";
import { commissionOf } from "../tenders/outcome.record";
import { Lot, Outcome, Tender } from "../tenders/tender.entity";
import { OutcomeResult, OutcomeSource, TenderKind, TenderStatus } from "../tenders/tender.enums";
import { cpvSummary } from "../tenders/tender.cpv";
import { ClientOrganisation, OfferAnswer } from "./client.entity";
import { OfferAnswerKind } from "./client.enums";
import { placeFrom, placeOf } from "../places/place.embeddable";

const DAY = 86400_000;

/** Demo client organisations (valid SIRETs: both keys), the demo client in the first one. */
const ORGANISATIONS = [
  { name: "Festival du Livre de Rouen", siren: "81234567", insee: "76540", address: "Place de la Cathédrale" },
  { name: "Brasserie Coopérative de Lille", siren: "82345678", insee: "59350", address: "12 rue Nationale" },
] as const;

/** The states of a direct order a client meets, one demo order each. */
const STATES = ["OPEN_NO_OFFER", "OFFER_SUBMITTED", "ACCEPTED", "DECLINED", "REVISION_REQUESTED", "CANCELLED"] as const;
type State = (typeof STATES)[number];

/**
 * Client organisations and their direct orders in each state, with offers of two demo
 * cooperatives as they stand after submission (snapshot, price lines, a memo section), answers
 * and, for the accepted one, its outcome (CLIENT_ACCEPTANCE). Written directly, like the rest of the demo.
 */
export async function seedClients(em: EntityManager, commissionRate = 0.03): Promise<{ organisations: number; orders: number }> {
  const demoClient = await em.findOne(User, { email: "client@demo.scopgraph.coop" });
  const cooperatives = await em.find(Cooperative, { place: { communeCode: { $ne: null } } }, { orderBy: { id: "asc" }, limit: 2 });
  const officer = await em.findOne(User, { role: PlatformRole.MISSION_OFFICER });
  const organisations = createOrganisations(em);
  const [mine, other] = organisations as [ClientOrganisation, ClientOrganisation];
  if (demoClient) {
    demoClient.clientOrganisation = mine;
    // The demo client's orders placed before belong to its organisation.
    await em.flush();
    await em.nativeUpdate(Tender, { client: demoClient.id }, { clientOrganisation: mine.id });
  }
  // A colleague of the demo client, and a client of the other organisation.
  const hash = await hashPassword("scopgraph-demo");
  em.create(User, {
    email: "colleague@demo.scopgraph.coop",
    name: "Camille Collègue",
    role: PlatformRole.CLIENT,
    passwordHash: hash,
    emailVerifiedAt: new Date(),
    clientOrganisation: mine,
  });
  const otherClient = em.create(User, {
    email: "client2@demo.scopgraph.coop",
    name: "Dominique Brasseur",
    role: PlatformRole.CLIENT,
    passwordHash: hash,
    emailVerifiedAt: new Date(),
    clientOrganisation: other,
  });
  let orders = 0;
  const now = Date.now();
  const [lead, partner] = cooperatives;
  for (const [i, state] of STATES.entries()) {
    const placedBy = demoClient ?? otherClient;
    const { order, lots } = createOrder(em, i, state, mine, placedBy, officer, now);
    orders++;
    if (state === "OPEN_NO_OFFER" || state === "CANCELLED" || !lead || !partner) continue;
    offer(em, order, lots, lead, partner, state, demoClient, commissionRate, now - (5 - i) * DAY);
  }
  await em.flush();
  return { organisations: organisations.length, orders };
}

function offer(
  em: EntityManager,
  order: Tender,
  lots: Lot[],
  lead: Cooperative,
  partner: Cooperative,
  state: Exclude<State, "OPEN_NO_OFFER" | "CANCELLED">,
  client: User | null,
  commissionRate: number,
  at: number,
): void {
  const status = { OFFER_SUBMITTED: BidStatus.SUBMITTED, ACCEPTED: BidStatus.WON, DECLINED: BidStatus.LOST, REVISION_REQUESTED: BidStatus.DRAFT }[state];
  const submittedAt = new Date(at);
  const bid = em.create(Bid, {
    tender: order,
    lead,
    title: `Groupement ${lead.name} – ${partner.name}`.slice(0, 300),
    groupType: BidGroupType.CONJOINT,
    status,
    submittedAt,
  });
  const members = [
    em.create(BidMember, { bid, cooperative: lead, role: BidMemberRole.LEAD, status: BidMemberStatus.ACCEPTED, answeredAt: submittedAt }),
    em.create(BidMember, { bid, cooperative: partner, role: BidMemberRole.MEMBER, status: BidMemberStatus.ACCEPTED, answeredAt: submittedAt }),
  ];
  const memo = "Affiches imprimées sur papier recyclé près du festival; site accessible (RGAA), livré en six semaines.";
  em.create(BidSection, { bid, title: "Méthodologie", position: 1, status: SectionStatus.DONE, snapshotText: memo });
  const prices = [
    { lot: lots[0]!, member: members[0]!, description: "Affiches A2, 500 exemplaires", quantity: 500, unitPriceCents: 900 },
    { lot: lots[1]!, member: members[1]!, description: "Site vitrine", quantity: 1, unitPriceCents: 950_000 },
  ];
  for (const [i, lot] of lots.entries()) {
    em.create(BidLot, { bid, lot });
    em.create(BidLotAssignment, { bid, lot, member: members[i]! });
  }
  for (const p of prices) em.create(BidPriceLine, { bid, ...p });
  bid.snapshot = offerSnapshot(order, bid, lead, members, lots, prices, memo, submittedAt);
  const answer = {
    ACCEPTED: OfferAnswerKind.ACCEPTED,
    DECLINED: OfferAnswerKind.DECLINED,
    REVISION_REQUESTED: OfferAnswerKind.REVISION_REQUESTED,
    OFFER_SUBMITTED: null,
  }[state];
  if (answer) {
    const note =
      answer === OfferAnswerKind.DECLINED
        ? "Le budget du festival ne le permet pas cette année."
        : answer === OfferAnswerKind.REVISION_REQUESTED
          ? "Pouvez-vous proposer 300 affiches au lieu de 500 ?"
          : null;
    em.create(OfferAnswer, { bid, kind: answer, note, answeredBy: client, submittedAt });
  }
  if (state === "ACCEPTED") {
    for (const p of prices) {
      const amount = Math.round(lineTotal(p));
      em.create(Outcome, {
        tender: order,
        lot: p.lot,
        bid,
        source: OutcomeSource.CLIENT_ACCEPTANCE,
        result: OutcomeResult.WON,
        winnerIds: [lead.id, partner.id],
        awardedAmount: amount,
        commissionRate,
        commission: commissionOf(amount, commissionRate),
        awardedAt: new Date(at + DAY),
        recordedBy: client,
      });
    }
  }
}

/** The demo client organisations, placed at their communes. */
function createOrganisations(em: EntityManager): ClientOrganisation[] {
  return ORGANISATIONS.map((o) => {
    const commune = findCommune({ insee: o.insee });
    return em.create(ClientOrganisation, {
      name: o.name,
      siret: withLuhnKey(`${withLuhnKey(o.siren)}0001`),
      address: o.address,
      postcode: commune?.postcodes[0] ?? null,
      place: placeFrom({ commune }),
    });
  });
}

/** The i-th demo direct order of `mine`, in `state`, with its two lots. */
function createOrder(
  em: EntityManager,
  i: number,
  state: State,
  mine: ClientOrganisation,
  placedBy: User,
  officer: User | null,
  now: number,
): { order: Tender; lots: Lot[] } {
  const order = em.create(Tender, {
    kind: TenderKind.DIRECT_ORDER,
    status: state === "ACCEPTED" ? TenderStatus.AWARDED : state === "CANCELLED" ? TenderStatus.CANCELLED : TenderStatus.OPEN,
    title: `Affiches et site du festival (${i + 1})`,
    description: "Affiches A2 et site de l'édition.",
    buyerName: mine.name,
    client: placedBy,
    clientOrganisation: mine,
    place: placeOf(mine.place),
    estimatedValue: 15000,
    publishedAt: new Date(now - (10 + i) * DAY),
    submissionDeadline: new Date(now + (20 + i) * DAY),
    assignedOfficer: officer,
    ...cpvSummary([["79810000"], ["72413000"]]),
  });
  const lots = [
    em.create(Lot, {
      tender: order,
      number: 1,
      title: "Affiches",
      cpvCodes: ["79810000"],
      cpvPrefixes: cpvSummary([["79810000"]]).cpvPrefixes,
      estimatedValue: 5000,
    }),
    em.create(Lot, {
      tender: order,
      number: 2,
      title: "Site web",
      cpvCodes: ["72413000"],
      cpvPrefixes: cpvSummary([["72413000"]]).cpvPrefixes,
      estimatedValue: 10000,
    }),
  ];
  return { order, lots };
}

interface PriceLine {
  lot: Lot;
  member: BidMember;
  description: string;
  quantity: number;
  unitPriceCents: number;
}

const euros = (cents: number) => cents / 100;
const lineTotal = (p: PriceLine) => euros(p.quantity * p.unitPriceCents);

/** The offer as it stands after submission (what the client sees). */
function offerSnapshot(
  order: Tender,
  bid: Bid,
  lead: Cooperative,
  members: BidMember[],
  lots: Lot[],
  prices: PriceLine[],
  memo: string,
  submittedAt: Date,
): Bid["snapshot"] {
  return {
    submittedAt: submittedAt.toISOString(),
    title: bid.title,
    groupType: bid.groupType,
    tenderId: toGlobalId("Tender", order.id),
    leadCooperativeId: toGlobalId("Cooperative", lead.id),
    members: members.map((m) => ({ id: toGlobalId("BidMember", m.id), cooperativeId: toGlobalId("Cooperative", m.cooperative.id), role: m.role })),
    lotIds: lots.map((l) => toGlobalId("Lot", l.id)),
    lotAssignments: lots.map((l, i) => ({ lotId: toGlobalId("Lot", l.id), memberId: toGlobalId("BidMember", members[i]!.id) })),
    sections: [{ title: "Méthodologie", position: 1, status: SectionStatus.DONE, text: memo }],
    priceLines: prices.map((p) => ({
      lotId: toGlobalId("Lot", p.lot.id),
      memberId: toGlobalId("BidMember", p.member.id),
      description: p.description,
      quantity: p.quantity,
      unitPrice: euros(p.unitPriceCents),
      total: lineTotal(p),
    })),
    totals: {
      total: prices.reduce((s, p) => s + lineTotal(p), 0),
      perLot: prices.map((p) => ({ lotId: toGlobalId("Lot", p.lot.id), total: lineTotal(p) })),
      perMember: [],
    },
  };
}
