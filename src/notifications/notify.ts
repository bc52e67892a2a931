import type { EntityManager } from "@mikro-orm/postgresql";
import { notify as publish } from "../realtime/bus";
import type { NotificationKind } from "./notification.enums";

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
 */
export async function notifyPeople(
  em: EntityManager,
  recipients: Iterable<string>,
  draft: NotificationDraft,
  options: { except?: string | null } = {},
): Promise<{ id: string; userId: string }[]> {
  const userIds = [...new Set(recipients)].filter((id) => id !== options.except);
  if (userIds.length === 0) return [];
  const rows = await em.execute<{ id: string; recipient_id: string }[]>(
    `INSERT INTO notifications (id, recipient_id, kind, text, subject_id, dedupe_key)
     SELECT gen_random_uuid(), u.id, ?, ?, ?, ? FROM users u WHERE u.id = ANY(?::uuid[])
     ON CONFLICT (recipient_id, dedupe_key) DO NOTHING
     RETURNING id, recipient_id`,
    [draft.kind, draft.text.slice(0, 500), draft.subjectId ?? null, draft.dedupeKey ?? null, `{${userIds.join(",")}}`],
  );
  for (let i = 0; i < rows.length; i += PER_NOTICE) {
    const slice = rows.slice(i, i + PER_NOTICE);
    const notice: NotificationNotice = { ids: slice.map((r) => r.id), userIds: slice.map((r) => r.recipient_id) };
    await publish(em, NOTIFICATIONS_CHANNEL, notice);
  }
  return rows.map((r) => ({ id: r.id, userId: r.recipient_id }));
}
