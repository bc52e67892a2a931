import { randomUUID } from "node:crypto";
import type { GraphQLFormattedError } from "graphql";
import { fromGlobalId, toGlobalId } from "../../src/common/node";
import { Y } from "../../src/bids/sections/yjs";
import {
  AddBidPriceLineDocument,
  AddBidSectionDocument,
  AnswerBidInvitationDocument,
  ApplySectionUpdateDocument,
  AssignBidLotDocument,
  BidBriefDocument,
  BidDocument,
  BidEventsPageDocument,
  BidNodeDocument,
  BidPresenceHeartbeatDocument,
  BidsDocument,
  CooperativeBidsDocument,
  CreateBidDocument,
  InviteBidMemberDocument,
  RemoveBidMemberDocument,
  RemoveBidPriceLineDocument,
  RemoveBidSectionDocument,
  SectionDiffDocument,
  SectionStateDocument,
  SubmitBidDocument,
  TenderBidsDocument,
  TransitionBidDocument,
  UpdateBidDocument,
  UpdateBidPriceLineDocument,
  UpdateBidSectionDocument,
  type BidStatus,
  type BidEventsPageQuery,
} from "../generated/graphql";
import { countRows } from "../helpers/factories";
import { codes, startTestServer, type GqlResult, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";
import { TenderStatus } from "../../src/tenders/tender.enums";
import { cmid, createBid, createWorld, type BidWorld } from "./bid-setup";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function yUpdate(text: string, at = 0): string {
  const doc = new Y.Doc();
  doc.getText("content").insert(at, text);
  return Buffer.from(Y.encodeStateAsUpdate(doc)).toString("base64");
}

async function events(): Promise<number> {
  return countRows(server, "bid_events");
}

type Errors = { errors?: readonly GraphQLFormattedError[] };

function field(result: Errors): unknown {
  return result.errors?.[0]?.extensions?.field;
}

/** A bid of A with B accepted; returns ids. */
async function draftWithPartner(w: BidWorld) {
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const leadMember = bid.members[0]!.id;
  const invited = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
  const partnerMember = invited.data!.inviteBidMember.id;
  await server.gql(AnswerBidInvitationDocument, { input: { memberId: partnerMember, accept: true } }, w.partner.token);
  return { bidId: bid.id, leadMember, partnerMember };
}

/** Everything submission needs, then IN_REVIEW. */
async function completeBid(w: BidWorld) {
  const ids = await draftWithPartner(w);
  const token = w.lead.token;
  await server.gql(AssignBidLotDocument, { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, expectedVersion: 0 } }, token);
  await server.gql(
    AssignBidLotDocument,
    { input: { bidId: ids.bidId, lotId: w.lots[1]!.gid, memberId: ids.partnerMember, expectedVersion: 0 } },
    w.partner.token,
  );
  // Assigned to the partner's person: the partner writes its text, the lead moves it to DONE.
  const section = await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "Méthodologie", assigneeId: w.partner.globalId } }, token);
  const sectionId = section.data!.addBidSection.id;
  const typed = await server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: yUpdate("Notre méthode.") } }, w.partner.token);
  expect(typed.errors).toBeUndefined();
  for (const [expectedVersion, status] of [
    [1, "IN_PROGRESS"],
    [2, "IN_REVIEW"],
    [3, "DONE"],
  ] as const) {
    const moved = await server.gql(UpdateBidSectionDocument, { input: { sectionId, expectedVersion, status } }, token);
    expect(moved.errors).toBeUndefined();
  }
  await server.gql(
    AddBidPriceLineDocument,
    { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, description: "Impression", quantity: 1000, unitPrice: 0.35 } },
    token,
  );
  await server.gql(
    AddBidPriceLineDocument,
    { input: { bidId: ids.bidId, lotId: w.lots[1]!.gid, memberId: ids.partnerMember, description: "Site", quantity: 12.5, unitPrice: 480 } },
    w.partner.token,
  );
  const review = await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: "IN_REVIEW", expectedVersion: 1 } }, token);
  expect(review.errors).toBeUndefined();
  return { ...ids, sectionId };
}

describe("creating a bid", () => {
  test("a member of the lead cooperative creates it: DRAFT, lead member ACCEPTED, event 1 in the log", async () => {
    const w = await createWorld(server);
    const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "SOLIDAIRE", title: "Offre A" });
    expect(bid).toMatchObject({ status: "DRAFT", version: 1, headSeq: 1, title: "Offre A", groupType: "SOLIDAIRE", viewerIsLead: true });
    expect(bid.members).toEqual([expect.objectContaining({ role: "LEAD", status: "ACCEPTED", cooperative: { id: w.coopA.gid, name: "Atelier A" } })]);
    const log = await server.gql(BidEventsPageDocument, { id: bid.id }, w.lead.token);
    expect(log.data?.bid!.events.edges.map((e) => [e.node.seq, e.node.type, e.node.actorId])).toEqual([[1, "BID_CREATED", w.lead.globalId]]);
  });

  test("one cooperative leads at most one bid per tender: CONFLICT, nothing written", async () => {
    const w = await createWorld(server);
    await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
    const before = await countRows(server, "bids");
    const again = await server.gql(
      CreateBidDocument,
      { input: { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "SOLIDAIRE" } },
      w.lead.token,
    );
    expect(codes(again)).toEqual(["CONFLICT"]);
    expect(await countRows(server, "bids")).toBe(before);
    // Another cooperative may lead its own bid on the same tender.
    await createBid(server, w.rival.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopR.gid, groupType: "CONJOINT" });
  });

  test("only a person of the lead cooperative creates its bid", async () => {
    const w = await createWorld(server);
    const result = await server.gql(
      CreateBidDocument,
      { input: { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" } },
      w.partner.token,
    );
    expect(codes(result)).toEqual(["FORBIDDEN"]);
    const officer = await server.gql(
      CreateBidDocument,
      { input: { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" } },
      w.officer.token,
    );
    expect(codes(officer)).toEqual(["FORBIDDEN"]);
  });

  test("no bid after the tender's deadline, nor on a tender that is not OPEN", async () => {
    const late = await createWorld(server, { deadline: new Date(Date.now() - 3600_000) });
    const result = await server.gql(
      CreateBidDocument,
      { input: { tenderId: late.tender.gid, leadCooperativeId: late.coopA.gid, groupType: "CONJOINT" } },
      late.lead.token,
    );
    expect(codes(result)).toEqual(["INVALID_STATE"]);
    const closed = await createWorld(server, { status: TenderStatus.CLOSED });
    const result2 = await server.gql(
      CreateBidDocument,
      { input: { tenderId: closed.tender.gid, leadCooperativeId: closed.coopA.gid, groupType: "CONJOINT" } },
      closed.lead.token,
    );
    expect(codes(result2)).toEqual(["INVALID_STATE"]);
  });

  test("any group legal form may bid: the form the buyer requires applies after award", async () => {
    // Solidaire is stricter than the "conjoint with a solidary lead" the buyer asks for.
    const w = await createWorld(server, { groupLegalForm: "Groupement conjoint avec mandataire solidaire" });
    const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "SOLIDAIRE" });
    expect(bid.groupType).toBe("SOLIDAIRE");
    const change = await server.gql(UpdateBidDocument, { input: { bidId: bid.id, expectedVersion: 1, groupType: "CONJOINT" } }, w.lead.token);
    expect(change.errors).toBeUndefined();
    expect(change.data?.updateBid.groupType).toBe("CONJOINT");
  });

  test("a retried createBid with the same clientMutationId returns the same bid and writes nothing", async () => {
    const w = await createWorld(server);
    const id = cmid();
    const input = { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" as const, clientMutationId: id };
    const first = await createBid(server, w.lead.token, input);
    const [bids, log] = [await countRows(server, "bids"), await events()];
    const retry = await createBid(server, w.lead.token, input);
    expect(retry.id).toBe(first.id);
    expect([await countRows(server, "bids"), await events()]).toEqual([bids, log]);
  });
});

describe("composition", () => {
  test("the lead invites; the invited cooperative reads and edits, then accepts or declines; the lead removes a member", async () => {
    const w = await createWorld(server);
    const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
    const b = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
    const c = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopC.gid, role: "SUBCONTRACTOR" } }, w.lead.token);
    expect(b.data?.inviteBidMember).toMatchObject({ status: "INVITED", role: "MEMBER" });
    const twice = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
    expect(codes(twice)).toEqual(["CONFLICT"]);
    // Invited: reads and edits, but does not invite.
    expect((await server.gql(BidBriefDocument, { id: bid.id }, w.partner.token)).data?.bid!.status).toBe("DRAFT");
    const section = await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Références" } }, w.partner.token);
    expect(section.errors).toBeUndefined();
    const byPartner = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopR.gid } }, w.partner.token);
    expect(codes(byPartner)).toEqual(["FORBIDDEN"]);
    // Only the invited cooperative answers.
    const wrongAnswer = await server.gql(AnswerBidInvitationDocument, { input: { memberId: b.data!.inviteBidMember.id, accept: true } }, w.third.token);
    expect(codes(wrongAnswer)).toEqual(["FORBIDDEN"]);
    const accepted = await server.gql(AnswerBidInvitationDocument, { input: { memberId: b.data!.inviteBidMember.id, accept: true } }, w.partner.token);
    expect(accepted.data?.answerBidInvitation.status).toBe("ACCEPTED");
    const again = await server.gql(AnswerBidInvitationDocument, { input: { memberId: b.data!.inviteBidMember.id, accept: false } }, w.partner.token);
    expect(codes(again)).toEqual(["INVALID_STATE"]);
    const declined = await server.gql(AnswerBidInvitationDocument, { input: { memberId: c.data!.inviteBidMember.id, accept: false } }, w.third.token);
    expect(declined.data?.answerBidInvitation.status).toBe("DECLINED");
    expect(codes(await server.gql(BidBriefDocument, { id: bid.id }, w.third.token))).toEqual(["NOT_FOUND"]);
    // The lead removes B (expected version 2 after the acceptance); B loses access at once.
    const stale = await server.gql(RemoveBidMemberDocument, { input: { memberId: b.data!.inviteBidMember.id, expectedVersion: 1 } }, w.lead.token);
    expect(codes(stale)).toEqual(["CONFLICT"]);
    expect(stale.errors?.[0]?.extensions?.current).toMatchObject({ version: 2, status: "ACCEPTED" });
    const removed = await server.gql(RemoveBidMemberDocument, { input: { memberId: b.data!.inviteBidMember.id, expectedVersion: 2 } }, w.lead.token);
    expect(removed.data?.removeBidMember.status).toBe("REMOVED");
    expect(codes(await server.gql(BidBriefDocument, { id: bid.id }, w.partner.token))).toEqual(["NOT_FOUND"]);
    // The lead cannot be removed; a removed cooperative may be invited again.
    const leadRemoval = await server.gql(RemoveBidMemberDocument, { input: { memberId: bid.members[0]!.id, expectedVersion: 1 } }, w.lead.token);
    expect(codes(leadRemoval)).toEqual(["INVALID_STATE"]);
    const reinvite = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
    expect(reinvite.data?.inviteBidMember).toMatchObject({ status: "INVITED", version: 4 });
  });

  test("the composition changes only while the bid is a DRAFT", async () => {
    const w = await createWorld(server);
    const ids = await draftWithPartner(w);
    await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: "IN_REVIEW", expectedVersion: 1 } }, w.lead.token);
    const invite = await server.gql(InviteBidMemberDocument, { input: { bidId: ids.bidId, cooperativeId: w.coopC.gid } }, w.lead.token);
    expect(codes(invite)).toEqual(["INVALID_STATE"]);
    const remove = await server.gql(RemoveBidMemberDocument, { input: { memberId: ids.partnerMember, expectedVersion: 2 } }, w.lead.token);
    expect(codes(remove)).toEqual(["INVALID_STATE"]);
  });
});

describe("who sees a bid", () => {
  test("a competing cooperative and an outsider get exactly what a missing bid gives, on every path; officers and admins read", async () => {
    const w = await createWorld(server);
    const ids = await completeBid(w);
    const rivalBid = await createBid(server, w.rival.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopR.gid, groupType: "CONJOINT" });
    const missing = toGlobalId("Bid", randomUUID());
    for (const viewer of [w.rival, w.outsider]) {
      const real = await server.gql(BidDocument, { id: ids.bidId }, viewer.token);
      const absent = await server.gql(BidDocument, { id: missing }, viewer.token);
      expect(codes(real)).toEqual(["NOT_FOUND"]);
      expect(real.errors?.[0]?.message.replace(ids.bidId, "X")).toBe(absent.errors?.[0]?.message.replace(missing, "X"));
      for (const id of [ids.bidId, ids.sectionId, ids.partnerMember, ids.leadMember]) {
        expect((await server.gql(BidNodeDocument, { id }, viewer.token)).data?.node).toBeNull();
      }
      const tenderBids = await server.gql(TenderBidsDocument, { id: w.tender.gid }, viewer.token);
      const listed = tenderBids.data?.tender?.bids.edges.map((e) => e.node.id) ?? [];
      expect(listed).not.toContain(ids.bidId);
      const coopBids = await server.gql(CooperativeBidsDocument, { id: w.coopA.gid }, viewer.token);
      expect(coopBids.data?.cooperative!.bids).toEqual({ totalCount: 0, edges: [] });
      const all = await server.gql(BidsDocument, { first: 100 }, viewer.token);
      expect(all.data?.bids.edges.map((e) => e.node.id)).not.toContain(ids.bidId);
      // Mutations: NOT_FOUND as well, and nothing written.
      const before = await events();
      const edit = await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "x" } }, viewer.token);
      const text = await server.gql(ApplySectionUpdateDocument, { input: { sectionId: ids.sectionId, update: yUpdate("spy") } }, viewer.token);
      const beat = await server.gql(BidPresenceHeartbeatDocument, { input: { bidId: ids.bidId } }, viewer.token);
      expect([codes(edit), codes(text), codes(beat)]).toEqual([["NOT_FOUND"], ["NOT_FOUND"], ["NOT_FOUND"]]);
      expect(await events()).toBe(before);
    }
    // The rival sees its own bid only.
    const rivalList = await server.gql(TenderBidsDocument, { id: w.tender.gid }, w.rival.token);
    expect(rivalList.data?.tender!.bids.edges.map((e) => e.node.id)).toEqual([rivalBid.id]);
    for (const staff of [w.officer, w.admin]) {
      expect((await server.gql(BidBriefDocument, { id: ids.bidId }, staff.token)).data?.bid!.status).toBe("IN_REVIEW");
      const list = await server.gql(TenderBidsDocument, { id: w.tender.gid }, staff.token);
      expect(list.data?.tender!.bids.totalCount).toBe(2);
      const edit = await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "x" } }, staff.token);
      expect(codes(edit)).toEqual(["FORBIDDEN"]);
      const type = await server.gql(ApplySectionUpdateDocument, { input: { sectionId: ids.sectionId, update: yUpdate("staff") } }, staff.token);
      expect(codes(type)).toEqual(["FORBIDDEN"]);
    }
    // Members list their bids through the cooperative and the filtered connection.
    const mine = await server.gql(CooperativeBidsDocument, { id: w.coopB.gid }, w.partner.token);
    expect(mine.data?.cooperative!.bids.edges.map((e) => e.node.id)).toEqual([ids.bidId]);
    const filtered = await server.gql(BidsDocument, { filter: { tenderId: w.tender.gid, status: ["IN_REVIEW"] } }, w.lead.token);
    expect(filtered.data?.bids.edges.map((e) => e.node.id)).toEqual([ids.bidId]);
  });
});

describe("the event log", () => {
  test("every change appends one event with a gapless seq; the log pages by cursor", async () => {
    const w = await createWorld(server);
    const ids = await completeBid(w);
    const head = (await server.gql(BidBriefDocument, { id: ids.bidId }, w.lead.token)).data!.bid!.headSeq;
    const seqs: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: GqlResult<BidEventsPageQuery> = await server.gql(BidEventsPageDocument, { id: ids.bidId, first: 3, after }, w.partner.token);
      const connection: NonNullable<BidEventsPageQuery["bid"]>["events"] = page.data!.bid!.events;
      seqs.push(...connection.edges.map((e) => e.node.seq));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    const tail = await server.gql(BidEventsPageDocument, { id: ids.bidId, afterSeq: head - 2 }, w.lead.token);
    expect(tail.data?.bid!.events.edges.map((e) => e.node.type)).toEqual(["PRICE_LINE_ADDED", "STATUS_CHANGED"]);
    const tooMany = await server.gql(BidEventsPageDocument, { id: ids.bidId, first: 101 }, w.lead.token);
    expect(field(tooMany)).toBe("first");
  });

  test("a retried mutation with the same clientMutationId returns the first result and appends nothing", async () => {
    const w = await createWorld(server);
    const ids = await draftWithPartner(w);
    const id = cmid();
    const input = {
      bidId: ids.bidId,
      lotId: w.lots[0]!.gid,
      memberId: ids.partnerMember,
      description: "Papier",
      quantity: 2,
      unitPrice: 10,
      clientMutationId: id,
    };
    const first = await server.gql(AddBidPriceLineDocument, { input }, w.partner.token);
    const before = [await events(), await countRows(server, "bid_price_lines")];
    const retry = await server.gql(AddBidPriceLineDocument, { input }, w.partner.token);
    expect(retry.data?.addBidPriceLine.id).toBe(first.data?.addBidPriceLine.id);
    // Even a retry whose expectedVersion has gone stale since returns the first result.
    const update = { priceLineId: first.data!.addBidPriceLine.id, expectedVersion: 1, quantity: 3, clientMutationId: cmid() };
    const updated = await server.gql(UpdateBidPriceLineDocument, { input: update }, w.partner.token);
    expect(updated.data?.updateBidPriceLine).toMatchObject({ version: 2, total: 30 });
    const replay = await server.gql(UpdateBidPriceLineDocument, { input: update }, w.partner.token);
    expect(replay.data?.updateBidPriceLine).toMatchObject({ version: 2, total: 30 });
    const text = {
      sectionId: (await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "S" } }, w.lead.token)).data!.addBidSection.id,
      update: yUpdate("once"),
      clientMutationId: cmid(),
    };
    const applied = await server.gql(ApplySectionUpdateDocument, { input: text }, w.lead.token);
    const reapplied = await server.gql(ApplySectionUpdateDocument, { input: text }, w.lead.token);
    expect(reapplied.data?.applySectionUpdate.seq).toBe(applied.data?.applySectionUpdate.seq);
    expect([await events(), await countRows(server, "bid_price_lines")]).toEqual([before[0]! + 3, before[1]]);
    // Someone else reusing the id is refused.
    const stolen = await server.gql(AddBidPriceLineDocument, { input }, w.lead.token);
    expect(field(stolen)).toBe("input.clientMutationId");
    // Concurrent retries: one event.
    const racing = { ...input, clientMutationId: cmid() };
    const results = await Promise.all([1, 2, 3, 4].map(() => server.gql(AddBidPriceLineDocument, { input: racing }, w.partner.token)));
    expect(new Set(results.map((r) => r.data?.addBidPriceLine.id)).size).toBe(1);
    const rows = await server.orm.em.fork().execute("SELECT count(*)::int AS n FROM bid_events WHERE client_mutation_id = ?", [racing.clientMutationId]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  test("a stale expectedVersion gets CONFLICT with the current state, and changes nothing", async () => {
    const w = await createWorld(server);
    const ids = await draftWithPartner(w);
    const section = (await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "Moyens" } }, w.lead.token)).data!.addBidSection;
    // The lead's section (no assignee): the lead edits it; the stale writer below is the lead too.
    await server.gql(UpdateBidSectionDocument, { input: { sectionId: section.id, expectedVersion: 1, title: "Moyens humains" } }, w.lead.token);
    const before = await events();
    const stale = await server.gql(
      UpdateBidSectionDocument,
      { input: { sectionId: section.id, expectedVersion: 1, title: "Moyens techniques" } },
      w.lead.token,
    );
    expect(codes(stale)).toEqual(["CONFLICT"]);
    expect(stale.errors?.[0]?.extensions?.current).toMatchObject({ id: section.id, version: 2, title: "Moyens humains" });
    const assign = await server.gql(
      AssignBidLotDocument,
      { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, expectedVersion: 0 } },
      w.lead.token,
    );
    expect(assign.data?.assignBidLot.version).toBe(1);
    const staleAssign = await server.gql(
      AssignBidLotDocument,
      { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.partnerMember, expectedVersion: 0 } },
      w.partner.token,
    );
    expect(staleAssign.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", current: { version: 1, memberId: ids.leadMember } });
    const line = (
      await server.gql(
        AddBidPriceLineDocument,
        { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, description: "x", quantity: 1, unitPrice: 1 } },
        w.lead.token,
      )
    ).data!.addBidPriceLine;
    const staleRemove = await server.gql(RemoveBidPriceLineDocument, { input: { priceLineId: line.id, expectedVersion: 7 } }, w.lead.token);
    expect(staleRemove.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", current: { version: 1 } });
    const staleBid = await server.gql(UpdateBidDocument, { input: { bidId: ids.bidId, expectedVersion: 9, title: "Nouveau" } }, w.lead.token);
    expect(staleBid.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", current: { version: 1, title: "Impression de brochures" } });
    const staleSectionRemoval = await server.gql(RemoveBidSectionDocument, { input: { sectionId: section.id, expectedVersion: 1 } }, w.lead.token);
    expect(codes(staleSectionRemoval)).toEqual(["CONFLICT"]);
    expect(await events()).toBe(before + 2);
  });
});

describe("lifecycle", () => {
  const cases: [string, BidStatus[], BidStatus, "lead" | "officer", string | null][] = [
    ["DRAFT → IN_REVIEW", [], "IN_REVIEW", "lead", null],
    ["IN_REVIEW → DRAFT", ["IN_REVIEW"], "DRAFT", "lead", null],
    ["DRAFT → WITHDRAWN", [], "WITHDRAWN", "lead", null],
    ["DRAFT → SUBMITTED skips the review", [], "SUBMITTED", "lead", "INVALID_STATE"],
    ["DRAFT → WON", [], "WON", "officer", "INVALID_STATE"],
    ["WITHDRAWN is final", ["WITHDRAWN"], "DRAFT", "lead", "INVALID_STATE"],
    ["a member may not send to review", [], "IN_REVIEW", "officer", "FORBIDDEN"],
  ];
  test.each(cases)("%s", async (_name, path, to, who, error) => {
    const w = await createWorld(server);
    const ids = await draftWithPartner(w);
    let version = 1;
    for (const step of path) {
      const r = await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: step, expectedVersion: version } }, w.lead.token);
      version = r.data!.transitionBid.version;
    }
    const token = who === "lead" ? w.lead.token : w.officer.token;
    const result = await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: to, expectedVersion: version } }, token);
    if (error) expect(codes(result)).toEqual([error]);
    else expect(result.data?.transitionBid).toMatchObject({ status: to, version: version + 1 });
  });

  test("a partner may not change the status; WON and LOST are recorded by officers after submission", async () => {
    const w = await createWorld(server);
    const ids = await completeBid(w);
    const byPartner = await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: "WITHDRAWN", expectedVersion: 2 } }, w.partner.token);
    expect(codes(byPartner)).toEqual(["FORBIDDEN"]);
    const submitted = await server.gql(SubmitBidDocument, { input: { bidId: ids.bidId, expectedVersion: 2 } }, w.lead.token);
    expect(submitted.data?.submitBid.status).toBe("SUBMITTED");
    const byLead = await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: "WON", expectedVersion: 3 } }, w.lead.token);
    expect(codes(byLead)).toEqual(["FORBIDDEN"]);
    const won = await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: "WON", expectedVersion: 3 } }, w.officer.token);
    expect(won.data?.transitionBid.status).toBe("WON");
    const lost = await server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: "LOST", expectedVersion: 4 } }, w.officer.token);
    expect(codes(lost)).toEqual(["INVALID_STATE"]);
  });
});

describe("submission", () => {
  test("checks completeness, then freezes composition and content and keeps a snapshot that later reads return", async () => {
    const w = await createWorld(server);
    const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
    await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
    await server.gql(TransitionBidDocument, { input: { bidId: bid.id, status: "IN_REVIEW", expectedVersion: 1 } }, w.lead.token);
    const incomplete = await server.gql(SubmitBidDocument, { input: { bidId: bid.id, expectedVersion: 2 } }, w.lead.token);
    expect(codes(incomplete)).toEqual(["INVALID_STATE"]);
    const issues = (incomplete.errors?.[0]?.extensions?.issues as { code: string }[]).map((i) => i.code).sort();
    expect(issues).toEqual(["LOT_UNASSIGNED", "LOT_UNASSIGNED", "LOT_UNPRICED", "LOT_UNPRICED", "MEMBER_NOT_ACCEPTED", "NO_SECTION"]);
    expect((await server.gql(BidBriefDocument, { id: bid.id }, w.lead.token)).data?.bid!.status).toBe("IN_REVIEW");

    const w2 = await createWorld(server);
    const ids = await completeBid(w2);
    const ready = await server.gql(BidDocument, { id: ids.bidId }, w2.partner.token);
    expect(ready.data?.bid!.completeness).toEqual([]);
    expect(ready.data?.bid!.totals).toEqual({
      total: 6350,
      perLot: [
        { lot: { id: w2.lots[0]!.gid }, total: 350 },
        { lot: { id: w2.lots[1]!.gid }, total: 6000 },
      ],
      perMember: [
        { member: { id: ids.leadMember }, total: 350 },
        { member: { id: ids.partnerMember }, total: 6000 },
      ],
    });
    const byPartner = await server.gql(SubmitBidDocument, { input: { bidId: ids.bidId, expectedVersion: 2 } }, w2.partner.token);
    expect(codes(byPartner)).toEqual(["FORBIDDEN"]);
    const submitted = await server.gql(SubmitBidDocument, { input: { bidId: ids.bidId, expectedVersion: 2 } }, w2.lead.token);
    expect(submitted.data?.submitBid).toMatchObject({ status: "SUBMITTED", version: 3 });
    const snapshot = submitted.data!.submitBid.snapshot as Record<string, unknown>;
    expect(snapshot).toMatchObject({
      groupType: "CONJOINT",
      sections: [expect.objectContaining({ title: "Méthodologie", status: "DONE", text: "Notre méthode." })],
      totals: { total: 6350 },
    });
    expect((snapshot.members as unknown[]).length).toBe(2);
    // Frozen: no content or composition change any more.
    const before = await events();
    const attempts = [
      await server.gql(ApplySectionUpdateDocument, { input: { sectionId: ids.sectionId, update: yUpdate("late") } }, w2.partner.token),
      await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "late" } }, w2.lead.token),
      await server.gql(
        AddBidPriceLineDocument,
        { input: { bidId: ids.bidId, lotId: w2.lots[0]!.gid, memberId: ids.leadMember, description: "x", quantity: 1, unitPrice: 1 } },
        w2.lead.token,
      ),
      await server.gql(InviteBidMemberDocument, { input: { bidId: ids.bidId, cooperativeId: w2.coopC.gid } }, w2.lead.token),
      await server.gql(RemoveBidMemberDocument, { input: { memberId: ids.partnerMember, expectedVersion: 2 } }, w2.lead.token),
      await server.gql(UpdateBidDocument, { input: { bidId: ids.bidId, expectedVersion: 3, title: "late" } }, w2.lead.token),
    ];
    expect(attempts.map(codes)).toEqual(Array(6).fill(["INVALID_STATE"]));
    expect(await events()).toBe(before);
    const later = await server.gql(BidDocument, { id: ids.bidId }, w2.officer.token);
    expect(later.data?.bid!.snapshot).toEqual(snapshot);
    expect(later.data?.bid!.submittedAt).toBeTruthy();
    expect(later.data?.bid!.sections[0]?.text).toBe("Notre méthode.");
  });

  test("no submission after the tender's deadline", async () => {
    const w = await createWorld(server);
    const ids = await completeBid(w);
    await server.orm.em.fork().execute("UPDATE tenders SET submission_deadline = now() - interval '1 minute' WHERE id = ?", [w.tender.id]);
    const result = await server.gql(SubmitBidDocument, { input: { bidId: ids.bidId, expectedVersion: 2 } }, w.lead.token);
    expect(codes(result)).toEqual(["INVALID_STATE"]);
    expect(result.errors?.[0]?.message).toMatch(/deadline/);
  });
});

describe("sections", () => {
  test("state, diff against a state vector and text projection; compaction into a snapshot every 50 updates", async () => {
    const w = await createWorld(server);
    const ids = await draftWithPartner(w);
    // Assigned to the partner's person, who types the text.
    const sectionId = (await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "S", assigneeId: w.partner.globalId } }, w.lead.token)).data!
      .addBidSection.id;
    const doc = new Y.Doc();
    const ytext = doc.getText("content");
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 60; i++) ytext.insert(ytext.length, `${i % 10}`);
    for (const u of updates) {
      const r = await server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: Buffer.from(u).toString("base64") } }, w.partner.token);
      expect(r.errors).toBeUndefined();
    }
    // Compacted once 50 updates were pending (in the background: wait for it).
    const row = await until(
      async () => {
        const [section] = await server.orm.em
          .fork()
          .execute<{ snapshot_seq: number; snapshot_text: string }[]>("SELECT snapshot_seq, snapshot_text FROM bid_sections WHERE id = ?", [
            fromGlobalId(sectionId)!.id,
          ]);
        return section && section.snapshot_seq !== 0 ? section : undefined;
      },
      { label: "the section's compaction (snapshot_seq set)", timeoutMs: 5000, intervalMs: 50 },
    );
    expect(row.snapshot_text.length).toBeGreaterThanOrEqual(50);
    expect(ytext.toString().startsWith(row.snapshot_text)).toBe(true);
    // The updates after the snapshot are exactly the characters it does not hold yet.
    const after = await server.orm.em
      .fork()
      .execute<{ n: string }[]>("SELECT count(*) AS n FROM bid_events WHERE section_id = ? AND type = 'SECTION_TEXT_UPDATED' AND seq > ?", [
        fromGlobalId(sectionId)!.id,
        row.snapshot_seq,
      ]);
    expect(Number(after[0]!.n)).toBe(60 - row.snapshot_text.length);
    const state = await server.gql(SectionStateDocument, { id: sectionId }, w.lead.token);
    const section = state.data?.node as { text: string; state: string; seq: number };
    expect(section.text).toBe(ytext.toString());
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Buffer.from(section.state, "base64"));
    expect(fresh.getText("content").toString()).toBe(ytext.toString());
    // A client that has the first 20 characters asks for the rest.
    const partial = new Y.Doc();
    for (const u of updates.slice(0, 20)) Y.applyUpdate(partial, u);
    const vector = Buffer.from(Y.encodeStateVector(partial)).toString("base64");
    const diff = await server.gql(SectionDiffDocument, { id: sectionId, stateVector: vector }, w.lead.token);
    Y.applyUpdate(partial, Buffer.from((diff.data?.node as { diff: string }).diff, "base64"));
    expect(partial.getText("content").toString()).toBe(ytext.toString());
    const badVector = await server.gql(SectionDiffDocument, { id: sectionId, stateVector: "%%%" }, w.lead.token);
    expect(field(badVector)).toBe("stateVector");
  });
});

describe("concurrent text updates", () => {
  test("share commits but each gets its own event and seq; a clientMutationId reused by someone else at the same moment is refused", async () => {
    const w = await createWorld(server);
    const ids = await draftWithPartner(w);
    // Assigned to the partner's person: the lead and the partner both type into it.
    const sectionId = (await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "S", assigneeId: w.partner.globalId } }, w.lead.token)).data!
      .addBidSection.id;
    const before = (await server.gql(BidBriefDocument, { id: ids.bidId }, w.lead.token)).data!.bid!.headSeq;
    const shared = cmid();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        server.gql(
          ApplySectionUpdateDocument,
          { input: { sectionId, update: yUpdate(`<${i}>`), clientMutationId: i < 2 ? shared : cmid() } },
          i % 2 ? w.lead.token : w.partner.token,
        ),
      ),
    );
    const seqs = results.map((r) => r.data?.applySectionUpdate.seq);
    expect(results.filter((r) => r.errors).map((r) => field(r))).toEqual(["input.clientMutationId"]);
    expect(new Set(seqs.filter((x) => x !== undefined)).size).toBe(39);
    expect((await server.gql(BidBriefDocument, { id: ids.bidId }, w.lead.token)).data!.bid!.headSeq).toBe(before + 39);
  });
});

describe("bad input names the field and writes nothing", () => {
  test("every mutation", async () => {
    const w = await createWorld(server);
    const ids = await draftWithPartner(w);
    const sectionId = (await server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "S" } }, w.lead.token)).data!.addBidSection.id;
    const lineId = (
      await server.gql(
        AddBidPriceLineDocument,
        { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, description: "x", quantity: 1, unitPrice: 1 } },
        w.lead.token,
      )
    ).data!.addBidPriceLine.id;
    const t = w.lead.token;
    const otherLot = toGlobalId("Lot", randomUUID());
    const before = [await events(), await countRows(server, "bids"), await countRows(server, "bid_sections"), await countRows(server, "bid_price_lines")];
    const cases: [Promise<Errors>, string][] = [
      [
        server.gql(CreateBidDocument, { input: { tenderId: "nope", leadCooperativeId: w.coopB.gid, groupType: "CONJOINT" } }, w.partner.token),
        "input.tenderId",
      ],
      [
        server.gql(CreateBidDocument, { input: { tenderId: w.tender.gid, leadCooperativeId: w.tender.gid, groupType: "CONJOINT" } }, w.partner.token),
        "input.leadCooperativeId",
      ],
      [
        server.gql(
          CreateBidDocument,
          { input: { tenderId: w.tender.gid, leadCooperativeId: w.coopB.gid, groupType: "CONJOINT", title: "  " } },
          w.partner.token,
        ),
        "input.title",
      ],
      [
        server.gql(
          CreateBidDocument,
          { input: { tenderId: w.tender.gid, leadCooperativeId: w.coopB.gid, groupType: "CONJOINT", clientMutationId: "" } },
          w.partner.token,
        ),
        "input.clientMutationId",
      ],
      [server.gql(UpdateBidDocument, { input: { bidId: ids.bidId, expectedVersion: 1, title: "x".repeat(301) } }, t), "input.title"],
      [server.gql(UpdateBidDocument, { input: { bidId: "x", expectedVersion: 1 } }, t), "input.bidId"],
      [server.gql(TransitionBidDocument, { input: { bidId: ids.bidId, status: "IN_REVIEW", expectedVersion: -1 } }, t), "input.expectedVersion"],
      [server.gql(SubmitBidDocument, { input: { bidId: ids.leadMember, expectedVersion: 1 } }, t), "input.bidId"],
      [server.gql(InviteBidMemberDocument, { input: { bidId: ids.bidId, cooperativeId: w.coopC.gid, role: "LEAD" } }, t), "input.role"],
      [server.gql(InviteBidMemberDocument, { input: { bidId: ids.bidId, cooperativeId: toGlobalId("Cooperative", randomUUID()) } }, t), "input.cooperativeId"],
      [server.gql(AnswerBidInvitationDocument, { input: { memberId: "zz", accept: true } }, t), "input.memberId"],
      [server.gql(RemoveBidMemberDocument, { input: { memberId: ids.bidId, expectedVersion: 1 } }, t), "input.memberId"],
      [server.gql(AssignBidLotDocument, { input: { bidId: ids.bidId, lotId: otherLot, memberId: ids.leadMember, expectedVersion: 0 } }, t), "input.lotId"],
      [
        server.gql(
          AssignBidLotDocument,
          { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: toGlobalId("BidMember", randomUUID()), expectedVersion: 0 } },
          t,
        ),
        "input.memberId",
      ],
      [server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "" } }, t), "input.title"],
      [server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "ok", position: -3 } }, t), "input.position"],
      [server.gql(AddBidSectionDocument, { input: { bidId: ids.bidId, title: "ok", assigneeId: w.rival.globalId } }, t), "input.assigneeId"],
      [server.gql(UpdateBidSectionDocument, { input: { sectionId, expectedVersion: 1, title: "a\u0001b" } }, t), "input.title"],
      [
        server.gql(UpdateBidSectionDocument, { input: { sectionId, expectedVersion: 1, assigneeId: w.lead.globalId, clearAssignee: true } }, t),
        "input.clearAssignee",
      ],
      [server.gql(RemoveBidSectionDocument, { input: { sectionId: "bad", expectedVersion: 1 } }, t), "input.sectionId"],
      [server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: "not base64!" } }, t), "input.update"],
      [server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: Buffer.from("hello world, not yjs").toString("base64") } }, t), "input.update"],
      [server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: "AAA=" } }, t), "input.update"],
      [server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: Buffer.alloc(70_000, 1).toString("base64") } }, t), "input.update"],
      [
        server.gql(
          AddBidPriceLineDocument,
          { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, description: "x", quantity: 0, unitPrice: 1 } },
          t,
        ),
        "input.quantity",
      ],
      [
        server.gql(
          AddBidPriceLineDocument,
          { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, description: "x", quantity: 1, unitPrice: 1.005 } },
          t,
        ),
        "input.unitPrice",
      ],
      [
        server.gql(
          AddBidPriceLineDocument,
          { input: { bidId: ids.bidId, lotId: w.lots[0]!.gid, memberId: ids.leadMember, description: "", quantity: 1, unitPrice: 1 } },
          t,
        ),
        "input.description",
      ],
      [
        server.gql(
          AddBidPriceLineDocument,
          { input: { bidId: ids.bidId, lotId: otherLot, memberId: ids.leadMember, description: "x", quantity: 1, unitPrice: 1 } },
          t,
        ),
        "input.lotId",
      ],
      [server.gql(UpdateBidPriceLineDocument, { input: { priceLineId: lineId, expectedVersion: 1, unitPrice: -1 } }, t), "input.unitPrice"],
      [server.gql(UpdateBidPriceLineDocument, { input: { priceLineId: lineId, expectedVersion: 1, quantity: 1.0001 } }, t), "input.quantity"],
      [server.gql(RemoveBidPriceLineDocument, { input: { priceLineId: "x", expectedVersion: 1 } }, t), "input.priceLineId"],
      [server.gql(BidPresenceHeartbeatDocument, { input: { bidId: ids.bidId, sectionId: ids.leadMember } }, t), "input.sectionId"],
    ];
    const results = await Promise.all(cases.map(([p]) => p));
    results.forEach((result, i) => {
      expect([i, codes(result), field(result)]).toEqual([i, ["BAD_USER_INPUT"], cases[i]![1]]);
    });
    expect([await events(), await countRows(server, "bids"), await countRows(server, "bid_sections"), await countRows(server, "bid_price_lines")]).toEqual(
      before,
    );
  });
});
