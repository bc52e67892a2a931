import { randomUUID } from "node:crypto";
import { Client } from "pg";
import type { Logger } from "pino";

/** The application_name prefix of the connection that keeps an instance's slots alive. */
const SLOT_APP = "scopgraph-sockets:";

/**
 * Open WebSockets per client address, counted across every instance in `socket_slots`, so the
 * per-address cap holds behind a load balancer. Each instance keeps one connection named after
 * its id: rows count only while that connection is open (`pg_stat_activity`), so the sockets of
 * a crashed instance stop counting when PostgreSQL sees its connection go, with no heartbeat.
 * A claim takes a transaction-scoped advisory lock on the address, so two instances never both
 * admit the last slot.
 */
export class SocketSlots {
  readonly instanceId = randomUUID();
  private client: Client | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly limit: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
    // Rows of instances whose connection is gone: crashed ones, or this process's previous life.
    await this.run((c) =>
      c.query(`DELETE FROM socket_slots s WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = $1 || s.instance_id)`, [SLOT_APP]),
    );
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: `${SLOT_APP}${this.instanceId}`, keepAlive: true });
    client.on("error", (error) => {
      this.log.warn({ err: error }, "socket slot connection lost");
      this.client = null;
    });
    await client.connect();
    this.client = client;
  }

  /** One statement at a time on the slot connection; reconnects once if it was lost. */
  private run<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (!this.client && !this.stopped) await this.connect();
      if (!this.client) throw new Error("socket slots are stopped");
      return work(this.client);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Takes a slot for `address` when fewer than the limit are open on all instances together.
   * A database failure admits the socket (the cap protects against floods; it must not turn an
   * outage of this table into an outage of live editing) and logs it.
   */
  async claim(address: string): Promise<boolean> {
    try {
      return await this.run(async (c) => {
        const { rows } = await c.query<{ admitted: boolean }>(
          `WITH lock AS (SELECT pg_advisory_xact_lock(hashtext('socket-slot:' || $1::text))),
                open AS (
                  SELECT coalesce(sum(s.count), 0) AS n FROM lock, socket_slots s
                   WHERE s.address = $1
                     AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = $3 || s.instance_id)),
                took AS (
                  INSERT INTO socket_slots (instance_id, address, count) SELECT $2, $1, 1 FROM open WHERE open.n < $4
                  ON CONFLICT (address, instance_id) DO UPDATE SET count = socket_slots.count + 1
                  RETURNING 1)
           SELECT EXISTS (SELECT 1 FROM took) AS admitted`,
          [address, this.instanceId, SLOT_APP, this.limit],
        );
        return rows[0]?.admitted === true;
      });
    } catch (error) {
      this.log.warn({ err: error }, "socket slot claim failed: admitting");
      return true;
    }
  }

  /** Gives back a slot of `address` taken by this instance. */
  async release(address: string): Promise<void> {
    await this.run(async (c) => {
      await c.query("UPDATE socket_slots SET count = count - 1 WHERE address = $1 AND instance_id = $2", [address, this.instanceId]);
      await c.query("DELETE FROM socket_slots WHERE address = $1 AND instance_id = $2 AND count <= 0", [address, this.instanceId]);
    }).catch((error: unknown) => this.log.warn({ err: error }, "socket slot release failed"));
  }

  /** Closes the slot connection: this instance's rows stop counting at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    await this.run((c) => c.query("DELETE FROM socket_slots WHERE instance_id = $1", [this.instanceId])).catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
