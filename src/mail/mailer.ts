import { EventEmitter } from "node:events";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import nodemailer, { type Transporter } from "nodemailer";
import type { Logger } from "pino";
import type { MailConfig } from "../config";
import { notify, type PgBus } from "../realtime/bus";
import { MailStatus, OutboxMail } from "./outbox.entity";

/** Stands for APP_URL in a mail's text; replaced when the mail is sent. */
export const APP_URL_TOKEN = "{{APP_URL}}";

/** The bus channel that wakes the senders of every instance when a mail is committed. */
export const MAIL_CHANNEL = "mail_outbox";

/** Mails claimed by one pass; each is leased for LEASE_MS while it is being sent. */
const BATCH = 20;
const LEASE_MS = 2 * 60_000;
/** After this many failed attempts a mail is FAILED and left for an operator. */
export const MAX_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 3_600_000;
/** A wake-up at least this often, for retries that fell due and mails whose notice was missed. */
const POLL_MS = 60_000;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface MailEvents {
  sent: [{ id: string; to: string }];
  failed: [{ id: string; to: string; attempts: number; error: string; final: boolean }];
}

interface ClaimedRow {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  attempts: number;
}

/**
 * The outbox and its sender, one per process, built in the composition root.
 *
 * `enqueue` writes a mail in the caller's transaction and announces it on the bus at commit.
 * The sender claims due mails with `FOR UPDATE SKIP LOCKED` and leases them (moves their next
 * attempt forward) before sending, so several instances never send one mail twice at once and a
 * sender that dies mid-send leaves its mails to be retried when the lease runs out. A failure is
 * retried with exponential backoff, up to MAX_ATTEMPTS.
 *
 * Without an SMTP URL the mails stay PENDING in the outbox (delivered once a sender with a relay
 * runs) and, outside production, their text is logged so that a demo can follow the links.
 */
export class Mailer extends EventEmitter<MailEvents> {
  private readonly transport: Transporter | null;
  private stopped = true;
  private pass: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: PgBus,
    private readonly log: Logger,
    private readonly config: MailConfig,
    private readonly logHeldMails: boolean,
  ) {
    super();
    // Timeouts well under the lease, so a mail is never sent by two senders at once.
    this.transport = config.smtpUrl
      ? nodemailer.createTransport({ url: config.smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 45_000 })
      : null;
  }

  /** Writes a mail in `em`'s transaction (the caller flushes and commits). */
  async enqueue(em: EntityManager, mail: MailMessage): Promise<void> {
    em.create(OutboxMail, { recipient: mail.to, subject: mail.subject, text: mail.text });
    await em.flush();
    if (this.transport) {
      await notify(em, MAIL_CHANNEL, {});
    } else if (this.logHeldMails) {
      this.log.info({ to: mail.to, subject: mail.subject }, `mail kept in the outbox (no SMTP_URL):\n${mail.text}`);
    }
  }

  /** Starts delivering: on each commit notice, on a timer for retries, and once now. */
  async start(): Promise<void> {
    if (!this.transport) {
      const message = "SMTP_URL is not set: mails stay in the outbox until a server with SMTP_URL runs";
      // Expected on a demo machine (their text is logged); a problem in production.
      if (this.logHeldMails) this.log.info(message);
      else this.log.warn(message);
      return;
    }
    this.stopped = false;
    this.unlisten = await this.bus.on(MAIL_CHANNEL, () => this.kick());
    this.kick();
  }

  /** Stops taking mails, waits for the pass in flight and closes the SMTP connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
    this.transport?.close();
  }

  /** Runs a delivery pass now (or right after the one in flight). */
  kick(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.run().finally(() => {
      this.pass = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped && (await this.deliverDue()) === BATCH);
      if (!this.stopped) await this.schedule();
    } catch (error) {
      // The database may be away for a moment: try again at the next poll.
      this.log.error({ err: error }, "mail delivery pass failed");
      if (!this.stopped) this.arm(POLL_MS);
    }
  }

  /** Sends the mails that are due; returns how many were claimed. */
  async deliverDue(): Promise<number> {
    const transport = this.transport;
    if (!transport) return 0;
    const rows = await this.orm.em.getConnection().execute<ClaimedRow[]>(
      `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = now() + ? * interval '1 millisecond', updated_at = now()
        WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'PENDING' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
        RETURNING id, recipient, subject, text, attempts`,
      [LEASE_MS, BATCH],
    );
    for (const row of rows) await this.send(transport, row);
    return rows.length;
  }

  private async send(transport: Transporter, row: ClaimedRow): Promise<void> {
    const connection = this.orm.em.getConnection();
    try {
      // Mails written by SQL (notifications) name the front-end by a placeholder: APP_URL is filled in here.
      const text = row.text.replaceAll(APP_URL_TOKEN, this.config.appUrl);
      await transport.sendMail({ from: this.config.from, to: row.recipient, subject: row.subject, text });
      // The body may carry a single-use token (stored hashed elsewhere): it is not kept once delivered.
      await connection.execute("UPDATE mail_outbox SET status = ?, sent_at = now(), last_error = NULL, text = '', updated_at = now() WHERE id = ?", [
        MailStatus.SENT,
        row.id,
      ]);
      this.log.info({ mailId: row.id, attempts: row.attempts }, "mail sent");
      this.emit("sent", { id: row.id, to: row.recipient });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      const final = row.attempts >= MAX_ATTEMPTS;
      const delay = Math.min(this.config.retryBaseMs * 2 ** (row.attempts - 1), MAX_BACKOFF_MS);
      await connection.execute(
        "UPDATE mail_outbox SET status = ?, last_error = ?, next_attempt_at = now() + ? * interval '1 millisecond', updated_at = now() WHERE id = ?",
        [final ? MailStatus.FAILED : MailStatus.PENDING, message, delay, row.id],
      );
      this.log.warn({ mailId: row.id, attempts: row.attempts, final, err: message }, final ? "mail failed for good" : "mail attempt failed; will retry");
      this.emit("failed", { id: row.id, to: row.recipient, attempts: row.attempts, error: message, final });
    }
  }

  /** Wakes up when the next pending mail falls due (a retry or a lease), at the latest at POLL_MS. */
  private async schedule(): Promise<void> {
    const [row] = await this.orm.em
      .getConnection()
      .execute<{ wait_ms: number | null }[]>(
        "SELECT greatest(0, extract(epoch from (min(next_attempt_at) - now())) * 1000)::float8 AS wait_ms FROM mail_outbox WHERE status = 'PENDING'",
      );
    const wait = row?.wait_ms ?? null;
    this.arm(wait === null ? POLL_MS : Math.min(Math.ceil(wait) + 5, POLL_MS));
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, ms);
    this.timer.unref();
  }
}
