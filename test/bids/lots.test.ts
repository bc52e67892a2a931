import { readFileSync } from "node:fs";
import path from "node:path";
import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import { Y } from "../../src/bids/sections/yjs";
import { Tender } from "../../src/tenders/tender.entity";
import {
  AddBidPriceLineDocument,
  AddBidSectionDocument,
  AnswerBidInvitationDocument,
  ApplySectionUpdateDocument,
  AssignBidLotDocument,
  BidEventsPageDocument,
  BidLotsDocument,
  CreateBidWithLotsDocument,
  ImportNoticeDocument,
  InviteBidMemberDocument,
  RemoveBidMemberDocument,
  SetBidLotsDocument,
  SubmitBidDocument,
  TenderGroupRulesDocument,
  TransitionBidDocument,
  UpdateBidSectionDocument,
  UpdateTenderGroupRulesDocument,
} from "../generated/graphql";
import { buildLot, createUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { changedTables, snapshot } from "../security/harness";
import { createWorld, type BidWorld } from "./bid-setup";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

type Answer = { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };
const fieldOf = (r: Answer) => r.errors?.[0]?.extensions?.field;
const messageOf = (r: Answer) => r.errors?.[0]?.message ?? "";

function yUpdate(text: string): string {
  const doc = new Y.Doc();
  doc.getText("content").insert(0, text);
  return Buffer.from(Y.encodeStateAsUpdate(doc)).toString("base64");
}

/** The bid world with a third lot, "Impression", and the tender's group rules set. */
async function world(
  rules: { maxLotsPerTenderer?: number | null; multipleOffersForbidden?: boolean | null } = {},
): Promise<BidWorld & { lot3: { id: string; gid: string } }> {
  const w = await createWorld(server);
  const em = server.orm.em.fork();
  const tender = await em.findOneOrFail(Tender, { id: w.tender.id });
  const lot = buildLot(em, tender, { number: 3, title: "Impression", cpv: ["79810000"] });
  tender.maxLotsPerTenderer = rules.maxLotsPerTenderer ?? null;
  tender.multipleOffersForbidden = rules.multipleOffersForbidden ?? null;
  await em.flush();
  return { ...w, lot3: { id: lot.id, gid: toGlobalId("Lot", lot.id) } };
}

async function bidOf(w: BidWorld, token: string, leadCooperativeId: string, lotIds?: string[]) {
  const created = await server.gql(CreateBidWithLotsDocument, { input: { tenderId: w.tender.gid, leadCooperativeId, groupType: "CONJOINT", lotIds } }, token);
  expect(created.errors).toBeUndefined();
  return created.data!.createBid;
}

async function invite(bidId: string, cooperativeId: string, token: string) {
  return server.gql(InviteBidMemberDocument, { input: { bidId, cooperativeId } }, token);
}

async function readLots(bidId: string, token: string) {
  const result = await server.gql(BidLotsDocument, { id: bidId }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.bid;
}

describe("a bid answers the lots it chooses", () => {
  test("on a 3-lot tender allowing 2 lots per tenderer, a bid on lots 1 and 2 submits; completeness looks at those lots only", async () => {
    const w = await world({ maxLotsPerTenderer: 2 });
    const bid = await bidOf(w, w.lead.token, w.coopA.gid);
    // 3 lots, at most 2: the lead chooses; until then the bid answers none and says so.
    expect(bid.lots).toEqual([]);
    expect((await readLots(bid.id, w.lead.token))!.completeness).toEqual(expect.arrayContaining([expect.objectContaining({ code: "NO_LOT" })]));

    const set = await server.gql(SetBidLotsDocument, { input: { bidId: bid.id, lotIds: [w.lots[1]!.gid, w.lots[0]!.gid], expectedVersion: 1 } }, w.lead.token);
    expect(set.errors).toBeUndefined();
    expect(set.data!.setBidLots).toMatchObject({ version: 2, lots: [{ number: 1 }, { number: 2 }] });

    const partner = (await invite(bid.id, w.coopB.gid, w.lead.token)).data!.inviteBidMember.id;
    await server.gql(AnswerBidInvitationDocument, { input: { memberId: partner, accept: true } }, w.partner.token);
    const lead = bid.members[0]!.id;
    // Lot 3 is not the bid's: nothing may be assigned or priced on it.
    const outside = await server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: w.lot3.gid, memberId: lead, expectedVersion: 0 } }, w.lead.token);
    expect(codes(outside)).toEqual(["BAD_USER_INPUT"]);
    expect(messageOf(outside)).toContain("Lot 3 (Impression) is not among the lots this bid answers");

    // Lot 2 assigned to the partner before it accepted... then it is accepted: the message names the lot.
    await server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: w.lots[0]!.gid, memberId: lead, expectedVersion: 0 } }, w.lead.token);
    const unassigned = (await readLots(bid.id, w.lead.token))!.completeness.find((i) => i.code === "LOT_UNASSIGNED");
    expect(unassigned).toEqual({ code: "LOT_UNASSIGNED", message: "Lot 2 (Site web) is not assigned to a member of the group.", subjectId: w.lots[1]!.gid });
    await server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: w.lots[1]!.gid, memberId: partner, expectedVersion: 0 } }, w.lead.token);

    const section = (await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Méthodologie" } }, w.lead.token)).data!.addBidSection.id;
    await server.gql(ApplySectionUpdateDocument, { input: { sectionId: section, update: yUpdate("Notre méthode.") } }, w.lead.token);
    for (const [expectedVersion, status] of [
      [1, "IN_PROGRESS"],
      [2, "IN_REVIEW"],
      [3, "DONE"],
    ] as const) {
      expect((await server.gql(UpdateBidSectionDocument, { input: { sectionId: section, expectedVersion, status } }, w.lead.token)).errors).toBeUndefined();
    }
    await server.gql(
      AddBidPriceLineDocument,
      { input: { bidId: bid.id, lotId: w.lots[0]!.gid, memberId: lead, description: "Film", quantity: 1, unitPrice: 14500 } },
      w.lead.token,
    );
    await server.gql(
      AddBidPriceLineDocument,
      { input: { bidId: bid.id, lotId: w.lots[1]!.gid, memberId: partner, description: "Site", quantity: 1, unitPrice: 6000 } },
      w.partner.token,
    );
    expect((await readLots(bid.id, w.lead.token))!.completeness).toEqual([]);
    await server.gql(TransitionBidDocument, { input: { bidId: bid.id, status: "IN_REVIEW", expectedVersion: 2 } }, w.lead.token);
    const submitted = await server.gql(SubmitBidDocument, { input: { bidId: bid.id, expectedVersion: 3 } }, w.lead.token);
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data!.submitBid.status).toBe("SUBMITTED");
    expect(submitted.data!.submitBid.snapshot).toMatchObject({ lotIds: [w.lots[0]!.gid, w.lots[1]!.gid] });
  });

  test("declaring more lots than the tender allows per tenderer is a BAD_USER_INPUT naming input.lotIds and the rule, and writes nothing", async () => {
    const w = await world({ maxLotsPerTenderer: 2 });
    const bid = await bidOf(w, w.lead.token, w.coopA.gid, [w.lots[0]!.gid]);
    expect(bid.lots).toEqual([{ id: w.lots[0]!.gid, number: 1 }]);
    const all = [w.lots[0]!.gid, w.lots[1]!.gid, w.lot3.gid];
    const before = await snapshot(server);
    const tooMany = await server.gql(SetBidLotsDocument, { input: { bidId: bid.id, lotIds: all, expectedVersion: 1 } }, w.lead.token);
    expect(codes(tooMany)).toEqual(["BAD_USER_INPUT"]);
    expect(fieldOf(tooMany)).toBe("input.lotIds");
    expect(messageOf(tooMany)).toContain("at most 2 lots per tenderer (maximum lots per tenderer)");
    const none = await server.gql(SetBidLotsDocument, { input: { bidId: bid.id, lotIds: [], expectedVersion: 1 } }, w.lead.token);
    expect(fieldOf(none)).toBe("input.lotIds");
    // At creation too.
    const created = await server.gql(
      CreateBidWithLotsDocument,
      { input: { tenderId: w.tender.gid, leadCooperativeId: w.coopR.gid, groupType: "CONJOINT", lotIds: all } },
      w.rival.token,
    );
    expect(codes(created)).toEqual(["BAD_USER_INPUT"]);
    expect(fieldOf(created)).toBe("input.lotIds");
    // Only the lead sets the lots.
    const partnerTry = await server.gql(SetBidLotsDocument, { input: { bidId: bid.id, lotIds: [w.lot3.gid], expectedVersion: 1 } }, w.partner.token);
    expect(codes(partnerTry)).toEqual(["NOT_FOUND"]);
    expect(changedTables(before, await snapshot(server))).toEqual([]);
  });

  test("dropping a lot releases it, with a LOT_UNASSIGNED event", async () => {
    const w = await world();
    const bid = await bidOf(w, w.lead.token, w.coopA.gid);
    expect(bid.lots.map((l) => l.number)).toEqual([1, 2, 3]);
    const lead = bid.members[0]!.id;
    await server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: w.lot3.gid, memberId: lead, expectedVersion: 0 } }, w.lead.token);
    const set = await server.gql(SetBidLotsDocument, { input: { bidId: bid.id, lotIds: [w.lots[0]!.gid, w.lots[1]!.gid], expectedVersion: 1 } }, w.lead.token);
    expect(set.errors).toBeUndefined();
    const after = await readLots(bid.id, w.lead.token);
    expect(after!.lotAssignments).toEqual([expect.objectContaining({ lot: { id: w.lot3.gid, number: 3 }, member: null, version: 2 })]);
    const log = await server.gql(BidEventsPageDocument, { id: bid.id }, w.lead.token);
    expect(log.data!.bid!.events.edges.map((e) => e.node.type).slice(-2)).toEqual(["LOTS_DECLARED", "LOT_UNASSIGNED"]);
  });
});

describe("the buyer forbids multiple offers", () => {
  test("a cooperative in one offer for a lot may not be invited to another offer for that lot: the error names the lot, never the other offer", async () => {
    const w = await world({ multipleOffersForbidden: true });
    const rivalBid = await bidOf(w, w.rival.token, w.coopR.gid, [w.lots[1]!.gid]);
    expect((await invite(rivalBid.id, w.coopB.gid, w.rival.token)).errors).toBeUndefined();
    const bid = await bidOf(w, w.lead.token, w.coopA.gid, [w.lots[0]!.gid, w.lots[1]!.gid]);
    const before = await snapshot(server);
    const refused = await invite(bid.id, w.coopB.gid, w.lead.token);
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(fieldOf(refused)).toBe("input.cooperativeId");
    expect(messageOf(refused)).toContain("Lot 2 (Site web): Brochures B is already in another offer for this lot");
    expect(messageOf(refused)).not.toContain("Rival");
    expect(messageOf(refused)).not.toContain(rivalBid.id);
    expect(changedTables(before, await snapshot(server))).toEqual([]);

    // On lot 1 only, B may join; adding lot 2 back is then refused, naming the lot.
    expect(
      (await server.gql(SetBidLotsDocument, { input: { bidId: bid.id, lotIds: [w.lots[0]!.gid], expectedVersion: 1 } }, w.lead.token)).errors,
    ).toBeUndefined();
    expect((await invite(bid.id, w.coopB.gid, w.lead.token)).errors).toBeUndefined();
    const snap = await snapshot(server);
    const back = await server.gql(SetBidLotsDocument, { input: { bidId: bid.id, lotIds: [w.lots[0]!.gid, w.lots[1]!.gid], expectedVersion: 2 } }, w.lead.token);
    expect(fieldOf(back)).toBe("input.lotIds");
    expect(messageOf(back)).toContain("Lot 2 (Site web)");
    // Alone too: B's own bid on lot 2, where it is already in the rival's offer.
    const alone = await server.gql(
      CreateBidWithLotsDocument,
      { input: { tenderId: w.tender.gid, leadCooperativeId: w.coopB.gid, groupType: "CONJOINT", lotIds: [w.lots[1]!.gid] } },
      w.partner.token,
    );
    expect(fieldOf(alone)).toBe("input.lotIds");
    expect(messageOf(alone)).toContain("Lot 2 (Site web)");
    expect(changedTables(snap, await snapshot(server))).toEqual([]);
  });

  test("set by an officer after invitations: accepting the second one is refused, naming the lot", async () => {
    const w = await world();
    const rivalBid = await bidOf(w, w.rival.token, w.coopR.gid, [w.lots[1]!.gid]);
    const bid = await bidOf(w, w.lead.token, w.coopA.gid, [w.lots[0]!.gid, w.lots[1]!.gid]);
    const inRival = (await invite(rivalBid.id, w.coopB.gid, w.rival.token)).data!.inviteBidMember.id;
    const inLead = (await invite(bid.id, w.coopB.gid, w.lead.token)).data!.inviteBidMember.id;
    expect((await server.gql(AnswerBidInvitationDocument, { input: { memberId: inRival, accept: true } }, w.partner.token)).errors).toBeUndefined();
    const partnerOnly = await server.gql(
      UpdateTenderGroupRulesDocument,
      { id: w.tender.gid, input: { groupRules: { multipleOffersForbidden: true } } },
      w.partner.token,
    );
    expect(codes(partnerOnly)).not.toEqual([]);
    const ruled = await server.gql(
      UpdateTenderGroupRulesDocument,
      { id: w.tender.gid, input: { groupRules: { multipleOffersForbidden: true, maxLotsAwardedPerTenderer: 1 } } },
      w.officer.token,
    );
    expect(ruled.errors).toBeUndefined();
    expect(ruled.data!.updateTender).toMatchObject({ multipleOffersForbidden: true, maxLotsAwardedPerTenderer: 1 });
    const before = await snapshot(server);
    const accept = await server.gql(AnswerBidInvitationDocument, { input: { memberId: inLead, accept: true } }, w.partner.token);
    expect(codes(accept)).toEqual(["BAD_USER_INPUT"]);
    expect(fieldOf(accept)).toBe("input.accept");
    expect(messageOf(accept)).toContain("Lot 2 (Site web)");
    expect(changedTables(before, await snapshot(server))).toEqual([]);
    // Declining is always possible.
    expect((await server.gql(AnswerBidInvitationDocument, { input: { memberId: inLead, accept: false } }, w.partner.token)).errors).toBeUndefined();
  });

  test("two offers racing to take the same cooperative on the same lot: exactly one wins", async () => {
    for (let round = 0; round < 3; round += 1) {
      const w = await world({ multipleOffersForbidden: true });
      const a = await bidOf(w, w.lead.token, w.coopA.gid, [w.lots[1]!.gid]);
      const r = await bidOf(w, w.rival.token, w.coopR.gid, [w.lots[1]!.gid]);
      const results = await Promise.all([invite(a.id, w.coopC.gid, w.lead.token), invite(r.id, w.coopC.gid, w.rival.token)]);
      expect(results.map((x) => codes(x).join()).sort()).toEqual(["", "BAD_USER_INPUT"]);
    }
  });
});

describe("a member that leaves gives its lots back", () => {
  test("declining and removal release the member's lots in the same transaction, one LOT_UNASSIGNED event per lot", async () => {
    const w = await world();
    const bid = await bidOf(w, w.lead.token, w.coopA.gid);
    const b = (await invite(bid.id, w.coopB.gid, w.lead.token)).data!.inviteBidMember.id;
    const c = (await invite(bid.id, w.coopC.gid, w.lead.token)).data!.inviteBidMember.id;
    await server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: w.lots[1]!.gid, memberId: b, expectedVersion: 0 } }, w.lead.token);
    await server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: w.lot3.gid, memberId: b, expectedVersion: 0 } }, w.lead.token);
    await server.gql(AssignBidLotDocument, { input: { bidId: bid.id, lotId: w.lots[0]!.gid, memberId: c, expectedVersion: 0 } }, w.lead.token);
    await server.gql(AnswerBidInvitationDocument, { input: { memberId: c, accept: true } }, w.third.token);

    const head = (await readLots(bid.id, w.lead.token))!.headSeq;
    expect((await server.gql(AnswerBidInvitationDocument, { input: { memberId: b, accept: false } }, w.partner.token)).errors).toBeUndefined();
    const removed = await server.gql(RemoveBidMemberDocument, { input: { memberId: c, expectedVersion: 2 } }, w.lead.token);
    expect(removed.errors).toBeUndefined();

    const after = await readLots(bid.id, w.lead.token);
    expect(after!.lotAssignments.map((a) => a.member)).toEqual([null, null, null]);
    const log = await server.gql(BidEventsPageDocument, { id: bid.id, afterSeq: head }, w.lead.token);
    expect(log.data!.bid!.events.edges.map((e) => [e.node.type, e.node.payload.memberId ?? null, e.node.payload.reason ?? null])).toEqual([
      ["MEMBER_DECLINED", b, null],
      ["LOT_UNASSIGNED", b, "MEMBER_DECLINED"],
      ["LOT_UNASSIGNED", b, "MEMBER_DECLINED"],
      ["MEMBER_REMOVED", c, null],
      ["LOT_UNASSIGNED", c, "MEMBER_REMOVED"],
    ]);
    expect(after!.completeness.filter((i) => i.code === "LOT_UNASSIGNED").map((i) => i.message)).toEqual([
      "Lot 1 (Lot unique) is not assigned to a member of the group.",
      "Lot 2 (Site web) is not assigned to a member of the group.",
      "Lot 3 (Impression) is not assigned to a member of the group.",
    ]);
  });
});

describe("group rules read from eForms notices", () => {
  const FIXTURES = path.resolve(__dirname, "../fixtures/eforms");
  const xml = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");

  test("maximum lots awarded (BT-33) and the ban on multiple offers (BT-769) are stored and exposed", async () => {
    const officer = await createUser(server, PlatformRole.MISSION_OFFICER);
    const french = await server.gql(ImportNoticeDocument, { xml: xml("cn_24_FRA_comments.xml") }, officer.token);
    expect(french.errors).toBeUndefined();
    const frenchRules = await server.gql(TenderGroupRulesDocument, { id: french.data!.importNotice.tender.id }, officer.token);
    expect(frenchRules.data!.tender).toMatchObject({ maxLotsPerTenderer: 2, maxLotsAwardedPerTenderer: 1, multipleOffersForbidden: null });

    // The maximal notice allows multiple tenders on its lots; the same notice forbidding them.
    const forbidding = xml("cn_24_maximal.xml").replace(/(<cbc:MultipleTendersCode listName="permission">)allowed</g, "$1not-allowed<");
    const maximal = await server.gql(ImportNoticeDocument, { xml: forbidding }, officer.token);
    expect(maximal.errors).toBeUndefined();
    const maximalRules = await server.gql(TenderGroupRulesDocument, { id: maximal.data!.importNotice.tender.id }, officer.token);
    expect(maximalRules.data!.tender).toMatchObject({ maxLotsPerTenderer: 2, maxLotsAwardedPerTenderer: 2, multipleOffersForbidden: true });
  });
});
