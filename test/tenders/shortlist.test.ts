import { print } from "graphql";
import { PlatformRole } from "../../src/auth/roles";
import { INVITATIONS_CHANNEL } from "../../src/tenders/shortlist.service";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import {
  AnswerInvitationDocument,
  InvitationsDocument,
  ShortlistCooperativeDocument,
  TenderDocument,
  type InvitationsSubscription,
} from "../generated/graphql";
import { buildTender, countRows, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, listening, startTestServer, wsOnce, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";

let server: TestServer;
let officer: TestUser, m1: TestUser, m2: TestUser, client: TestUser;
let coopA: Awaited<ReturnType<typeof insertCooperative>>, coopB: Awaited<ReturnType<typeof insertCooperative>>;

beforeAll(async () => {
  server = await startTestServer();
  [officer, m1, m2, client] = await Promise.all([
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.CLIENT),
  ]);
  const em = server.orm.em.fork();
  coopA = await insertCooperative(em, { name: "Coop A", owner: m1 });
  coopB = await insertCooperative(em, { name: "Coop B", owner: m2 });
});
afterAll(async () => {
  await server.close();
});

describe("shortlist and invitations", () => {
  test("an officer shortlists cooperatives; members answer; the officer sees every answer, members only theirs", async () => {
    const tender = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN });
    const a = await server.gql(
      ShortlistCooperativeDocument,
      { input: { tenderId: tender.gid, cooperativeId: coopA.gid, note: "Imprimeur à 5 km" } },
      officer.token,
    );
    expect(a.errors).toBeUndefined();
    expect(a.data!.shortlistCooperative).toMatchObject({
      note: "Imprimeur à 5 km",
      answer: "INVITED",
      cooperative: { id: coopA.gid },
      tender: { id: tender.gid },
    });
    const b = await server.gql(ShortlistCooperativeDocument, { input: { tenderId: tender.gid, cooperativeId: coopB.gid } }, officer.token);
    // Shortlisting again updates the note only.
    const again = await server.gql(
      ShortlistCooperativeDocument,
      { input: { tenderId: tender.gid, cooperativeId: coopA.gid, note: "Proche du client" } },
      officer.token,
    );
    expect(again.data!.shortlistCooperative.id).toBe(a.data!.shortlistCooperative.id);

    const interested = await server.gql(AnswerInvitationDocument, { input: { invitationId: a.data!.shortlistCooperative.id, answer: "INTERESTED" } }, m1.token);
    expect(interested.data?.answerInvitation).toMatchObject({ answer: "INTERESTED" });
    expect(interested.data?.answerInvitation.answeredAt).toBeTruthy();
    await server.gql(AnswerInvitationDocument, { input: { invitationId: b.data!.shortlistCooperative.id, answer: "DECLINED" } }, m2.token);

    const staffView = (await server.gql(TenderDocument, { id: tender.gid }, officer.token)).data!.tender!.shortlist;
    expect(staffView.map((e) => [e.cooperative.name, e.answer, e.note])).toEqual([
      ["Coop A", "INTERESTED", "Proche du client"],
      ["Coop B", "DECLINED", null],
    ]);
    const memberView = (await server.gql(TenderDocument, { id: tender.gid }, m1.token)).data!.tender!.shortlist;
    expect(memberView.map((e) => e.cooperative.name)).toEqual(["Coop A"]);
    // A member of B may not answer A's invitation: it does not exist for them.
    expect(
      codes(await server.gql(AnswerInvitationDocument, { input: { invitationId: a.data!.shortlistCooperative.id, answer: "DECLINED" } }, m2.token)),
    ).toEqual(["NOT_FOUND"]);
  });

  test("a shortlisted cooperative's members see the direct order it is invited to", async () => {
    const order = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN, kind: TenderKind.DIRECT_ORDER, clientId: client.id });
    expect(codes(await server.gql(TenderDocument, { id: order.gid }, m1.token))).toEqual(["NOT_FOUND"]);
    await server.gql(ShortlistCooperativeDocument, { input: { tenderId: order.gid, cooperativeId: coopA.gid } }, officer.token);
    expect((await server.gql(TenderDocument, { id: order.gid }, m1.token)).data?.tender!.id).toBe(order.gid);
    expect(codes(await server.gql(TenderDocument, { id: order.gid }, m2.token))).toEqual(["NOT_FOUND"]);
  });

  test("invitations arrive live over graphql-ws, only to members of the invited cooperative", async () => {
    const tender = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN, title: "Appel live" });
    const received: Record<string, InvitationsSubscription["invitations"][]> = { m1: [], m2: [] };
    const clients = { m1: server.ws(m1.token), m2: server.ws(m2.token) };
    const stops = (Object.keys(clients) as (keyof typeof clients)[]).map((who) =>
      clients[who].subscribe<InvitationsSubscription>(
        { query: print(InvitationsDocument) },
        {
          next: (value) => {
            if (value.data) received[who]!.push(value.data.invitations);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      ),
    );
    await listening(server, INVITATIONS_CHANNEL, 2);
    await server.gql(ShortlistCooperativeDocument, { input: { tenderId: tender.gid, cooperativeId: coopB.gid, note: "pour B" } }, officer.token);
    await server.gql(ShortlistCooperativeDocument, { input: { tenderId: tender.gid, cooperativeId: coopA.gid, note: "pour A" } }, officer.token);
    await until(() => received.m1!.length >= 1, { label: "A's invitation on A's member's socket" });
    // A's invitation must not reach B's member: events arrive in order, so one sent to B after it
    // closes the window in which it could have.
    const closing = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN, title: "Appel suivant" });
    await server.gql(ShortlistCooperativeDocument, { input: { tenderId: closing.gid, cooperativeId: coopB.gid, note: "fin" } }, officer.token);
    await until(() => received.m2!.some((e) => e.note === "fin"), { label: "the closing invitation on B's member's socket" });
    expect(received.m1!.map((e) => [e.note, e.cooperative.name, e.tender.title, e.answer])).toEqual([["pour A", "Coop A", "Appel live", "INVITED"]]);
    expect(received.m2!.map((e) => e.note)).toEqual(["pour B", "fin"]);
    stops.forEach((stop) => stop());
  });

  test("invitations are for members: an officer's subscription is FORBIDDEN", async () => {
    const result = await wsOnce(server.ws(officer.token), InvitationsDocument);
    expect(codes(result)).toEqual(["FORBIDDEN"]);
  });

  test("rules: staff only shortlist, OPEN tenders only, answers while OPEN", async () => {
    const em = server.orm.em.fork();
    const draft = await buildTender(em, { status: TenderStatus.DRAFT, createdById: officer.id });
    expect(codes(await server.gql(ShortlistCooperativeDocument, { input: { tenderId: draft.gid, cooperativeId: coopA.gid } }, officer.token))).toEqual([
      "INVALID_STATE",
    ]);
    const open = await buildTender(em, { status: TenderStatus.OPEN });
    expect(codes(await server.gql(ShortlistCooperativeDocument, { input: { tenderId: open.gid, cooperativeId: coopA.gid } }, m1.token))).toEqual(["FORBIDDEN"]);
    const entry = (await server.gql(ShortlistCooperativeDocument, { input: { tenderId: open.gid, cooperativeId: coopA.gid } }, officer.token)).data!
      .shortlistCooperative;
    await em.getConnection().execute("UPDATE tenders SET status = 'CLOSED' WHERE id = ?", [open.id]);
    expect(codes(await server.gql(AnswerInvitationDocument, { input: { invitationId: entry.id, answer: "INTERESTED" } }, m1.token))).toEqual(["INVALID_STATE"]);
  });

  test.each([
    ["input.tenderId", { tenderId: "bad", cooperativeId: "" }],
    ["input.cooperativeId", { cooperativeId: "bad" }],
    ["input.note", { note: "x".repeat(2001) }],
  ])("shortlistCooperative: bad %s is BAD_USER_INPUT naming it, nothing written", async (field, over) => {
    const tender = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN });
    const before = await countRows(server, "shortlist_entries");
    const result = await server.gql(ShortlistCooperativeDocument, { input: { tenderId: tender.gid, cooperativeId: coopA.gid, ...over } }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countRows(server, "shortlist_entries")).toBe(before);
  });

  test("answerInvitation: bad id or answer INVITED are BAD_USER_INPUT naming the field, nothing changed", async () => {
    const tender = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN });
    const entry = (await server.gql(ShortlistCooperativeDocument, { input: { tenderId: tender.gid, cooperativeId: coopA.gid } }, officer.token)).data!
      .shortlistCooperative;
    const bad = await server.gql(AnswerInvitationDocument, { input: { invitationId: "nope", answer: "DECLINED" } }, m1.token);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.invitationId" });
    const invited = await server.gql(AnswerInvitationDocument, { input: { invitationId: entry.id, answer: "INVITED" } }, m1.token);
    expect(invited.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.answer" });
    const view = (await server.gql(TenderDocument, { id: tender.gid }, officer.token)).data!.tender!.shortlist;
    expect(view.map((e) => e.answer)).toEqual(["INVITED"]);
  });
});
