import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { JobDefinition } from "../jobs/jobs";

/** How long what is no longer needed is kept (days), from the configuration (RETENTION_*). */
export interface RetentionPolicy {
  /** Sessions expired or signed out this long ago (kept a while for the person's own list). */
  sessionsDays: number;
  /** E-mail verification links used or expired this long ago. */
  verificationsDays: number;
  /** Notifications read this long ago (unread ones are never purged). */
  readNotificationsDays: number;
  /** Mails delivered this long ago (their body is already erased at delivery). */
  sentMailsDays: number;
  /** Text updates older than this, once folded into their section's snapshot, lose their bytes. */
  sectionUpdatesDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  sessionsDays: 30,
  verificationsDays: 7,
  readNotificationsDays: 90,
  sentMailsDays: 30,
  sectionUpdatesDays: 30,
};

export type PurgeCounts = Record<"sessions" | "verifications" | "readNotifications" | "sentMails" | "rateLimits" | "sectionUpdates", number>;

/** Events compacted per statement: each batch is its own short transaction. */
const COMPACT_BATCH = 2000;

/**
 * Deletes what has outlived its use, one statement per kind, each bounded by its own index or
 * a small table. Idempotent and safe to run on several instances at once (a row deleted twice
 * is deleted once); the job queue runs it daily.
 */
export async function purgeExpired(em: EntityManager, policy: RetentionPolicy): Promise<PurgeCounts> {
  const run = async (sql: string, days: number) => {
    const rows = await em.execute<{ n: string }[]>(`WITH gone AS (${sql} RETURNING 1) SELECT count(*) AS n FROM gone`, [days]);
    return Number(rows[0]?.n ?? 0);
  };
  return {
    sessions: await run("DELETE FROM sessions WHERE coalesce(revoked_at, expires_at) < now() - ? * interval '1 day'", policy.sessionsDays),
    verifications: await run("DELETE FROM email_verifications WHERE coalesce(used_at, expires_at) < now() - ? * interval '1 day'", policy.verificationsDays),
    readNotifications: await run("DELETE FROM notifications WHERE read_at < now() - ? * interval '1 day'", policy.readNotificationsDays),
    sentMails: await run("DELETE FROM mail_outbox WHERE status = 'SENT' AND sent_at < now() - ? * interval '1 day'", policy.sentMailsDays),
    // Windows that ended: their keys would be restarted at the next hit anyway.
    rateLimits: await run("DELETE FROM rate_limits WHERE reset_at < now() - ? * interval '1 second'", 60),
    sectionUpdates: await compactSectionUpdates(em, policy.sectionUpdatesDays),
  };
}

/**
 * Compaction of the event log: a text update older than `days` whose section's snapshot already
 * folds it in (seq <= snapshot_seq) keeps who, when, which section and how many bytes (the audit
 * trail), and drops the Yjs bytes, which nothing reads any more: a section's document is its
 * snapshot plus the updates after it, and in-memory documents never lag that far (they are
 * dropped after ten idle minutes). A client replaying `bidEvents` from that far back sees
 * `compacted: true` and reloads the section's `state`.
 */
export async function compactSectionUpdates(em: EntityManager, days: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await em.execute<{ n: string }[]>(
      `WITH due AS (
         SELECT e.id FROM bid_events e JOIN bid_sections s ON s.id = e.section_id
          WHERE e.type = 'SECTION_TEXT_UPDATED' AND e.seq <= s.snapshot_seq AND e.payload->>'update' IS NOT NULL
            AND e.created_at < now() - ? * interval '1 day'
          LIMIT ?),
       done AS (
         UPDATE bid_events e
            SET payload = (e.payload - 'update') || jsonb_build_object('compacted', true, 'bytes', length(decode(e.payload->>'update', 'base64')))
           FROM due WHERE e.id = due.id
         RETURNING 1)
       SELECT count(*) AS n FROM done`,
      [days, COMPACT_BATCH],
    );
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < COMPACT_BATCH) return total;
  }
}

export const RETENTION_QUEUE = "retention";

/** The daily purge as a background job (src/jobs/): pg-boss sends each cron tick once. */
export function retentionJob(orm: MikroORM, policy: RetentionPolicy, cron: { expression: string; tz: string }): JobDefinition {
  return { queue: RETENTION_QUEUE, cron, run: async () => void (await purgeExpired(orm.em.fork(), policy)) };
}
