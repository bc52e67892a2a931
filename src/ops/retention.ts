import type { EntityManager } from "@mikro-orm/postgresql";

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
}

export const DEFAULT_RETENTION: RetentionPolicy = { sessionsDays: 30, verificationsDays: 7, readNotificationsDays: 90, sentMailsDays: 30 };

export type PurgeCounts = Record<"sessions" | "verifications" | "readNotifications" | "sentMails" | "rateLimits", number>;

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
  };
}
