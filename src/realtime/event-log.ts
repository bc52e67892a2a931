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
  // One round trip: take the next seq, insert the event, notify (delivered at commit).
  const rows = await em.execute<{ seq: number }[]>(
    `WITH head AS (
       UPDATE bids SET head_seq = head_seq + 1, updated_at = now() WHERE id = ? RETURNING head_seq
     ), inserted AS (
       INSERT INTO bid_events (id, bid_id, seq, type, payload, actor_id, client_mutation_id, result, section_id, request_hash)
       SELECT gen_random_uuid(), ?, head.head_seq, ?, ?::jsonb, ?, ?, ?, ?, ? FROM head
       RETURNING *
     )
     SELECT seq, pg_notify(?, bid_event_notice(row_to_json(inserted))) AS notified FROM inserted`,
    [
      bidId,
      bidId,
      event.type,
      JSON.stringify(event.payload),
      event.actorId,
      event.clientMutationId,
      event.result,
      event.sectionId ?? null,
      event.requestHash ?? null,
      bidChannel(bidId),
    ],
  );
  const seq = rows[0]?.seq;
  if (seq === undefined) throw new Error(`bid ${bidId} vanished while appending an event`);
  return seq;
}
