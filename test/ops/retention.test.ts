import { PlatformRole } from "../../src/auth/roles";
import { DEFAULT_RETENTION, purgeExpired } from "../../src/ops/retention";
import { fromGlobalId } from "../../src/common/node";
import { Y } from "../../src/bids/sections/yjs";
import { AddBidSectionDocument, ApplySectionUpdateDocument, BidDocument } from "../generated/graphql";
import { cmid, createBid, createWorld } from "../bids/bid-setup";
import { createUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * Retention: what has outlived its use goes (old expired sessions, used verification links, read
 * notifications, delivered mails, ended rate-limit windows); what is still in use stays.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const sql = (text: string, params: unknown[] = []) => server.orm.em.getConnection().execute<{ id: string }[]>(text, params);
const ids = async (table: string, userId: string) =>
  (await sql(`SELECT id FROM ${table} WHERE ${table === "notifications" ? "recipient_id" : "user_id"} = ? ORDER BY id`, [userId])).map((r) => r.id).sort();

test("purges old expired or revoked sessions, used or expired verification links, old read notifications, delivered mails", async () => {
  const person = await createUser(server, PlatformRole.MEMBER);
  const days = (n: number) => `now() - interval '${n} days'`;
  // The factory's own session (the person's token) is current: it stays.
  const existingSessions = await ids("sessions", person.id);
  const insertSession = async (expires: string, revoked: string | null) =>
    (
      await sql(`INSERT INTO sessions (id, user_id, expires_at, revoked_at) VALUES (gen_random_uuid(), ?, ${expires}, ${revoked ?? "null"}) RETURNING id`, [
        person.id,
      ])
    )[0]!.id;
  const keptSessions = [
    await insertSession("now() + interval '1 hour'", null),
    await insertSession(days(3), null),
    await insertSession("now() + interval '1 hour'", days(2)),
  ];
  await insertSession(days(40), null);
  await insertSession("now() + interval '1 hour'", days(31));

  const insertVerification = async (expires: string, used: string | null) =>
    (
      await sql(
        `INSERT INTO email_verifications (id, user_id, token_hash, expires_at, used_at) VALUES (gen_random_uuid(), ?, md5(random()::text), ${expires}, ${used ?? "null"}) RETURNING id`,
        [person.id],
      )
    )[0]!.id;
  const keptVerifications = [await insertVerification("now() + interval '1 day'", null), await insertVerification(days(1), null)];
  await insertVerification(days(8), null);
  await insertVerification("now() + interval '1 day'", days(10));

  const insertNotification = async (read: string | null, created: string) =>
    (
      await sql(
        `INSERT INTO notifications (id, recipient_id, kind, text, read_at, created_at) VALUES (gen_random_uuid(), ?, 'AWARD', 't', ${read ?? "null"}, ${created}) RETURNING id`,
        [person.id],
      )
    )[0]!.id;
  const keptNotifications = [await insertNotification(null, days(400)), await insertNotification(days(10), days(20))];
  await insertNotification(days(91), days(100));

  await sql(
    `INSERT INTO mail_outbox (id, recipient, subject, text, status, sent_at) VALUES (gen_random_uuid(), 'old@x.coop', 's', '', 'SENT', ${days(31)}), (gen_random_uuid(), 'new@x.coop', 's', '', 'SENT', ${days(1)}), (gen_random_uuid(), 'wait@x.coop', 's', 't', 'PENDING', null)`,
  );

  const counts = await purgeExpired(server.orm.em.fork(), DEFAULT_RETENTION);
  expect(counts).toMatchObject({ sessions: 2, verifications: 2, readNotifications: 1, sentMails: 1, sectionUpdates: 0 });
  expect(await ids("sessions", person.id)).toEqual([...existingSessions, ...keptSessions].sort());
  expect(await ids("email_verifications", person.id)).toEqual([...keptVerifications].sort());
  expect(await ids("notifications", person.id)).toEqual([...keptNotifications].sort());
  expect((await sql("SELECT recipient AS id FROM mail_outbox WHERE recipient LIKE '%@x.coop' ORDER BY recipient")).map((r) => r.id)).toEqual([
    "new@x.coop",
    "wait@x.coop",
  ]);

  // A second run finds nothing more.
  expect(await purgeExpired(server.orm.em.fork(), DEFAULT_RETENTION)).toMatchObject({ sessions: 0, verifications: 0, readNotifications: 0, sentMails: 0 });
});

test("text updates folded into a snapshot and older than the limit lose their bytes, keep who and when, and the text stays", async () => {
  const w = await createWorld(server);
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const added = await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Références" } }, w.lead.token);
  const sectionId = added.data!.addBidSection.id;
  const doc = new Y.Doc();
  const type = (s: string) => {
    const before = Y.encodeStateVector(doc);
    doc.getText("content").insert(doc.getText("content").length, s);
    return Buffer.from(Y.encodeStateAsUpdate(doc, before)).toString("base64");
  };
  for (const part of ["un ", "deux ", "trois "]) {
    expect(
      (await server.gql(ApplySectionUpdateDocument, { input: { sectionId, update: type(part), clientMutationId: cmid() } }, w.lead.token)).errors,
    ).toBeUndefined();
  }
  const local = fromGlobalId(sectionId)!.id;
  // The snapshot folds the first two updates in (as the compactor would); the third stays after it.
  const events = (await sql(
    `SELECT id, seq, payload->>'update' AS update FROM bid_events WHERE section_id = ? AND type = 'SECTION_TEXT_UPDATED' ORDER BY seq`,
    [local],
  )) as unknown as { id: string; seq: number; update: string }[];
  const folded = Y.mergeUpdates(events.slice(0, 2).map((e) => Buffer.from(e.update, "base64")));
  await sql("UPDATE bid_sections SET snapshot = ?, snapshot_seq = ? WHERE id = ?", [Buffer.from(folded), events[1]!.seq, local]);
  await sql("UPDATE bid_events SET created_at = now() - interval '40 days' WHERE section_id = ?", [local]);

  const counts = await purgeExpired(server.orm.em.fork(), DEFAULT_RETENTION);
  expect(counts.sectionUpdates).toBe(2);
  const after = (await sql(`SELECT seq, payload, actor_id FROM bid_events WHERE section_id = ? AND type = 'SECTION_TEXT_UPDATED' ORDER BY seq`, [
    local,
  ])) as unknown as { seq: number; payload: Record<string, unknown>; actor_id: string }[];
  expect(after.map((e) => [e.payload.update === undefined, e.payload.compacted ?? false, e.actor_id])).toEqual([
    [true, true, w.lead.id],
    [true, true, w.lead.id],
    [false, false, w.lead.id],
  ]);
  expect(after[0]!.payload.bytes).toBeGreaterThan(0);
  // A fresh server (no document in memory) rebuilds the same text from the snapshot and what follows.
  const fresh = await startTestServer({ db: { ...server.db, drop: async () => undefined } });
  try {
    const read = await fresh.gql(BidDocument, { id: bid.id }, w.lead.token);
    expect(read.data?.bid?.sections.find((s) => s.id === sectionId)?.text).toBe("un deux trois ");
  } finally {
    await fresh.close();
  }
  expect((await purgeExpired(server.orm.em.fork(), DEFAULT_RETENTION)).sectionUpdates).toBe(0);
});
