import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import { NotificationKind } from "../../src/notifications/notification.enums";
import { NOTIFICATIONS_CHANNEL, notifyPeople } from "../../src/notifications/notify";
import {
  InboxDocument,
  MarkNotificationsReadDocument,
  NotificationNodeDocument,
  NotificationPreferencesDocument,
  NotificationsDocument,
  SetNotificationPreferencesDocument,
  ShortlistCooperativeDocument,
  SignOutDocument,
  SubmitDirectOrderDocument,
  type NotificationsSubscription,
} from "../generated/graphql";
import { buildTender, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { codes, listening, startTestServer, type TestServer } from "../helpers/server";
import { within } from "../helpers/wait";
import { MailCatcher } from "../mail/smtp";
import { print } from "graphql";

/*
 * The inbox through the real API: a client's order reaches the officers (inbox, and a mail read
 * from a real SMTP server when their preference says IMMEDIATE); an offline member finds a
 * shortlist invitation later; unread counts, paging and markRead; the subscription is live across
 * instances and ends when the person's access does.
 */

let db: TestDatabase;
let a: TestServer;
let b: TestServer;
let catcher: MailCatcher;
let officer: TestUser, quietOfficer: TestUser, client: TestUser, member: TestUser, other: TestUser;

beforeAll(async () => {
  catcher = await MailCatcher.start();
  db = await createTestDatabase();
  const env = { SMTP_URL: catcher.url, APP_URL: "https://app.scopgraph.test" };
  a = await startTestServer({ db, env });
  b = await startTestServer({ db, env });
  [officer, quietOfficer, client, member, other] = await Promise.all([
    createUser(a, PlatformRole.MISSION_OFFICER),
    createUser(a, PlatformRole.MISSION_OFFICER),
    createUser(a, PlatformRole.CLIENT),
    createUser(a, PlatformRole.MEMBER),
    createUser(a, PlatformRole.MEMBER),
  ]);
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
  await catcher?.close();
});

const order = {
  kind: "DIRECT_ORDER" as const,
  title: "Refonte du site de la médiathèque",
  buyerName: null,
  place: { communeCode: "76540" },
  submissionDeadline: new Date(Date.now() + 20 * 86400_000).toISOString(),
  lots: [{ number: 1, title: "Site web", cpvCodes: ["72413000-8"], estimatedValue: 20000 }],
};

async function outboxCount(email: string): Promise<number> {
  const [row] = await a.orm.em.getConnection().execute<{ n: number }[]>("SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = ?", [email]);
  return row?.n ?? 0;
}

test("a client's direct order reaches every officer's inbox, and by mail those who want it at once", async () => {
  const muted = await a.gql(SetNotificationPreferencesDocument, { preferences: [{ kind: "NEW_DIRECT_ORDER", delivery: "NONE" }] }, quietOfficer.token);
  expect(muted.errors).toBeUndefined();
  expect(muted.data?.setNotificationPreferences.find((p) => p.kind === "NEW_DIRECT_ORDER")).toEqual({
    kind: "NEW_DIRECT_ORDER",
    delivery: "NONE",
    isDefault: false,
  });

  const placed = await a.gql(SubmitDirectOrderDocument, { input: order }, client.token);
  expect(placed.errors).toBeUndefined();
  const tenderId = placed.data!.submitDirectOrder.id;

  for (const person of [officer, quietOfficer]) {
    const inbox = await a.gql(InboxDocument, {}, person.token);
    expect(inbox.errors).toBeUndefined();
    const notifications = inbox.data!.viewer!.notifications;
    expect(notifications.unreadCount).toBe(1);
    expect(notifications.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({
        kind: "NEW_DIRECT_ORDER",
        subjectId: tenderId,
        readAt: null,
        text: expect.stringContaining("Refonte du site de la médiathèque") as unknown,
      }),
    ]);
  }
  // The client who placed it hears nothing: it is not an officer.
  expect((await a.gql(InboxDocument, {}, client.token)).data!.viewer!.notifications.totalCount).toBe(0);

  const mail = await catcher.next(officer.email, (m) => (m.subject ?? "").includes("Refonte du site"));
  const [line] = (await a.gql(InboxDocument, {}, officer.token)).data!.viewer!.notifications.edges;
  expect(mail.text).toContain(`https://app.scopgraph.test/notifications/${line!.node.id}`);
  expect(mail.text).not.toContain("{{APP_URL}}");
  expect(await outboxCount(quietOfficer.email)).toBe(0);
});

test("a shortlisted cooperative's member who was offline finds the invitation in the inbox, and marks it read", async () => {
  const coop = await insertCooperative(a.orm.em.fork(), { name: "Atelier Hors Ligne", owner: member });
  const tender = await buildTender(a.orm.em.fork(), { title: "Affiches du festival" });
  const shortlisted = await a.gql(ShortlistCooperativeDocument, { input: { tenderId: tender.gid, cooperativeId: coop.gid } }, officer.token);
  expect(shortlisted.errors).toBeUndefined();

  // Later, on the other instance.
  const inbox = await b.gql(InboxDocument, { unreadOnly: true }, member.token);
  const edges = inbox.data!.viewer!.notifications.edges;
  expect(edges.map((e) => e.node)).toEqual([
    expect.objectContaining({
      kind: "SHORTLIST_INVITATION",
      subjectId: shortlisted.data!.shortlistCooperative.id,
      text: expect.stringContaining("Affiches du festival") as unknown,
    }),
  ]);
  const id = edges[0]!.node.id;

  // Only its recipient reaches it, by node(id) or markRead; anyone else as if it did not exist.
  expect((await b.gql(NotificationNodeDocument, { id }, member.token)).data?.node).toMatchObject({ id, kind: "SHORTLIST_INVITATION" });
  expect((await b.gql(NotificationNodeDocument, { id }, other.token)).data?.node).toBeNull();
  expect((await b.gql(NotificationNodeDocument, { id }, officer.token)).data?.node).toBeNull();
  expect(codes(await b.gql(MarkNotificationsReadDocument, { input: { ids: [id] } }, other.token))).toEqual(["NOT_FOUND"]);

  const marked = await b.gql(MarkNotificationsReadDocument, { input: { ids: [id] } }, member.token);
  expect(marked.data?.markNotificationsRead).toEqual({ marked: 1, unreadCount: 0 });
  const after = await b.gql(InboxDocument, { unreadOnly: true }, member.token);
  expect(after.data!.viewer!.notifications).toMatchObject({ unreadCount: 0, totalCount: 0, edges: [] });
  const all = await b.gql(InboxDocument, {}, member.token);
  expect(all.data!.viewer!.notifications.edges[0]!.node.readAt).toEqual(expect.any(String));
});

test("pages newest first, counts the unread, and marks all read", async () => {
  const person = await createUser(a, PlatformRole.MEMBER);
  await a.orm.em.fork().transactional(async (em) => {
    for (let i = 1; i <= 5; i++) await notifyPeople(em, [person.id], { kind: NotificationKind.AWARD, text: `Résultat ${i}` });
  });
  const first = await a.gql(InboxDocument, { first: 2 }, person.token);
  const page1 = first.data!.viewer!.notifications;
  expect(page1).toMatchObject({ unreadCount: 5, totalCount: 5, pageInfo: { hasNextPage: true } });
  const second = await a.gql(InboxDocument, { first: 2, after: page1.pageInfo.endCursor }, person.token);
  const page2 = second.data!.viewer!.notifications;
  const texts = [...page1.edges, ...page2.edges].map((e) => e.node.text);
  expect(new Set(texts).size).toBe(4);
  const times = [...page1.edges, ...page2.edges].map((e) => e.node.createdAt);
  expect([...times].sort().reverse()).toEqual(times);

  const all = await a.gql(MarkNotificationsReadDocument, { input: { all: true } }, person.token);
  expect(all.data?.markNotificationsRead).toEqual({ marked: 5, unreadCount: 0 });
  const again = await a.gql(MarkNotificationsReadDocument, { input: { all: true } }, person.token);
  expect(again.data?.markNotificationsRead).toEqual({ marked: 0, unreadCount: 0 });
});

test("preferences: defaults per kind, changes kept, and refused input changes nothing", async () => {
  const person = await createUser(a, PlatformRole.MEMBER);
  const prefs = (await a.gql(NotificationPreferencesDocument, {}, person.token)).data!.viewer!.notificationPreferences;
  expect(prefs).toHaveLength(Object.keys(NotificationKind).length);
  expect(prefs.find((p) => p.kind === "SHORTLIST_INVITATION")).toEqual({ kind: "SHORTLIST_INVITATION", delivery: "IMMEDIATE", isDefault: true });
  expect(prefs.find((p) => p.kind === "OPPORTUNITY")).toEqual({ kind: "OPPORTUNITY", delivery: "DAILY_DIGEST", isDefault: true });

  expect(codes(await a.gql(SetNotificationPreferencesDocument, { preferences: [] }, person.token))).toEqual(["BAD_USER_INPUT"]);
  expect(
    codes(
      await a.gql(
        SetNotificationPreferencesDocument,
        {
          preferences: [
            { kind: "AWARD", delivery: "NONE" },
            { kind: "AWARD", delivery: "IMMEDIATE" },
          ],
        },
        person.token,
      ),
    ),
  ).toEqual(["BAD_USER_INPUT"]);
  const unchanged = (await a.gql(NotificationPreferencesDocument, {}, person.token)).data!.viewer!.notificationPreferences;
  expect(unchanged.every((p) => p.isDefault)).toBe(true);

  await a.gql(SetNotificationPreferencesDocument, { preferences: [{ kind: "OPPORTUNITY", delivery: "IMMEDIATE" }] }, person.token);
  const changed = (await b.gql(NotificationPreferencesDocument, {}, person.token)).data!.viewer!.notificationPreferences;
  expect(changed.find((p) => p.kind === "OPPORTUNITY")).toEqual({ kind: "OPPORTUNITY", delivery: "IMMEDIATE", isDefault: false });
});

/** A graphql-ws subscription as a queue of results and an end (complete, error or close). */
function listen(server: TestServer, token: string) {
  const client = server.ws(token);
  const received: NotificationsSubscription["notifications"][] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const ping = () => waiters.splice(0).forEach((w) => w());
  const ready = new Promise<void>((resolve) => client.on("connected", () => resolve()));
  client.subscribe<NotificationsSubscription>(
    { query: print(NotificationsDocument) },
    {
      next: (value) => {
        if (value.data) received.push(value.data.notifications);
        ping();
      },
      error: () => {
        ended = true;
        ping();
      },
      complete: () => {
        ended = true;
        ping();
      },
    },
  );
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return {
    received,
    ready,
    until,
    get ended() {
      return ended;
    },
  };
}

test("the subscription is live on another instance, and ends when the person signs out everywhere", async () => {
  const person = await createUser(a, PlatformRole.MEMBER);
  const listenersBefore = b.app.bus.listeners(NOTIFICATIONS_CHANNEL);
  const live = listen(b, person.token);
  await live.ready;
  // Notified from instance A once B's subscription listens on its own.
  await listening(b, NOTIFICATIONS_CHANNEL, listenersBefore + 1);
  await a.orm.em.fork().transactional((em) =>
    notifyPeople(em, [person.id, other.id], {
      kind: NotificationKind.SECTION_ASSIGNED,
      text: "Une section vous est confiée",
      subjectId: toGlobalId("BidSection", person.id),
    }),
  );
  await within(
    live.until(() => live.received.length > 0),
    { label: "the notification on instance B's subscription" },
  );
  expect(live.received[0]).toEqual(expect.objectContaining({ kind: "SECTION_ASSIGNED", text: "Une section vous est confiée" }));
  // Only this person's own lines reach the socket.
  const own = await b.orm.em.getConnection().execute<{ id: string }[]>("SELECT id FROM notifications WHERE recipient_id = ?", [person.id]);
  expect(live.received.every((n) => own.some((row) => toGlobalId("Notification", row.id) === n.id))).toBe(true);

  const out = await a.gql(SignOutDocument, { everywhere: true }, person.token);
  expect(out.errors).toBeUndefined();
  await within(
    live.until(() => live.ended),
    { label: "the subscription to end after signing out everywhere" },
  );
  expect(live.ended).toBe(true);
}, 30_000);

test("API tokens and anonymous callers have no inbox", async () => {
  expect(codes(await a.gql(MarkNotificationsReadDocument, { input: { all: true } }, null))).toEqual(["UNAUTHENTICATED"]);
  expect(codes(await a.gql(MarkNotificationsReadDocument, { input: { ids: [], all: null } }, member.token))).toEqual(["BAD_USER_INPUT"]);
  expect(codes(await a.gql(MarkNotificationsReadDocument, { input: { ids: ["not-an-id"] } }, member.token))).toEqual(["BAD_USER_INPUT"]);
  expect(codes(await a.gql(MarkNotificationsReadDocument, { input: { ids: [toGlobalId("Notification", member.id)], all: true } }, member.token))).toEqual([
    "BAD_USER_INPUT",
  ]);
});
