import type { EntityManager } from "@mikro-orm/postgresql";
import type { PgBus } from "../../realtime/bus";
import { bidChannel, noticeHead } from "../live/event-log";

/** What `bid_apply_section_updates` answers for one update of a batch. */
export interface ApplyOutcome {
  outcome: string;
  seq: number | null;
  /** The notification sent for the event (a BidEventNotice as JSON), when one was appended. */
  notice: string | null;
  bid_status: string | null;
}

interface Pending {
  /**
   * The section's bid, as the socket's access decision knows it (section-access.ts): the queue's
   * key. Null when no decision names one (no such section): the statement answers for itself.
   */
  bidId: string | null;
  sectionId: string;
  userId: string;
  /** Over a WebSocket, the socket's session, checked in the statement (no lookup before the relay). */
  session: { id: string; tokenVersion: number } | null;
  clientMutationId: string | null;
  payload: string;
  resolve(outcome: ApplyOutcome): void;
  reject(error: unknown): void;
}

/** Updates carried by one statement at most. */
const MAX_BATCH = 100;

/**
 * Statements in flight per bid: one, so that the updates arriving during a statement all go in
 * the next and a bid under heavy typing commits fewer, larger batches. Two (the second waiting in
 * PostgreSQL on the bid's row lock) saved a round trip for an update that arrived during a
 * commit, but split the waiting updates over two statements: in an interleaved A/B on the
 * bench's 2-core machine (bench/README.md, 2026-12-07), one gave a fifth more durable updates/s
 * with a section per writer, for the same server CPU and latency. Seqs stay gapless and in commit
 * order (the bid's lock orders them), whatever the depth.
 */
const DEPTH = 1;

/**
 * Group commit for text updates, per bid and process: while DEPTH statements are in flight, the
 * updates that arrive for any section of the same bid wait, then go together in the next one
 * (each gets its own event and seq, in arrival order). Every update is still committed before it
 * is acknowledged; a commit (and its disk flush) is shared by many, so that a bid under heavy
 * typing, in one section or in twenty, does not queue one fsync per keystroke on its row lock
 * (the lock that orders the bid's log). A statement locks one bid only (no deadlock between
 * instances).
 */
export class SectionWriter {
  private readonly queues = new Map<string, Pending[]>();
  /** Drain loops running per section (DEPTH at most). */
  private readonly running = new Map<string, number>();

  /** `em`: a fork of its own (the writer outlives every request). */
  constructor(
    private readonly em: EntityManager,
    private readonly bus: PgBus,
  ) {}

  apply(item: Omit<Pending, "resolve" | "reject">): Promise<ApplyOutcome> {
    const key = item.bidId ?? `section:${item.sectionId}`;
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      queue.push({ ...item, resolve, reject });
      this.queues.set(key, queue);
      if ((this.running.get(key) ?? 0) < DEPTH) void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    try {
      for (;;) {
        const queue = this.queues.get(key);
        if (!queue || queue.length === 0) {
          this.queues.delete(key);
          return;
        }
        const batch = queue.splice(0, MAX_BATCH);
        try {
          const outcomes = await this.write(batch);
          this.deliver(outcomes);
          batch.forEach((item, i) => item.resolve(outcomes[i]!));
        } catch (error) {
          // One bad apple fails the statement: apply each on its own, so only it fails.
          if (batch.length === 1) batch[0]!.reject(error);
          else {
            for (const item of batch) {
              await this.write([item]).then(
                (outcomes) => {
                  this.deliver(outcomes);
                  item.resolve(outcomes[0]!);
                },
                (e: unknown) => item.reject(e),
              );
            }
          }
        }
      }
    } finally {
      const left = (this.running.get(key) ?? 1) - 1;
      if (left > 0) this.running.set(key, left);
      else this.running.delete(key);
    }
  }

  /** Committed events go to this process's subscribers now; other instances get them by NOTIFY. */
  private deliver(outcomes: ApplyOutcome[]): void {
    for (const { notice } of outcomes) {
      if (notice === null) continue;
      const head = noticeHead(notice);
      if (head) this.bus.deliverLocally(bidChannel(head.bidId), notice);
    }
  }

  private async write(batch: Pending[]): Promise<ApplyOutcome[]> {
    // One bid per batch (the queues are per bid): its updates as arrays, in arrival order.
    const params = [
      batch[0]!.bidId,
      batch.map((item) => item.sectionId),
      batch.map((item) => item.session?.id ?? null),
      batch.map((item) => item.session?.tokenVersion ?? null),
      batch.map((item) => item.userId),
      batch.map((item) => item.clientMutationId),
      batch.map((item) => item.payload),
    ];
    // Straight on a pooled connection, as one prepared statement whatever the batch size: this
    // runs for every keystroke, and the ORM's query path cost more than the statement itself.
    const knex = this.em.getConnection().getKnex().client as unknown as PooledClient;
    let client: PgConnection;
    try {
      client = await knex.acquireConnection();
    } catch (error) {
      throw this.em.getDriver().convertException(error as Error);
    }
    try {
      const result = await client.query<ApplyOutcome & { ord: number }>({ name: "bid_apply_section_updates", text: APPLY_BATCH, values: params });
      if (result.rows.length !== batch.length) throw new Error("bid_apply_section_updates answered for fewer updates than sent");
      return result.rows;
    } catch (error) {
      throw error instanceof Error && "code" in error ? this.em.getDriver().convertException(error) : error;
    } finally {
      await knex.releaseConnection(client);
    }
  }
}

/** A batch of one bid's updates (migration 20261206210000): one lock, one append, one notification. */
const APPLY_BATCH =
  "SELECT r.* FROM bid_apply_text_updates($1::uuid, $2::uuid[], $3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::jsonb[]) AS r ORDER BY r.ord";

/** The parts of knex's client and of a pg connection the writer uses. */
interface PgConnection {
  query<R>(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}
interface PooledClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}
