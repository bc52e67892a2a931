import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { toGlobalId } from "../common/node";
import type { JobDefinition } from "../jobs/jobs";
import type { Mailer } from "../mail/mailer";
import { digestSubject, SETTINGS_LINE } from "./notification.mail";
import { defaultsAsArrays, NotificationDelivery } from "./preferences";

export const DIGEST_QUEUE = "notification-digest";

/** Older unmailed notifications are not dug up (a preference switched to digest long after). */
const LOOKBACK = "7 days";

interface DigestRow {
  id: string;
  email: string;
  text: string;
  created_at: Date;
}

/**
 * One mail per person with the unread, not yet mailed notifications of the kinds they receive as
 * a daily digest. The rows are claimed (`FOR UPDATE SKIP LOCKED`, then `mailed_at` set) in the same
 * transaction as the mails, so a digest that runs twice, or on two instances, mails each
 * notification once. Returns how many mails were written.
 */
export async function sendDigest(em: EntityManager, mailer: Mailer, appUrl: string): Promise<number> {
  const defaults = defaultsAsArrays();
  return em.transactional(async (tx) => {
    const rows = await tx.execute<DigestRow[]>(
      `WITH defaults AS (SELECT * FROM unnest(?::text[], ?::text[]) AS d(kind, delivery)),
       due AS (
         SELECT n.id FROM notifications n
           JOIN users u ON u.id = n.recipient_id
           JOIN defaults d ON d.kind = n.kind::text
           LEFT JOIN notification_preferences p ON p.user_id = n.recipient_id AND p.kind = n.kind
          WHERE n.mailed_at IS NULL AND n.read_at IS NULL AND n.created_at > now() - interval '${LOOKBACK}'
            AND u.email_verified_at IS NOT NULL AND coalesce(p.delivery::text, d.delivery) = ?
          FOR UPDATE OF n SKIP LOCKED),
       marked AS (
         UPDATE notifications n SET mailed_at = now() FROM due WHERE n.id = due.id
         RETURNING n.id, n.recipient_id, n.text, n.created_at)
       SELECT m.id, u.email, m.text, m.created_at FROM marked m JOIN users u ON u.id = m.recipient_id
        ORDER BY u.email, m.created_at`,
      [defaults.kinds, defaults.deliveries, NotificationDelivery.DAILY_DIGEST],
    );
    const byPerson = new Map<string, DigestRow[]>();
    for (const row of rows) byPerson.set(row.email, [...(byPerson.get(row.email) ?? []), row]);
    for (const [email, items] of byPerson) {
      const lines = items.map((n) => `- ${n.text}\n  ${appUrl}/notifications/${toGlobalId("Notification", n.id)}`);
      const text = `Bonjour,\n\nVoici ce qui s'est passé depuis votre dernier résumé :\n\n${lines.join("\n")}\n\n--\n${SETTINGS_LINE.replace("{{APP_URL}}", appUrl)}\n`;
      await mailer.enqueue(tx, { to: email, subject: digestSubject(items.length), text });
    }
    return byPerson.size;
  });
}

export function digestJob(orm: MikroORM, mailer: Mailer, appUrl: string, cron: { expression: string; tz: string }): JobDefinition {
  return { queue: DIGEST_QUEUE, cron, run: async () => void (await sendDigest(orm.em.fork(), mailer, appUrl)) };
}
