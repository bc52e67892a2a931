import {
  AddBidSectionDocument,
  AnswerBidInvitationDocument,
  CloseTenderDocument,
  InboxDocument,
  InviteBidMemberDocument,
  RecordTenderOutcomeDocument,
  UpdateBidSectionDocument,
} from "../generated/graphql";
import { createBid, createWorld, secondPerson, type BidWorld } from "../bids/bid-setup";
import { buildBid, buildTender, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * The events of a bid's life reach the inbox of those concerned, through the real mutations: an
 * invitation into a bid, a section assigned and sent for review, an award.
 */

let server: TestServer;
let w: BidWorld;

beforeAll(async () => {
  server = await startTestServer();
  w = await createWorld(server);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

async function inbox(person: TestUser) {
  const result = await server.gql(InboxDocument, {}, person.token);
  expect(result.errors).toBeUndefined();
  return result.data!.viewer!.notifications.edges.map((e) => e.node);
}

test("an invitation into a bid, a section assigned, and a section sent for review reach their people", async () => {
  const bid = await createBid(server, w.lead.token, {
    tenderId: w.tender.gid,
    leadCooperativeId: w.coopA.gid,
    groupType: "CONJOINT",
    title: "Offre des ateliers",
  });
  const invited = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
  expect(invited.errors).toBeUndefined();
  expect(await inbox(w.partner)).toEqual([
    expect.objectContaining({
      kind: "BID_INVITATION",
      subjectId: invited.data!.inviteBidMember.id,
      text: expect.stringContaining("Offre des ateliers") as unknown,
    }),
  ]);
  // The one who invited is not told of their own act.
  expect((await inbox(w.lead)).filter((n) => n.kind === "BID_INVITATION")).toEqual([]);
  await server.gql(AnswerBidInvitationDocument, { input: { memberId: invited.data!.inviteBidMember.id, accept: true } }, w.partner.token);

  const writer = await secondPerson(server, w.coopA.id);
  const added = await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Méthodologie", assigneeId: writer.globalId } }, w.lead.token);
  expect(added.errors).toBeUndefined();
  const sectionId = added.data!.addBidSection.id;
  expect(await inbox(writer)).toEqual([
    expect.objectContaining({ kind: "SECTION_ASSIGNED", subjectId: sectionId, text: expect.stringContaining("Méthodologie") as unknown }),
  ]);

  for (const [expectedVersion, status] of [
    [1, "IN_PROGRESS"],
    [2, "IN_REVIEW"],
  ] as const) {
    const moved = await server.gql(UpdateBidSectionDocument, { input: { sectionId, expectedVersion, status } }, writer.token);
    expect(moved.errors).toBeUndefined();
  }
  // No reviewer named: the lead's people approve, and hear of it (the writer does not, having sent it).
  expect((await inbox(w.lead)).filter((n) => n.kind === "SECTION_REVIEW_REQUESTED")).toEqual([expect.objectContaining({ subjectId: sectionId })]);
  expect((await inbox(writer)).filter((n) => n.kind === "SECTION_REVIEW_REQUESTED")).toEqual([]);
});

test("an award reaches the people of the winning bid and of the losing one", async () => {
  const em = server.orm.em.fork();
  const tender = await buildTender(em, { title: "Charte graphique", createdById: w.officer.id });
  const winner = await buildBid(em, { tenderId: tender.id, cooperativeIds: [w.coopC.id] });
  await buildBid(em, { tenderId: tender.id, cooperativeIds: [w.coopR.id] });
  expect((await server.gql(CloseTenderDocument, { id: tender.gid }, w.officer.token)).errors).toBeUndefined();
  const recorded = await server.gql(
    RecordTenderOutcomeDocument,
    { tenderId: tender.gid, input: { result: "WON", bidId: winner.gid, awardedAmount: 12000, awardedAt: new Date().toISOString() } },
    w.officer.token,
  );
  expect(recorded.errors).toBeUndefined();
  expect((await inbox(w.third)).filter((n) => n.kind === "AWARD")).toEqual([
    expect.objectContaining({ subjectId: winner.gid, text: expect.stringContaining("Attribué à votre offre") as unknown }),
  ]);
  expect((await inbox(w.rival)).filter((n) => n.kind === "AWARD")).toEqual([
    expect.objectContaining({ text: expect.stringContaining("Non retenu") as unknown }),
  ]);
  expect((await inbox(w.outsider)).filter((n) => n.kind === "AWARD")).toEqual([]);
});
