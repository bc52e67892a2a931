import { PlatformRole } from "../../src/auth/roles";
import { fromGlobalId } from "../../src/common/node";
import { withLuhnKey } from "../../src/cooperatives/siret";
import {
  AcceptOfferDocument,
  AttachClientToOrganisationDocument,
  BidClientAnswersDocument,
  BusinessVolumeDocument,
  CancelTenderDocument,
  ClientOrganisationDocument,
  CreateClientOrganisationDocument,
  DeclineOfferDocument,
  OrderOffersDocument,
  RequestRevisionDocument,
  TenderDocument,
  TenderOutcomesDocument,
  TendersDocument,
  UpdateBidPriceLineDocument,
  UpdateDirectOrderDocument,
  ViewerMineDocument,
  BidDocument,
  CreateBidDocument,
  ShortlistCooperativeDocument,
} from "../generated/graphql";
import { createUser, eventTypes, insertCooperative, type TestUser, validSiret } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { ok, placeOrder, resubmit, submitOffer, type Consortium } from "./offer-setup";

/*
 * The client's side of a direct order, through the real API: an organisation whose people all see
 * its orders, the offers submitted on them (as submitted, never drafts), and the answers.
 */

let server: TestServer;
let clientA1: TestUser, clientA2: TestUser, clientB: TestUser, officer: TestUser, rivalOwner: TestUser;
let c: Consortium;
let orgA: string;
let rivalCoop: string;

const base = () => server.url.replace(/\/graphql$/, "");
async function download(path: string, token?: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`${base()}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

async function notified(userId: string, kind: string): Promise<string[]> {
  const rows = await server.orm.em
    .getConnection()
    .execute<{ subject_id: string }[]>("SELECT subject_id FROM notifications WHERE recipient_id = ? AND kind = ?", [userId, kind]);
  return rows.map((r) => r.subject_id);
}

const offersOf = async (order: string, token: string) => (await ok(server.gql(OrderOffersDocument, { id: order }, token))).tender!.offers;

beforeAll(async () => {
  server = await startTestServer();
  [clientA1, clientA2, clientB, officer, rivalOwner] = await Promise.all([
    createUser(server, PlatformRole.CLIENT),
    createUser(server, PlatformRole.CLIENT),
    createUser(server, PlatformRole.CLIENT),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server),
  ]);
  const [lead, partner] = await Promise.all([createUser(server), createUser(server)]);
  const em = server.orm.em.fork();
  const leadCoop = await insertCooperative(em, { owner: lead, name: "Imprimerie Coopérative" });
  const partnerCoop = await insertCooperative(em, { owner: partner, name: "Studio Web Scop" });
  rivalCoop = (await insertCooperative(em, { owner: rivalOwner, name: "Rival" })).gid;
  c = { lead, leadCoop: leadCoop.gid, partner, partnerCoop: partnerCoop.gid, officer };
  const created = await ok(
    server.gql(
      CreateClientOrganisationDocument,
      { input: { name: "Salon du livre de Rouen", siret: validSiret(), location: { communeCode: "76540", address: "1 place de la Cathédrale" } } },
      clientA1.token,
    ),
  );
  orgA = created.createClientOrganisation.id;
  await ok(server.gql(AttachClientToOrganisationDocument, { input: { organisationId: orgA, userId: clientA2.globalId } }, officer.token));
  await ok(server.gql(CreateClientOrganisationDocument, { input: { name: "Autre client", siret: validSiret() } }, clientB.token));
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe("client organisations", () => {
  test("a client creates its organisation: SIRET keys checked, commune resolved with coordinates; staff attach colleagues", async () => {
    const org = await ok(server.gql(ClientOrganisationDocument, { id: orgA }, clientA2.token));
    expect(org.clientOrganisation.people.map((p) => p.id).sort()).toEqual([clientA1.globalId, clientA2.globalId].sort());
    const fresh = await createUser(server, PlatformRole.CLIENT);
    const created = await ok(
      server.gql(
        CreateClientOrganisationDocument,
        { input: { name: "Mairie de Lyon", siret: validSiret(), location: { city: "Lyon", postcode: "69001" } } },
        fresh.token,
      ),
    );
    expect(created.createClientOrganisation).toMatchObject({ city: "Lyon", departmentCode: "69" });
    expect(created.createClientOrganisation.latitude).toBeCloseTo(45.76, 1);
    // A second one for the same account, and a SIRET already registered.
    const again = await server.gql(CreateClientOrganisationDocument, { input: { name: "Encore", siret: validSiret() } }, fresh.token);
    expect(codes(again)).toEqual(["INVALID_STATE"]);
    const other = await createUser(server, PlatformRole.CLIENT);
    const siret = validSiret();
    await ok(server.gql(CreateClientOrganisationDocument, { input: { name: "Premier", siret } }, officer.token));
    expect(codes(await server.gql(CreateClientOrganisationDocument, { input: { name: "Doublon", siret } }, other.token))).toEqual(["CONFLICT"]);
  });

  test("bad input: a wrong SIREN key, a wrong SIRET key, an unknown commune, a member account attached", async () => {
    const fresh = await createUser(server, PlatformRole.CLIENT);
    const valid = validSiret();
    const badSiren = `${valid.slice(0, 8)}${(Number(valid[8]) + 1) % 10}`;
    const wrongSirenKey = withLuhnKey(`${badSiren}0001`);
    const wrongSiretKey = `${valid.slice(0, 13)}${(Number(valid[13]) + 1) % 10}`;
    for (const siret of [wrongSirenKey, wrongSiretKey, "123"]) {
      const result = await server.gql(CreateClientOrganisationDocument, { input: { name: "X", siret } }, fresh.token);
      expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.extensions?.field).toBe("input.siret");
    }
    const commune = await server.gql(
      CreateClientOrganisationDocument,
      { input: { name: "X", siret: validSiret(), location: { communeCode: "99999" } } },
      fresh.token,
    );
    expect(commune.errors?.[0]?.extensions?.field).toBe("input.location.communeCode");
    const member = await server.gql(AttachClientToOrganisationDocument, { input: { organisationId: orgA, userId: c.lead.globalId } }, officer.token);
    expect(member.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.userId" });
    expect((await ok(server.gql(ViewerMineDocument, {}, fresh.token))).viewer?.clientOrganisation).toBeNull();
  });
});

describe("orders belong to the organisation", () => {
  test("every person of the organisation sees its orders; another organisation sees nothing (NOT_FOUND)", async () => {
    const order = await placeOrder(server, clientA1, "Affiches du salon");
    const seen = await ok(server.gql(OrderOffersDocument, { id: order.gid }, clientA2.token));
    expect(seen.tender!.clientOrganisation).toMatchObject({ id: orgA, name: "Salon du livre de Rouen" });
    expect(seen.tender!.client?.id).toBe(clientA1.globalId);
    const list = await ok(server.gql(TendersDocument, { first: 50 }, clientA2.token));
    expect(list.tenders.edges.map((e) => e.node.id)).toContain(order.gid);
    expect(codes(await server.gql(TenderDocument, { id: order.gid }, clientB.token))).toEqual(["NOT_FOUND"]);
    const other = await ok(server.gql(TendersDocument, { first: 50 }, clientB.token));
    expect(other.tenders.edges.map((e) => e.node.id)).not.toContain(order.gid);
    expect(codes(await server.gql(ClientOrganisationDocument, { id: orgA }, clientB.token))).toEqual(["NOT_FOUND"]);
    // The colleague may edit it (no offer yet) and cancel it.
    const edited = await ok(
      server.gql(UpdateDirectOrderDocument, { id: order.gid, input: { title: "Affiches et flyers", estimatedValue: 21000 } }, clientA2.token),
    );
    expect(edited.updateDirectOrder).toMatchObject({ title: "Affiches et flyers", estimatedValue: 21000 });
    expect(codes(await server.gql(UpdateDirectOrderDocument, { id: order.gid, input: { title: "Pris" } }, clientB.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await server.gql(UpdateDirectOrderDocument, { id: order.gid, input: { title: "" } }, clientA1.token))).toEqual(["BAD_USER_INPUT"]);
    expect((await ok(server.gql(CancelTenderDocument, { id: order.gid }, clientA2.token))).cancelTender.status).toBe("CANCELLED");
  });
});

describe("offers on an order", () => {
  let order: { gid: string; lots: string[] };
  let offer: Awaited<ReturnType<typeof submitOffer>>;

  beforeAll(async () => {
    order = await placeOrder(server, clientA1);
    // A rival's draft on the same order (shortlisted, so that it reads the order): never shown to the client.
    await ok(server.gql(ShortlistCooperativeDocument, { input: { tenderId: order.gid, cooperativeId: rivalCoop } }, officer.token));
    await ok(server.gql(CreateBidDocument, { input: { tenderId: order.gid, leadCooperativeId: rivalCoop, groupType: "CONJOINT" } }, rivalOwner.token));
    offer = await submitOffer(server, c, order);
  }, 60_000);

  test("the client sees the submitted offer as submitted: group, lots, memo, prices, totals, exports; never a draft", async () => {
    const offers = await offersOf(order.gid, clientA2.token);
    expect(offers).toHaveLength(1);
    const seen = offers[0]!;
    expect(seen).toMatchObject({ bidId: offer.bidId, status: "SUBMITTED", title: "Groupement A + B", groupType: "CONJOINT" });
    expect(seen.group.map((g) => [g.cooperative.name, g.role, g.lead])).toEqual([
      ["Imprimerie Coopérative", "LEAD", true],
      ["Studio Web Scop", "MEMBER", false],
    ]);
    expect(seen.lots.map((l) => [l.lot.number, l.cooperative?.name, l.total])).toEqual([
      [1, "Imprimerie Coopérative", 3000],
      [2, "Studio Web Scop", 9000],
    ]);
    expect(seen.memo.map((m) => [m.title, m.text])).toEqual([["Méthodologie", "Notre méthode: papier recyclé, site accessible."]]);
    expect(seen.prices.map((p) => [p.description, p.quantity, p.unitPrice, p.total, p.lot?.number])).toEqual([
      ["Brochures A4", 2000, 1.5, 3000, 1],
      ["Site vitrine", 1, 9000, 9000, 2],
    ]);
    expect(seen.totals).toEqual({ total: 12000, vatRate: 0.2, vat: 2400, totalWithVat: 14400 });
    expect(seen.exports.map((e) => e.fileName)).toEqual(["memo.docx", "prices.xlsx"]);
    // Exports: the order's client downloads them, another client gets 404 like a missing bid.
    const memo = await download(seen.exports[0]!.url, clientA2.token);
    expect(memo.status).toBe(200);
    expect(memo.body.subarray(0, 2).toString()).toBe("PK");
    expect((await download(seen.exports[1]!.url, clientA1.token)).status).toBe(200);
    expect((await download(seen.exports[0]!.url, clientB.token)).status).toBe(404);
    // The client never reaches the bid itself (drafts, log, live text), nor the matching.
    expect(codes(await server.gql(BidDocument, { id: offer.bidId }, clientA1.token))).toEqual(["NOT_FOUND"]);
    expect((await server.gql(TenderOutcomesDocument, { id: order.gid }, clientA1.token)).data?.tender!.outcomes).toEqual([]);
    // A client of another organisation: the order does not exist.
    expect(codes(await server.gql(OrderOffersDocument, { id: order.gid }, clientB.token))).toEqual(["NOT_FOUND"]);
  });

  test("OFFER_SUBMITTED reaches the organisation's people and the officers", async () => {
    for (const person of [clientA1, clientA2, officer]) expect(await notified(person.id, "OFFER_SUBMITTED")).toContain(offer.bidId);
    expect(await notified(clientB.id, "OFFER_SUBMITTED")).not.toContain(offer.bidId);
  });

  test("the order can no longer be edited once an offer is submitted", async () => {
    const result = await server.gql(UpdateDirectOrderDocument, { id: order.gid, input: { title: "Trop tard" } }, clientA1.token);
    expect(codes(result)).toEqual(["INVALID_STATE"]);
  });

  test("accepting: outcome CLIENT_ACCEPTANCE per lot, bid WON, order AWARDED, business volume moved, group told; twice is INVALID_STATE", async () => {
    const before = (await ok(server.gql(BusinessVolumeDocument, {}, officer.token))).businessVolume.byChannel.find((ch) => ch.channel === "DIRECT_ORDER")!;
    const stale = await server.gql(AcceptOfferDocument, { input: { bidId: offer.bidId, expectedVersion: 1 } }, clientA1.token);
    expect(codes(stale)).toEqual(["CONFLICT"]);
    expect(codes(await server.gql(AcceptOfferDocument, { input: { bidId: offer.bidId } }, clientB.token))).toEqual(["NOT_FOUND"]);
    const version = (await offersOf(order.gid, clientA1.token))[0]!.version;
    const accepted = await ok(server.gql(AcceptOfferDocument, { input: { bidId: offer.bidId, expectedVersion: version } }, clientA1.token));
    expect(accepted.acceptOffer.offer.status).toBe("ACCEPTED");
    expect(accepted.acceptOffer.order.status).toBe("AWARDED");
    expect(accepted.acceptOffer.offer.answers.map((a) => a.kind)).toEqual(["ACCEPTED"]);
    const outcomes = (await ok(server.gql(TenderOutcomesDocument, { id: order.gid }, officer.token))).tender!.outcomes;
    expect(outcomes.map((o) => [o.lot?.number, o.source, o.result, o.awardedAmount, o.bid?.id])).toEqual([
      [1, "CLIENT_ACCEPTANCE", "WON", 3000, offer.bidId],
      [2, "CLIENT_ACCEPTANCE", "WON", 9000, offer.bidId],
    ]);
    expect((await ok(server.gql(BidDocument, { id: offer.bidId }, c.partner.token))).bid!.status).toBe("WON");
    const after = (await ok(server.gql(BusinessVolumeDocument, {}, officer.token))).businessVolume.byChannel.find((ch) => ch.channel === "DIRECT_ORDER")!;
    expect(after.awardedAmount - before.awardedAmount).toBe(12000);
    expect(after.count - before.count).toBe(2);
    const log = (await eventTypes(server.orm.em.fork(), fromGlobalId(offer.bidId)!.id)).map((e) => e.type);
    expect(log.slice(-4)).toEqual(["OFFER_ACCEPTED", "LOT_RESULT_RECORDED", "STATUS_CHANGED", "LOT_RESULT_RECORDED"]);
    for (const person of [c.lead, c.partner]) expect(await notified(person.id, "OFFER_ACCEPTED")).toContain(offer.bidId);
    const twice = await server.gql(AcceptOfferDocument, { input: { bidId: offer.bidId } }, clientA2.token);
    expect(codes(twice)).toEqual(["INVALID_STATE"]);
  });
});

describe("declining and asking a revision", () => {
  test("declining takes a reason the group reads; the bid is LOST", async () => {
    const order = await placeOrder(server, clientA1, "Catalogue");
    const offer = await submitOffer(server, c, order);
    const empty = await server.gql(DeclineOfferDocument, { input: { bidId: offer.bidId, reason: "   " } }, clientA1.token);
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.reason" });
    const input = { bidId: offer.bidId, reason: "Budget dépassé.", clientMutationId: "decline-1" };
    const declined = await ok(server.gql(DeclineOfferDocument, { input }, clientA1.token));
    expect(declined.declineOffer.offer).toMatchObject({ status: "DECLINED", answers: [{ kind: "DECLINED", note: "Budget dépassé." }] });
    expect(declined.declineOffer.order.status).toBe("OPEN");
    // A retry with the same id answers the same, and writes nothing more.
    const replay = await ok(server.gql(DeclineOfferDocument, { input }, clientA1.token));
    expect(replay.declineOffer.offer.answers).toHaveLength(1);
    expect(codes(await server.gql(DeclineOfferDocument, { input: { ...input, reason: "Autre" } }, clientA1.token))).toEqual(["CONFLICT"]);
    const bid = (await ok(server.gql(BidClientAnswersDocument, { id: offer.bidId }, c.partner.token))).bid;
    expect(bid).toMatchObject({ status: "LOST", clientAnswers: [{ kind: "DECLINED", note: "Budget dépassé." }] });
    expect(await notified(c.partner.id, "OFFER_DECLINED")).toContain(offer.bidId);
    expect(codes(await server.gql(AcceptOfferDocument, { input: { bidId: offer.bidId } }, clientA1.token))).toEqual(["INVALID_STATE"]);
  });

  test("a revision sends the bid back to DRAFT with the note; submitted again, the client sees the new offer", async () => {
    const order = await placeOrder(server, clientA1, "Rapport annuel");
    const offer = await submitOffer(server, c, order);
    expect(codes(await server.gql(RequestRevisionDocument, { input: { bidId: offer.bidId, note: "" } }, clientA2.token))).toEqual(["BAD_USER_INPUT"]);
    const asked = await ok(server.gql(RequestRevisionDocument, { input: { bidId: offer.bidId, note: "Baissez le prix du site." } }, clientA2.token));
    expect(asked.requestRevision.offer).toMatchObject({ status: "REVISION_REQUESTED", exports: [] });
    const bid = (await ok(server.gql(BidDocument, { id: offer.bidId }, c.lead.token))).bid;
    expect(bid!.status).toBe("DRAFT");
    expect((await ok(server.gql(BidClientAnswersDocument, { id: offer.bidId }, c.partner.token))).bid!.clientAnswers).toEqual([
      { kind: "REVISION_REQUESTED", note: "Baissez le prix du site." },
    ]);
    expect(await notified(c.lead.id, "REVISION_REQUESTED")).toContain(offer.bidId);
    // While revised: the client still sees the offer as submitted, cannot answer it, nor download the live draft.
    expect((await offersOf(order.gid, clientA1.token))[0]!.totals.total).toBe(12000);
    expect(codes(await server.gql(AcceptOfferDocument, { input: { bidId: offer.bidId } }, clientA1.token))).toEqual(["INVALID_STATE"]);
    expect((await download(`/exports/bids/${offer.bidId}/memo.docx`, clientA1.token)).status).toBe(409);
    // The partner lowers its price; the lead submits again.
    const line = bid!.priceLines.find((p) => p.description === "Site vitrine")!;
    await ok(server.gql(UpdateBidPriceLineDocument, { input: { priceLineId: line.id, expectedVersion: line.version, unitPrice: 7000 } }, c.partner.token));
    await resubmit(server, c.lead, offer.bidId);
    const again = (await offersOf(order.gid, clientA1.token))[0]!;
    expect(again).toMatchObject({ status: "SUBMITTED", totals: { total: 10000 } });
    expect(again.answers.map((a) => a.kind)).toEqual(["REVISION_REQUESTED"]);
    // Cancelled by the client: the offer can no longer be accepted.
    await ok(server.gql(CancelTenderDocument, { id: order.gid }, clientA1.token));
    expect(codes(await server.gql(AcceptOfferDocument, { input: { bidId: offer.bidId } }, clientA1.token))).toEqual(["INVALID_STATE"]);
  });
});

describe("viewer: mine", () => {
  test("a member finds their cooperatives with their role, their bids and their invitations; a client its organisation and its orders", async () => {
    const member = (await ok(server.gql(ViewerMineDocument, {}, c.lead.token))).viewer!;
    expect(member.cooperatives).toEqual([{ role: "OWNER", cooperative: { id: c.leadCoop, name: "Imprimerie Coopérative" } }]);
    expect(member.bids.totalCount).toBeGreaterThanOrEqual(3);
    expect(member.clientOrganisation).toBeNull();
    expect(member.invitations?.shortlists.length).toBeGreaterThanOrEqual(3);
    const rival = (await ok(server.gql(ViewerMineDocument, {}, rivalOwner.token))).viewer!;
    expect(rival.bids.totalCount).toBe(1);
    const order = await placeOrder(server, clientA1, "Vidéo");
    const client = (await ok(server.gql(ViewerMineDocument, { statuses: ["AWARDED"] }, clientA2.token))).viewer!;
    expect(client.cooperatives).toEqual([]);
    expect(client.clientOrganisation?.id).toBe(orgA);
    expect(client.clientOrganisation?.orders.edges.map((e) => e.node.status)).toEqual(["AWARDED"]);
    const open = (await ok(server.gql(ViewerMineDocument, { statuses: ["OPEN"] }, clientA2.token))).viewer!;
    expect(open.clientOrganisation?.orders.edges.map((e) => e.node.id)).toContain(order.gid);
    const other = (await ok(server.gql(ViewerMineDocument, {}, clientB.token))).viewer!;
    expect(other.clientOrganisation?.orders.edges.map((e) => e.node.id)).not.toContain(order.gid);
  });
});
