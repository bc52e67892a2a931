import type { EntityManager } from "@mikro-orm/postgresql";
import { MAIL_CHANNEL } from "../mail/mailer";
import { notify as publish } from "../realtime/bus";
import type { NotificationKind } from "./notification.enums";
import { immediateIntro, immediateOutro, immediateSubject, notificationLinkSql } from "./notification.mail";
import { defaultDelivery, NotificationDelivery } from "./preferences";

/** The bus channel on which every instance hears of new notifications, for live inboxes. */
export const NOTIFICATIONS_CHANNEL = "notifications";

/** What to tell people. */
export interface NotificationDraft {
  kind: NotificationKind;
  /** Short, in French, at most 500 characters (longer is cut). */
  text: string;
  /** Global id of the subject, for `node(id:)`. */
  subjectId?: string | null;
  /** When set, a recipient who already has a notification with this key gets no second one. */
  dedupeKey?: string | null;
}

/** A notification as published on the bus at commit. */
export interface NotificationNotice {
  ids: string[];
  userIds: string[];
}

/** Ids per bus notice: pg_notify refuses payloads over 8,000 bytes. */
const PER_NOTICE = 80;

/**
 * Writes a notification to each recipient's inbox inside the caller's transaction (nothing on
 * rollback) and announces it on the bus at commit. Recipients are user ids; duplicates and the
 * actor's own id, when given as `except`, are skipped. Returns the ids written.
 *
 * Recipients whose preference for the kind is IMMEDIATE (preferences.ts) and whose address is
 * verified also get a mail in the outbox, in the same statement: the notification and its mail
 * commit or vanish together, and a deduplicated notification sends no second mail.
 */
export async function notifyPeople(
  em: EntityManager,
  recipients: Iterable<string>,
  draft: NotificationDraft,
  options: {
    except?: string | null;
    /**
     * The caller delivers this notification by e-mail itself, or was told not to (a saved search
     * chooses per search): no mail is written here and the digest skips it.
     */
    mailHandled?: boolean;
  } = {},
): Promise<{ id: string; userId: string }[]> {
  const userIds = [...new Set(recipients)].filter((id) => id !== options.except);
  if (userIds.length === 0) return [];
  const text = draft.text.slice(0, 500);
  const rows = await em.execute<{ id: string; recipient_id: string; mailed: boolean }[]>(
    `WITH inserted AS (
       INSERT INTO notifications (id, recipient_id, kind, text, subject_id, dedupe_key, mailed_at)
       SELECT gen_random_uuid(), u.id, ?, ?, ?, ?,
              CASE WHEN ?::boolean OR (coalesce(p.delivery::text, ?) = ? AND u.email_verified_at IS NOT NULL) THEN now() END
         FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = ?
        WHERE u.id = ANY(?::uuid[])
       ON CONFLICT (recipient_id, dedupe_key) DO NOTHING
       RETURNING id, recipient_id, mailed_at),
     mailed AS (
       INSERT INTO mail_outbox (id, recipient, subject, text)
       SELECT gen_random_uuid(), u.email, ?, ? || ${notificationLinkSql("i.id")} || ?
         FROM inserted i JOIN users u ON u.id = i.recipient_id
        WHERE i.mailed_at IS NOT NULL AND NOT ?::boolean
       RETURNING id)
     SELECT id, recipient_id, mailed_at IS NOT NULL AND NOT ?::boolean AS mailed FROM inserted`,
    [
      draft.kind,
      text,
      draft.subjectId ?? null,
      draft.dedupeKey ?? null,
      options.mailHandled === true,
      defaultDelivery(draft.kind),
      NotificationDelivery.IMMEDIATE,
      draft.kind,
      `{${userIds.join(",")}}`,
      immediateSubject(text),
      immediateIntro(text),
      immediateOutro(),
      options.mailHandled === true,
      options.mailHandled === true,
    ],
  );
  for (let i = 0; i < rows.length; i += PER_NOTICE) {
    const slice = rows.slice(i, i + PER_NOTICE);
    const notice: NotificationNotice = { ids: slice.map((r) => r.id), userIds: slice.map((r) => r.recipient_id) };
    await publish(em, NOTIFICATIONS_CHANNEL, notice);
  }
  // Wakes the mail senders of every instance at commit, as Mailer.enqueue does.
  if (rows.some((r) => r.mailed)) await publish(em, MAIL_CHANNEL, {});
  return rows.map((r) => ({ id: r.id, userId: r.recipient_id }));
}
