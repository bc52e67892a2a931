import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { toGlobalId } from "../common/node";
import type { JobDefinition } from "../jobs/jobs";
import { NotificationKind } from "./notification.enums";
import { notifyPeople } from "./notify";
import { peopleOfBid } from "./recipients";

export const REMINDER_QUEUE = "deadline-reminders";

/** Days before the submission deadline at which the people of an open bid are reminded. */
export const REMINDER_DAYS = [7, 2] as const;

/** Bids still being prepared: an officer's proposal awaiting its team, a draft, one in review. */
export const OPEN_BID_STATUSES = ["PROPOSED", "DRAFT", "IN_REVIEW"] as const;

interface DueRow {
  bid_id: string;
  tender_id: string;
  title: string;
  deadline: Date;
  days: number;
}

const FORMAT = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long", timeStyle: "short" });

export function reminderText(days: number, title: string, deadline: Date): string {
  return `Dépôt dans ${days} jours : « ${title} », date limite le ${FORMAT.format(deadline)}`;
}

/**
 * Sends the reminders that are due: for each open bid on an OPEN tender whose deadline is within
 * 7 days (or 2), one DEADLINE_REMINDER to each of its people, keyed `reminder:<bidId>:<days>` so
 * that a second scan, a retry or another instance sends nothing more. Only the nearest threshold
 * is sent: a bid that opens 3 days before the deadline gets the 2-day reminder only.
 */
export async function sendDueReminders(em: EntityManager, now = new Date()): Promise<number> {
  const due = await em.execute<DueRow[]>(
    `SELECT b.id AS bid_id, t.id AS tender_id, t.title, t.submission_deadline AS deadline,
            CASE WHEN t.submission_deadline <= ?::timestamptz + interval '2 days' THEN 2 ELSE 7 END AS days
       FROM bids b JOIN tenders t ON t.id = b.tender_id
      WHERE t.status = 'OPEN' AND b.status::text = ANY(?::text[])
        AND t.submission_deadline > ?::timestamptz AND t.submission_deadline <= ?::timestamptz + interval '7 days'`,
    [now, `{${OPEN_BID_STATUSES.join(",")}}`, now, now],
  );
  let sent = 0;
  for (const row of due) {
    sent += await em.transactional(async (tx) => {
      const people = await peopleOfBid(tx, row.bid_id, ["ACCEPTED", "INVITED"]);
      const written = await notifyPeople(tx, people, {
        kind: NotificationKind.DEADLINE_REMINDER,
        text: reminderText(row.days, row.title, new Date(row.deadline)),
        subjectId: toGlobalId("Bid", row.bid_id),
        dedupeKey: `reminder:${row.bid_id}:${row.days}`,
      });
      return written.length;
    });
  }
  return sent;
}

export function reminderJob(orm: MikroORM, everySeconds: number): JobDefinition {
  return { queue: REMINDER_QUEUE, everySeconds, run: async () => void (await sendDueReminders(orm.em.fork())) };
}
