import type { EntityManager } from "@mikro-orm/postgresql";
import { notify } from "./bus";

/** The bus channel of one bid's log: `{bidId, seq}` on every event, at commit. */
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
}

export interface NewBidEvent {
  type: string;
  payload: Record<string, unknown>;
  actorId: string | null;
  clientMutationId: string | null;
  /** What the mutation returned, `Type:uuid`, so that a retry returns it again. */
  result: string | null;
  sectionId?: string | null;
}

/**
 * Appends one event to a bid's log inside the caller's transaction: takes the next seq from the
 * bid's head counter (gapless: the row lock orders concurrent writers, a rollback gives the
 * number back), inserts the event and notifies at commit. Returns the seq.
 */
export async function appendBidEvent(em: EntityManager, bidId: string, event: NewBidEvent): Promise<number> {
  const rows = await em.execute<{ head_seq: number }[]>(
    "UPDATE bids SET head_seq = head_seq + 1, updated_at = now() WHERE id = ? RETURNING head_seq",
    [bidId],
  );
  const seq = rows[0]?.head_seq;
  if (seq === undefined) throw new Error(`bid ${bidId} vanished while appending an event`);
  await em.execute(
    `INSERT INTO bid_events (id, bid_id, seq, type, payload, actor_id, client_mutation_id, result, section_id)
     VALUES (gen_random_uuid(), ?, ?, ?, ?::jsonb, ?, ?, ?, ?)`,
    [bidId, seq, event.type, JSON.stringify(event.payload), event.actorId, event.clientMutationId, event.result, event.sectionId ?? null],
  );
  const notice: BidEventNotice = { bidId, seq };
  await notify(em, bidChannel(bidId), notice);
  return seq;
}
