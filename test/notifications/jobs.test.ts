import { PlatformRole } from "../../src/auth/roles";
import { BidStatus } from "../../src/bids/bid.enums";
import { JOBS_SCHEMA } from "../../src/jobs/jobs";
import { DIGEST_QUEUE } from "../../src/notifications/digest";
import { NotificationKind } from "../../src/notifications/notification.enums";
import { notifyPeople } from "../../src/notifications/notify";
import { REMINDER_QUEUE } from "../../src/notifications/reminders";
import { CreateTenderDocument, InboxDocument, PublishTenderDocument } from "../generated/graphql";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { buildBid, buildTender, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { MailCatcher } from "../mail/smtp";
import { freePort, nextEvent, until } from "../helpers/wait";

/*
 * Background work on pg-boss with two instances on one database: deadline reminders once per
 * person, the daily digest once per person grouping its lines, opportunity notifications for a
 * published tender, and a notification mail that survives an SMTP outage.
 */

let db: TestDatabase;
let a: TestServer;
let b: TestServer;
let catcher: MailCatcher;

const env = (smtpUrl: string) => ({
  SMTP_URL: smtpUrl,
  APP_URL: "https://app.scopgraph.test",
  JOBS_SCHEDULE: "true",
  JOBS_POLL_SECONDS: "0.5",
  REMINDER_SCAN_SECONDS: "1",
  OPPORTUNITY_SCAN_SECONDS: "1",
  NOTIFICATION_DIGEST_CRON: "0 7 * * *",
});

beforeAll(async () => {
  catcher = await MailCatcher.start();
  db = await createTestDatabase();
  a = await startTestServer({ db, env: env(catcher.url) });
  b = await startTestServer({ db, env: env(catcher.url) });
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
  await catcher?.close();
});

const sql = <T>(query: string, params: unknown[] = []) => a.orm.em.getConnection().execute<T[]>(query, params);

async function completedJobs(queue: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    `SELECT (SELECT count(*) FROM ${JOBS_SCHEMA}.job WHERE name = ? AND state = 'completed') + (SELECT count(*) FROM ${JOBS_SCHEMA}.archive WHERE name = ? AND state = 'completed') AS n`,
    [queue, queue],
  );
  return Number(row?.n ?? 0);
}

const kindsOf = async (userId: string, kind: string) =>
  sql<{ dedupe_key: string; text: string }>("SELECT dedupe_key, text FROM notifications WHERE recipient_id = ? AND kind = ?", [userId, kind]);

test("a deadline in 6 days 23 hours: exactly one 7-day reminder per person of the open bid, with two instances scanning", async () => {
  const [lead, partner, outsider] = await Promise.all([createUser(a), createUser(a), createUser(a)]);
  const em = a.orm.em.fork();
  const leadCoop = await insertCooperative(em, { owner: lead });
  const partnerCoop = await insertCooperative(em, { owner: partner });
  const otherCoop = await insertCooperative(em, { owner: outsider });
  const tender = await buildTender(em, { title: "Signalétique du musée", deadline: new Date(Date.now() + (6 * 24 + 23) * 3600_000) });
  const bid = await buildBid(em, { tenderId: tender.id, cooperativeIds: [leadCoop.id, partnerCoop.id], status: BidStatus.DRAFT });
  // A submitted bid is no longer being prepared: its people get no reminder.
  await buildBid(em, { tenderId: tender.id, cooperativeIds: [otherCoop.id] });

  const before = await completedJobs(REMINDER_QUEUE);
  await until(async () => (await completedJobs(REMINDER_QUEUE)) >= before + 3, { label: "three reminder scans completed", timeoutMs: 20_000, intervalMs: 100 });
  for (const person of [lead, partner]) {
    expect(await kindsOf(person.id, "DEADLINE_REMINDER")).toEqual([
      { dedupe_key: `reminder:${bid.id}:7`, text: expect.stringContaining("Dépôt dans 7 jours : « Signalétique du musée »") as unknown },
    ]);
    const mail = await catcher.next(person.email, (m) => (m.subject ?? "").includes("Signalétique du musée"));
    expect(mail.text).toContain("https://app.scopgraph.test/notifications/");
  }
  expect(await kindsOf(outsider.id, "DEADLINE_REMINDER")).toEqual([]);
  // Two instances, several scans: still one mail each.
  for (const person of [lead, partner]) expect(catcher.to(person.email).filter((m) => (m.subject ?? "").includes("Signalétique"))).toHaveLength(1);
}, 40_000);

test("the daily digest: scheduled on both instances for the next 07:00 in Paris, each tick queued once, one mail per person grouping its lines", async () => {
  // Each instance keeps the schedule; pg-boss's clock is off and the schedule it kept before is gone.
  const parisSeven = (d: Date) => new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }).format(d);
  for (const instance of [a, b]) {
    const next = instance.app.jobs.nextRun(DIGEST_QUEUE)!;
    expect(parisSeven(next)).toBe("07:00");
    expect(next.getTime() - Date.now()).toBeGreaterThan(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
  }
  expect(await sql(`SELECT name FROM ${JOBS_SCHEMA}.schedule WHERE name = ?`, [DIGEST_QUEUE])).toEqual([]);
  // Both instances offer a tick: the queue keeps one job.
  const tick = a.app.jobs.nextRun(DIGEST_QUEUE)!;
  const offered = await Promise.all([a.app.jobs.sendTick(DIGEST_QUEUE, tick), b.app.jobs.sendTick(DIGEST_QUEUE, tick)]);
  expect(offered.filter((id) => id !== null)).toHaveLength(1);
  await sql(`DELETE FROM ${JOBS_SCHEMA}.job WHERE name = ? AND state = 'created'`, [DIGEST_QUEUE]);

  const person = await createUser(a);
  await a.orm.em.fork().transactional(async (em) => {
    await notifyPeople(em, [person.id], { kind: NotificationKind.SECTION_ASSIGNED, text: "La section « Méthodologie » vous est confiée" });
    await notifyPeople(em, [person.id], { kind: NotificationKind.OPPORTUNITY, text: "Opportunité : « Vidéo institutionnelle »" });
    await notifyPeople(em, [person.id], { kind: NotificationKind.SECTION_REVIEW_REQUESTED, text: "La section « Budget » attend votre relecture" });
  });
  const before = await completedJobs(DIGEST_QUEUE);
  await Promise.all([a.app.jobs.send(DIGEST_QUEUE), b.app.jobs.send(DIGEST_QUEUE), a.app.jobs.send(DIGEST_QUEUE)]);
  const mail = await catcher.next(person.email, (m) => (m.subject ?? "").includes("résumé"));
  expect(mail.subject).toContain("3 notifications");
  for (const text of ["Méthodologie", "Vidéo institutionnelle", "Budget"]) expect(mail.text).toContain(text);
  await until(async () => (await completedJobs(DIGEST_QUEUE)) >= before + 3, { label: "three digest runs completed", timeoutMs: 20_000, intervalMs: 100 });
  expect(catcher.to(person.email)).toHaveLength(1);
}, 40_000);

test("a published tender notifies the people of the cooperatives whose score passes their threshold, once", async () => {
  const officer = await createUser(a, PlatformRole.MISSION_OFFICER);
  const [fit, unfit] = await Promise.all([createUser(a), createUser(a)]);
  const em = a.orm.em.fork();
  const printer = await insertCooperative(em, { name: "Imprimerie du Port", owner: fit, skills: [["79810000", 5]], lat: 49.44, lon: 1.1 });
  const filmStudio = await insertCooperative(em, { name: "Studio Lointain", owner: unfit, skills: [["92111000", 5]], lat: 43.6, lon: 1.44 });
  await sql("UPDATE cooperatives SET opportunity_threshold = ? WHERE id = ?", [0.2, printer.id]);
  await sql("UPDATE cooperatives SET opportunity_threshold = ? WHERE id = ?", [0.95, filmStudio.id]);
  const created = await a.gql(
    CreateTenderDocument,
    {
      input: {
        kind: "PUBLIC_TENDER",
        title: "Impression des bulletins municipaux",
        buyerName: "Ville de Rouen",
        place: { communeCode: "76540" },
        submissionDeadline: new Date(Date.now() + 30 * 86400_000).toISOString(),
        lots: [{ number: 1, title: "Impression", cpvCodes: ["79810000"], estimatedValue: 30000 }],
      },
    },
    officer.token,
  );
  expect(created.errors).toBeUndefined();
  expect((await a.gql(PublishTenderDocument, { id: created.data!.createTender.id }, officer.token)).errors).toBeUndefined();
  // Background work: its row is the event to wait for.
  const lines = await until(
    async () => {
      const rows = await kindsOf(fit.id, "OPPORTUNITY");
      return rows.length > 0 ? rows : undefined;
    },
    { label: "the OPPORTUNITY line of the fitting cooperative's person", timeoutMs: 20_000, intervalMs: 100 },
  );
  expect(lines).toEqual([
    { dedupe_key: expect.stringMatching(/^opportunity:.+:.+$/) as unknown, text: expect.stringContaining("Imprimerie du Port") as unknown },
  ]);
  const inbox = await b.gql(InboxDocument, {}, fit.token);
  expect(inbox.data!.viewer!.notifications.edges[0]!.node).toMatchObject({ kind: "OPPORTUNITY", subjectId: created.data!.createTender.id });
  expect(await kindsOf(unfit.id, "OPPORTUNITY")).toEqual([]);
}, 40_000);

test("a notification mail written while the SMTP server is down is delivered once it is up", async () => {
  const port = await freePort();
  const server = await startTestServer({ db, env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_RETRY_BASE_MS: "50", APP_URL: "https://app.scopgraph.test" } });
  let late: MailCatcher | null = null;
  try {
    // Only this instance sends: the others' relay is up and would deliver it at once.
    await Promise.all([a.app.mailer.stop(), b.app.mailer.stop()]);
    const person: TestUser = await createUser(server, PlatformRole.MISSION_OFFICER);
    const failed = nextEvent<{ to: string; final: boolean }>(server.app.mailer, "failed", {
      label: "the failed send of the AWARD notification",
      timeoutMs: 25_000,
    });
    await server.orm.em
      .fork()
      .transactional((em) => notifyPeople(em, [person.id], { kind: NotificationKind.AWARD, text: "Attribué à votre offre : « Plaquettes »" }));
    const failure = await failed;
    expect(failure).toMatchObject({ to: person.email, final: false });
    late = await MailCatcher.start(port);
    const mail = await late.next(person.email);
    expect(mail.subject).toContain("Plaquettes");
    expect(mail.text).toMatch(/https:\/\/app\.scopgraph\.test\/notifications\/[A-Za-z0-9_-]+/);
  } finally {
    await server.close();
    await late?.close();
  }
}, 40_000);
