import { PlatformRole } from "../../src/auth/roles";
import { NotificationKind } from "../../src/notifications/notification.enums";
import { NOTIFICATIONS_CHANNEL, notifyPeople, type NotificationNotice } from "../../src/notifications/notify";
import { createUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";

/*
 * notifyPeople: one inbox row per recipient, in the caller's transaction (nothing on rollback),
 * announced on the bus at commit, once per dedupe key.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const inbox = (userId: string) =>
  server.orm.em
    .getConnection()
    .execute<{ kind: string; text: string; subject_id: string | null }[]>(
      "SELECT kind, text, subject_id FROM notifications WHERE recipient_id = ? ORDER BY created_at",
      [userId],
    );

test("writes one row per recipient, skips the actor and duplicates, and announces it at commit", async () => {
  const [a, b, actor] = [
    await createUser(server, PlatformRole.MISSION_OFFICER),
    await createUser(server, PlatformRole.MISSION_OFFICER),
    await createUser(server),
  ];
  const heard: NotificationNotice[] = [];
  const stop = await server.app.bus.on(NOTIFICATIONS_CHANNEL, (payload) => heard.push(JSON.parse(payload) as NotificationNotice));
  try {
    const written = await server.orm.em
      .fork()
      .transactional((em) =>
        notifyPeople(
          em,
          [a.id, b.id, a.id, actor.id],
          { kind: NotificationKind.NEW_DIRECT_ORDER, text: "Nouvelle commande", subjectId: "VGVuZGVyOjE=" },
          { except: actor.id },
        ),
      );
    expect(written.map((w) => w.userId).sort()).toEqual([a.id, b.id].sort());
    expect(await inbox(a.id)).toEqual([{ kind: "NEW_DIRECT_ORDER", text: "Nouvelle commande", subject_id: "VGVuZGVyOjE=" }]);
    expect(await inbox(actor.id)).toEqual([]);
    await until(() => heard.length > 0, { label: "the notice on the bus", timeoutMs: 5000 });
    expect(heard).toEqual([{ ids: expect.arrayContaining(written.map((w) => w.id)) as unknown, userIds: expect.arrayContaining([a.id, b.id]) as unknown }]);
  } finally {
    stop();
  }
});

test("writes nothing when the transaction rolls back, and once per dedupe key", async () => {
  const person = await createUser(server);
  await expect(
    server.orm.em.fork().transactional(async (em) => {
      await notifyPeople(em, [person.id], { kind: NotificationKind.AWARD, text: "Attribué" });
      throw new Error("rolled back");
    }),
  ).rejects.toThrow("rolled back");
  expect(await inbox(person.id)).toEqual([]);
  const draft = { kind: NotificationKind.DEADLINE_REMINDER, text: "J-7", dedupeKey: "reminder:t1:7" };
  await server.orm.em.fork().transactional((em) => notifyPeople(em, [person.id], draft));
  const second = await server.orm.em.fork().transactional((em) => notifyPeople(em, [person.id], draft));
  expect(second).toEqual([]);
  expect(await inbox(person.id)).toHaveLength(1);
});
