import { fromGlobalId } from "../../src/common/node";
import { Y } from "../../src/bids/sections/yjs";
import {
  AddBidPriceLineDocument,
  AddBidSectionFullDocument,
  AnswerBidInvitationDocument,
  ApplySectionUpdateDocument,
  BidLotsDocument,
  InviteBidMemberDocument,
  RemoveBidPriceLineDocument,
  UpdateBidPriceLineDocument,
  UpdateBidSectionFullDocument,
} from "../generated/graphql";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { changedTables, snapshot } from "../security/harness";
import { createBid, createWorld, type BidWorld } from "./bid-setup";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function yUpdate(text: string): string {
  const doc = new Y.Doc();
  doc.getText("content").insert(0, text);
  return Buffer.from(Y.encodeStateAsUpdate(doc)).toString("base64");
}

/** A's bid with B accepted: ids of the bid and of both members. */
async function group(w: BidWorld) {
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const partner = (await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token)).data!.inviteBidMember.id;
  await server.gql(AnswerBidInvitationDocument, { input: { memberId: partner, accept: true } }, w.partner.token);
  return { bidId: bid.id, lead: bid.members[0]!.id, partner };
}

async function line(bidId: string, lotId: string, memberId: string, token: string, unitPrice: number) {
  const result = await server.gql(AddBidPriceLineDocument, { input: { bidId, lotId, memberId, description: "Ligne", quantity: 1, unitPrice } }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.addBidPriceLine;
}

describe("price lines: each member its own, the lead all", () => {
  test("a partner setting the lead's 14,500 € line to 1 € is FORBIDDEN and writes nothing; its own line and the lead's edits pass", async () => {
    const w = await createWorld(server);
    const g = await group(w);
    const leadLine = await line(g.bidId, w.lots[0]!.gid, g.lead, w.lead.token, 14500);
    const partnerLine = await line(g.bidId, w.lots[1]!.gid, g.partner, w.partner.token, 6000);

    const before = await snapshot(server);
    const cut = await server.gql(UpdateBidPriceLineDocument, { input: { priceLineId: leadLine.id, expectedVersion: 1, unitPrice: 1 } }, w.partner.token);
    expect(codes(cut)).toEqual(["FORBIDDEN"]);
    const removed = await server.gql(RemoveBidPriceLineDocument, { input: { priceLineId: leadLine.id, expectedVersion: 1 } }, w.partner.token);
    expect(codes(removed)).toEqual(["FORBIDDEN"]);
    const forLead = await server.gql(
      AddBidPriceLineDocument,
      { input: { bidId: g.bidId, lotId: w.lots[0]!.gid, memberId: g.lead, description: "x", quantity: 1, unitPrice: 1 } },
      w.partner.token,
    );
    expect(codes(forLead)).toEqual(["FORBIDDEN"]);
    const moved = await server.gql(
      UpdateBidPriceLineDocument,
      { input: { priceLineId: partnerLine.id, expectedVersion: 1, memberId: g.lead } },
      w.partner.token,
    );
    expect(codes(moved)).toEqual(["FORBIDDEN"]);
    expect(changedTables(before, await snapshot(server))).toEqual([]);

    const own = await server.gql(UpdateBidPriceLineDocument, { input: { priceLineId: partnerLine.id, expectedVersion: 1, unitPrice: 5800 } }, w.partner.token);
    expect(own.data?.updateBidPriceLine.unitPrice).toBe(5800);
    const byLead = await server.gql(UpdateBidPriceLineDocument, { input: { priceLineId: partnerLine.id, expectedVersion: 2, unitPrice: 5900 } }, w.lead.token);
    expect(byLead.data?.updateBidPriceLine.unitPrice).toBe(5900);
  });
});

describe("sections: assigned ones to their member, all to the lead; review before DONE", () => {
  test("a partner edits the sections of its people only; a new section of the partner is its own", async () => {
    const w = await createWorld(server);
    const g = await group(w);
    const leads = (await server.gql(AddBidSectionFullDocument, { input: { bidId: g.bidId, title: "Méthodologie" } }, w.lead.token)).data!.addBidSection;
    const before = await snapshot(server);
    const retitle = await server.gql(UpdateBidSectionFullDocument, { input: { sectionId: leads.id, expectedVersion: 1, title: "Volée" } }, w.partner.token);
    expect(codes(retitle)).toEqual(["FORBIDDEN"]);
    const start = await server.gql(
      UpdateBidSectionFullDocument,
      { input: { sectionId: leads.id, expectedVersion: 1, status: "IN_PROGRESS" } },
      w.partner.token,
    );
    expect(codes(start)).toEqual(["FORBIDDEN"]);
    const grab = await server.gql(
      UpdateBidSectionFullDocument,
      { input: { sectionId: leads.id, expectedVersion: 1, assigneeId: w.partner.globalId } },
      w.partner.token,
    );
    expect(codes(grab)).toEqual(["FORBIDDEN"]);
    const foreign = await server.gql(AddBidSectionFullDocument, { input: { bidId: g.bidId, title: "x", assigneeId: w.lead.globalId } }, w.partner.token);
    expect(codes(foreign)).toEqual(["BAD_USER_INPUT"]);
    expect(changedTables(before, await snapshot(server))).toEqual([]);

    const own = (await server.gql(AddBidSectionFullDocument, { input: { bidId: g.bidId, title: "Site web", dueDate: "2027-01-15" } }, w.partner.token)).data!
      .addBidSection;
    expect(own).toMatchObject({ status: "TODO", dueDate: "2027-01-15", assignee: { id: w.partner.globalId } });
    const moved = await server.gql(
      UpdateBidSectionFullDocument,
      { input: { sectionId: own.id, expectedVersion: 1, status: "IN_PROGRESS", title: "Site web et SEO" } },
      w.partner.token,
    );
    expect(moved.data?.updateBidSection).toMatchObject({ status: "IN_PROGRESS", version: 2 });
    const badDate = await server.gql(
      UpdateBidSectionFullDocument,
      { input: { sectionId: own.id, expectedVersion: 2, dueDate: "2027-02-30" } },
      w.partner.token,
    );
    expect(badDate.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.dueDate" });
    // The lead edits every section.
    const byLead = await server.gql(UpdateBidSectionFullDocument, { input: { sectionId: own.id, expectedVersion: 2, clearDueDate: true } }, w.lead.token);
    expect(byLead.data?.updateBidSection).toMatchObject({ dueDate: null, version: 3 });
  });

  test("live text follows the same rule: a partner types only into the sections of its people, the lead into all", async () => {
    const w = await createWorld(server);
    const g = await group(w);
    const leads = (await server.gql(AddBidSectionFullDocument, { input: { bidId: g.bidId, title: "Méthodologie" } }, w.lead.token)).data!.addBidSection;
    const assigned = (
      await server.gql(AddBidSectionFullDocument, { input: { bidId: g.bidId, title: "Site web", assigneeId: w.partner.globalId } }, w.lead.token)
    ).data!.addBidSection;
    expect(assigned.assignee).toEqual({ id: w.partner.globalId });
    const bidEvents = async () =>
      (await server.orm.em.fork().execute<{ n: number }[]>("SELECT count(*)::int AS n FROM bid_events WHERE bid_id = ?", [fromGlobalId(g.bidId)!.id]))[0]!.n;

    // Into the lead's unassigned section: FORBIDDEN, no event, nothing written anywhere.
    const before = await snapshot(server);
    const eventsBefore = await bidEvents();
    const intrusion = await server.gql(ApplySectionUpdateDocument, { input: { sectionId: leads.id, update: yUpdate("Volé.") } }, w.partner.token);
    expect(codes(intrusion)).toEqual(["FORBIDDEN"]);
    expect(intrusion.errors?.[0]?.message).toMatch(/assigned to its people/);
    expect(await bidEvents()).toBe(eventsBefore);
    expect(changedTables(before, await snapshot(server))).toEqual([]);

    // Into the section assigned to its person: it passes, one event.
    const own = await server.gql(ApplySectionUpdateDocument, { input: { sectionId: assigned.id, update: yUpdate("Un site sobre.") } }, w.partner.token);
    expect(own.errors).toBeUndefined();
    expect(own.data?.applySectionUpdate.seq).toBe(eventsBefore + 1);
    expect(await bidEvents()).toBe(eventsBefore + 1);

    // The lead types into every section: its own and the partner's.
    for (const [sectionId, text] of [
      [leads.id, "Notre méthode."],
      [assigned.id, "Relu. "],
    ] as const) {
      const byLead = await server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: yUpdate(text) } }, w.lead.token);
      expect(byLead.errors).toBeUndefined();
    }
    expect(await bidEvents()).toBe(eventsBefore + 3);
    const texts = await server.orm.em
      .fork()
      .execute<{ section_id: string }[]>("SELECT section_id FROM bid_events WHERE bid_id = ? AND type = 'SECTION_TEXT_UPDATED' ORDER BY seq", [
        fromGlobalId(g.bidId)!.id,
      ]);
    expect(texts.map((r) => r.section_id)).toEqual([assigned.id, leads.id, assigned.id].map((id) => fromGlobalId(id)!.id));
  });

  test("DONE needs the review step, a text and the approval of the lead or of the named reviewer; changes requested go back", async () => {
    const w = await createWorld(server);
    const g = await group(w);
    const own = (await server.gql(AddBidSectionFullDocument, { input: { bidId: g.bidId, title: "Site web" } }, w.partner.token)).data!.addBidSection;
    const update = (version: number, status: "TODO" | "IN_PROGRESS" | "IN_REVIEW" | "DONE", token: string) =>
      server.gql(UpdateBidSectionFullDocument, { input: { sectionId: own.id, expectedVersion: version, status } }, token);

    // Today's bug: a member marking an empty section DONE at once.
    const before = await snapshot(server);
    expect(codes(await update(1, "DONE", w.partner.token))).toEqual(["INVALID_STATE"]);
    expect(codes(await update(1, "DONE", w.lead.token))).toEqual(["INVALID_STATE"]);
    expect(changedTables(before, await snapshot(server))).toEqual([]);

    expect((await update(1, "IN_PROGRESS", w.partner.token)).errors).toBeUndefined();
    expect((await update(2, "IN_REVIEW", w.partner.token)).errors).toBeUndefined();
    // The partner may not approve its own section, and an empty one is not DONE even for the lead.
    expect(codes(await update(3, "DONE", w.partner.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await update(3, "DONE", w.lead.token))).toEqual(["INVALID_STATE"]);
    // Changes requested by the lead.
    expect((await update(3, "IN_PROGRESS", w.lead.token)).data?.updateBidSection.status).toBe("IN_PROGRESS");
    await server.gql(ApplySectionUpdateDocument, { input: { sectionId: own.id, update: yUpdate("Un site sobre et accessible.") } }, w.partner.token);
    expect((await update(4, "IN_REVIEW", w.partner.token)).errors).toBeUndefined();
    expect((await update(5, "DONE", w.lead.token)).data?.updateBidSection.status).toBe("DONE");

    // A named reviewer of another member approves a section of the lead; only the lead names reviewers.
    const leads = (
      await server.gql(AddBidSectionFullDocument, { input: { bidId: g.bidId, title: "Méthodologie", reviewerId: w.partner.globalId } }, w.lead.token)
    ).data!.addBidSection;
    expect(leads.reviewer).toEqual({ id: w.partner.globalId });
    const selfReview = await server.gql(
      UpdateBidSectionFullDocument,
      { input: { sectionId: own.id, expectedVersion: 6, reviewerId: w.partner.globalId } },
      w.partner.token,
    );
    expect(codes(selfReview)).toEqual(["FORBIDDEN"]);
    await server.gql(ApplySectionUpdateDocument, { input: { sectionId: leads.id, update: yUpdate("Notre méthode.") } }, w.lead.token);
    for (const [version, status] of [
      [1, "IN_PROGRESS"],
      [2, "IN_REVIEW"],
    ] as const) {
      expect(
        (await server.gql(UpdateBidSectionFullDocument, { input: { sectionId: leads.id, expectedVersion: version, status } }, w.lead.token)).errors,
      ).toBeUndefined();
    }
    const approved = await server.gql(UpdateBidSectionFullDocument, { input: { sectionId: leads.id, expectedVersion: 3, status: "DONE" } }, w.partner.token);
    expect(approved.data?.updateBidSection.status).toBe("DONE");

    const read = await server.gql(BidLotsDocument, { id: g.bidId }, w.lead.token);
    expect(read.data!.bid!.sections.map((s) => s.status)).toEqual(["DONE", "DONE"]);
  });
});
