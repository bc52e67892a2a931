import type { EntityManager } from "@mikro-orm/postgresql";
import { BadInputError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import { KeysetPage, withCursor, type Keyset, type SqlPart } from "../common/keyset";
import { Notification } from "./notification.entity";
import { NotificationKind } from "./notification.enums";
import type {
  MarkNotificationsReadInput,
  MarkNotificationsReadPayload,
  NotificationConnection,
  NotificationPreferenceInput,
  NotificationPreferenceSetting,
} from "./notification.types";
import { NotificationPreference } from "./preference.entity";
import { defaultDelivery, type NotificationDelivery } from "./preferences";

/** Marked read at once at most: larger sets use `all`. */
const MAX_IDS = 100;

export async function unreadCount(em: EntityManager, userId: string): Promise<number> {
  return em.count(Notification, { recipient: userId, readAt: null });
}

/**
 * Newest first on (createdAt, id), the time cut to milliseconds as the cursor carries it
 * (notifications written in one transaction share their microseconds).
 */
const INBOX_KEYSET: Keyset<Notification> = {
  key: [
    { sql: "date_trunc('milliseconds', created_at)", kind: "date", cast: "::timestamptz" },
    { sql: "id", kind: "uuid", cast: "::uuid" },
  ],
  direction: "DESC",
  keyOf: (n) => [n.createdAt.toISOString(), n.id],
};

/** A person's inbox, newest first, keyset-paged on (createdAt, id). */
export async function inbox(
  em: EntityManager,
  userId: string,
  args: { first?: number | null; after?: string | null; unreadOnly?: boolean | null },
): Promise<NotificationConnection> {
  const paging = new KeysetPage(INBOX_KEYSET, { first: args.first, after: args.after });
  const where = { recipient: userId, ...(args.unreadOnly ? { readAt: null } : {}) };
  const selected: SqlPart = { sql: `recipient_id = ? ${args.unreadOnly ? "AND read_at IS NULL" : ""}`, params: [userId] };
  const conditions = withCursor(selected, paging);
  const [idRows, total, unread] = await Promise.all([
    em.execute<{ id: string }[]>(`SELECT id FROM notifications WHERE ${conditions.sql} ORDER BY ${paging.orderBy().sql} LIMIT ?`, [
      ...conditions.params,
      paging.limit,
    ]),
    em.count(Notification, where),
    unreadCount(em, userId),
  ]);
  const found = new Map((await em.find(Notification, { id: { $in: idRows.map((r) => r.id) } })).map((n) => [n.id, n]));
  const rows = idRows.map((r) => found.get(r.id)).filter((n): n is Notification => n !== undefined);
  const page = paging.connection(rows, total);
  return { ...page, unreadCount: unread };
}

/** Marks some (their own; another's answers NOT_FOUND) or all of a person's notifications read. */
export async function markRead(em: EntityManager, userId: string, input: MarkNotificationsReadInput): Promise<MarkNotificationsReadPayload> {
  const ids = input.ids ?? null;
  if ((ids === null) === (input.all !== true)) throw new BadInputError("input", "give either `ids` or `all: true`");
  if (ids !== null && (ids.length === 0 || ids.length > MAX_IDS)) throw new BadInputError("input.ids", `between 1 and ${MAX_IDS} ids, or all: true`);
  const keys = ids?.map((id) => decodeId("Notification", id, "input.ids")) ?? null;
  return em.transactional(async (tx) => {
    if (keys) {
      const found = await tx.count(Notification, { id: { $in: keys }, recipient: userId });
      if (found !== new Set(keys).size) throw new NotFoundError("Notification");
    }
    const marked = await tx.nativeUpdate(Notification, { recipient: userId, readAt: null, ...(keys ? { id: { $in: keys } } : {}) }, { readAt: new Date() });
    return { marked, unreadCount: await unreadCount(tx, userId) };
  });
}

export async function preferencesOf(em: EntityManager, userId: string): Promise<NotificationPreferenceSetting[]> {
  const chosen = new Map<NotificationKind, NotificationDelivery>((await em.find(NotificationPreference, { user: userId })).map((p) => [p.kind, p.delivery]));
  return Object.values(NotificationKind).map((kind) => ({ kind, delivery: chosen.get(kind) ?? defaultDelivery(kind), isDefault: !chosen.has(kind) }));
}

/** Sets the given kinds (others keep their choice or default); a kind twice is a bad input. */
export async function setPreferences(em: EntityManager, userId: string, input: NotificationPreferenceInput[]): Promise<NotificationPreferenceSetting[]> {
  if (input.length === 0) throw new BadInputError("preferences", "give at least one kind");
  if (new Set(input.map((p) => p.kind)).size !== input.length) throw new BadInputError("preferences", "each kind at most once");
  await em.transactional(async (tx) => {
    for (const { kind, delivery } of input) {
      await tx.execute(
        `INSERT INTO notification_preferences (id, user_id, kind, delivery) VALUES (gen_random_uuid(), ?, ?, ?)
         ON CONFLICT (user_id, kind) DO UPDATE SET delivery = excluded.delivery, updated_at = now()`,
        [userId, kind, delivery],
      );
    }
  });
  return preferencesOf(em.fork(), userId);
}
