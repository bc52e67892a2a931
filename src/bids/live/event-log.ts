import type { EntityManager } from "@mikro-orm/postgresql";

/**
 * The bus channel of one bid's log: a BidEventNotice on every event, at commit (built by the SQL
 * function `bid_event_notice`, migration 20261126105000).
 */
export function bidChannel(bidId: string): string {
  return `bid_${bidId.replace(/-/g, "")}`;
}

/** The bus channel of one bid's presence (ephemeral, never logged). */
export function presenceChannel(bidId: string): string {
  return `presence_${bidId.replace(/-/g, "")}`;
}

export interface BidEventNotice {
  bidId: string;
  seq: number;
  /** The event's row (column names, JSON values), unless it was too large for a notification. */
  event?: Record<string, unknown>;
  /** A batch's events (rows, in seq order, the last at `seq`), when they fit in the notification. */
  events?: Record<string, unknown>[];
}

/** How `bid_event_notice` (json_build_object) begins every notice: its bid, then its seq. */
export const NOTICE_HEAD = /^\{"bidId" : "([0-9a-f-]{36})", "seq" : (\d+)[,}]/;

/**
 * The bid and seq of a notice, read from its head: the event it carries (a keystroke's update,
 * in base64) is parsed only by whoever needs it. Every committed text update reaches its own
 * instance twice (delivered locally, then by PostgreSQL) and the second needs only the seq.
 * Parses the whole when the head is not in the expected form; null when it is not a notice.
 */
export function noticeHead(raw: string): { bidId: string; seq: number } | null {
  const head = NOTICE_HEAD.exec(raw);
  if (head) return { bidId: head[1]!, seq: Number(head[2]) };
  try {
    const notice = JSON.parse(raw) as Partial<BidEventNotice> | null;
    return typeof notice?.bidId === "string" && typeof notice.seq === "number" ? { bidId: notice.bidId, seq: notice.seq } : null;
  } catch {
    return null;
  }
}

export interface NewBidEvent {
  type: string;
  payload: Record<string, unknown>;
  actorId: string | null;
  clientMutationId: string | null;
  /** What the mutation returned, `Type:uuid`, so that a retry returns it again. */
  result: string | null;
  sectionId?: string | null;
  /** Fingerprint of the request a clientMutationId stands for (bids/bid.tx.ts). */
  requestHash?: string | null;
}

/**
 * Appends one event to a bid's log inside the caller's transaction: takes the next seq from the
 * bid's head counter (gapless: the row lock orders concurrent writers, a rollback gives the
 * number back), inserts the event and notifies at commit. Returns the seq.
 */
export async function appendBidEvent(em: EntityManager, bidId: string, event: NewBidEvent): Promise<number> {
  // One round trip, through the one definition of an append (migration 20261206080000).
  const rows = await em.execute<{ seq: number }[]>("SELECT seq FROM bid_append_event(?, ?::bid_event_type, ?::jsonb, ?, ?, ?, ?, ?)", [
    bidId,
    event.type,
    JSON.stringify(event.payload),
    event.actorId,
    event.clientMutationId,
    event.result,
    event.sectionId ?? null,
    event.requestHash ?? null,
  ]);
  const seq = rows[0]?.seq;
  if (seq === undefined) throw new Error(`bid ${bidId} vanished while appending an event`);
  return seq;
}
