import { SignUpDocument } from "../generated/graphql";
import { startTestServer, type TestServer } from "../helpers/server";
import { freePort, nextEvent } from "../helpers/wait";
import { MailCatcher, tokenOf } from "./smtp";

/*
 * The outbox: a mail is written with what causes it and delivered by the sender over real SMTP
 * (smtp-server in this process), also when the SMTP server was down at the time, and exactly once
 * with several instances sending from one database.
 */

const input = (email: string) => ({ email, name: "Odile Outbox", password: "une coopérative de graphistes", accountType: "MEMBER" as const });

interface OutboxRow {
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  text: string;
}

async function outboxRows(server: TestServer, recipient: string): Promise<OutboxRow[]> {
  return server.orm.em
    .getConnection()
    .execute<OutboxRow[]>("SELECT status, attempts, last_error, sent_at, text FROM mail_outbox WHERE recipient = ? ORDER BY created_at", [recipient]);
}

test("a mail written while the SMTP server is down is kept, retried with backoff, and delivered once it is up", async () => {
  const port = await freePort();
  const server = await startTestServer({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_RETRY_BASE_MS: "50" } });
  let catcher: MailCatcher | null = null;
  try {
    const firstFailure = nextEvent<{ to: string; attempts: number; final: boolean }>(server.app.mailer, "failed", {
      label: "the first failed send",
      timeoutMs: 25_000,
    });
    const up = await server.gql(SignUpDocument, { input: input("down@outbox.coop") });
    expect(up.errors).toBeUndefined();
    const failure = await firstFailure;
    expect(failure).toMatchObject({ to: "down@outbox.coop", attempts: 1, final: false });
    const [pending] = await outboxRows(server, "down@outbox.coop");
    expect(pending).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(pending?.last_error).toBeTruthy();

    // Listening before the server comes up: the sender marks the row, then says so.
    const marked = nextEvent(server.app.mailer, "sent", { label: "the mailer's sent event", timeoutMs: 25_000 });
    catcher = await MailCatcher.start(port);
    const mail = await catcher.next("down@outbox.coop");
    expect(mail.subject).toContain("Confirm your e-mail address");
    expect(tokenOf(mail)).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    await marked;
    const [sent] = await outboxRows(server, "down@outbox.coop");
    expect(sent?.status).toBe("SENT");
    expect(sent?.text).toBe(""); // the token it carried is not kept
    expect(sent?.attempts).toBeGreaterThanOrEqual(2);
    expect(sent?.sent_at).toBeTruthy();
    expect(catcher.to("down@outbox.coop")).toHaveLength(1);
  } finally {
    await server.close();
    await catcher?.close();
  }
}, 30_000);

test("two instances on one database deliver each mail exactly once", async () => {
  const catcher = await MailCatcher.start();
  const env = { SMTP_URL: catcher.url };
  const one = await startTestServer({ env });
  const two = await startTestServer({ env, db: one.db });
  try {
    const count = 40;
    const sent = new Set<string>();
    const allSent = new Promise<void>((resolve) => {
      const onSent = ({ id }: { id: string }) => {
        sent.add(id);
        if (sent.size === count) resolve();
      };
      one.app.mailer.on("sent", onSent);
      two.app.mailer.on("sent", onSent);
    });
    // One transaction writes them all: both instances are woken at commit and race for them.
    await one.orm.em.fork().transactional(async (em) => {
      for (let i = 0; i < count; i++) await one.app.mailer.enqueue(em, { to: `many-${i}@outbox.coop`, subject: `Mail ${i}`, text: `n° ${i}` });
    });
    await allSent;
    expect(catcher.mails).toHaveLength(count);
    expect(new Set(catcher.mails.map((m) => m.subject)).size).toBe(count);
    const [row] = await one.orm.em.getConnection().execute<{ n: string }[]>("SELECT count(*) AS n FROM mail_outbox WHERE status = 'SENT' AND attempts = 1");
    expect(Number(row?.n)).toBe(count);
  } finally {
    await two.close();
    await one.close();
    await catcher.close();
  }
}, 30_000);

test("a rolled-back transaction sends nothing", async () => {
  const catcher = await MailCatcher.start();
  const server = await startTestServer({ env: { SMTP_URL: catcher.url } });
  try {
    await expect(
      server.orm.em.fork().transactional(async (em) => {
        await server.app.mailer.enqueue(em, { to: "never@outbox.coop", subject: "Never", text: "rolled back" });
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    // A mail committed afterwards goes out; the rolled-back one was never in the outbox.
    const delivered = catcher.next("after@outbox.coop");
    await server.orm.em.fork().transactional((em) => server.app.mailer.enqueue(em, { to: "after@outbox.coop", subject: "After", text: "committed" }));
    await delivered;
    expect(catcher.to("never@outbox.coop")).toEqual([]);
    expect(await outboxRows(server, "never@outbox.coop")).toEqual([]);
  } finally {
    await server.close();
    await catcher.close();
  }
}, 30_000);
