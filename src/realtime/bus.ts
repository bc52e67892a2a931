import type { EntityManager } from "@mikro-orm/postgresql";
import { Client } from "pg";
import type { Logger } from "pino";

type Handler = (payload: string) => void;

/**
 * PostgreSQL LISTEN/NOTIFY as the fan-out between API instances: one dedicated connection per
 * process listens; writers notify inside their transaction, so a rolled-back change emits
 * nothing. The connection is re-opened after a failure and every channel listened again; events
 * that matter are also in tables, so a subscriber that missed some during an outage catches up
 * from there.
 */
export class PgBus {
  private client: Client | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private stopped = false;
  private reconnecting: Promise<void> | null = null;
  /** Called after a reconnection, so subscribers can resync from the tables. */
  private readonly reconnectHooks = new Set<() => void>();

  private constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  static async start(url: string, log: Logger): Promise<PgBus> {
    const bus = new PgBus(url, log);
    await bus.connect();
    return bus;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: "scopgraph-bus", keepAlive: true });
    client.on("notification", (message) => {
      if (message.payload !== undefined) this.dispatch(message.channel, message.payload);
    });
    client.on("error", (error) => {
      this.log.warn({ err: error }, "bus connection lost");
      void this.reconnect();
    });
    client.on("end", () => {
      if (!this.stopped) void this.reconnect();
    });
    await client.connect();
    this.client = client;
    // Through the same queue as on()/off(): one statement at a time on the listening connection.
    await this.serial(async (c) => {
      for (const channel of this.handlers.keys()) await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
    });
  }

  private reconnect(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.reconnecting ??= (async () => {
      const old = this.client;
      this.client = null;
      old?.removeAllListeners();
      await old?.end().catch(() => undefined);
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          await this.connect();
          this.log.info({ attempt }, "bus reconnected");
          for (const hook of this.reconnectHooks) hook();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
        }
      }
    })().finally(() => {
      this.reconnecting = null;
    });
    return this.reconnecting;
  }

  /** Listens to a channel; the returned function stops listening. */
  async on(channel: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.serial((client) => client.query(`LISTEN ${client.escapeIdentifier(channel)}`));
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(channel);
      current?.delete(handler);
      if (current && current.size === 0) {
        this.handlers.delete(channel);
        void this.serial((client) => client.query(`UNLISTEN ${client.escapeIdentifier(channel)}`)).catch(() => undefined);
      }
    };
  }

  /** One statement at a time on the listening connection (pg queues them, with a warning). */
  private chain: Promise<unknown> = Promise.resolve();
  private serial(run: (client: Client) => Promise<unknown>): Promise<unknown> {
    const next = this.chain.then(() => (this.client ? run(this.client) : undefined));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Notifications heard per channel since start, for the metrics. */
  readonly received = new Map<string, number>();

  /**
   * How many handlers hear `channel` now. A first handler counts once its LISTEN is done, so a
   * test can wait for a subscription to be listening instead of sleeping.
   */
  listeners(channel: string): number {
    return this.handlers.get(channel)?.size ?? 0;
  }

  /** Whether the listening connection is up (false while reconnecting). */
  get connected(): boolean {
    return this.client !== null && this.reconnecting === null;
  }

  private dispatch(channel: string, payload: string): void {
    this.received.set(channel, (this.received.get(channel) ?? 0) + 1);
    const set = this.handlers.get(channel);
    if (set) for (const handler of set) handler(payload);
  }

  /**
   * Hands a notification this process has just committed to its own listeners at once, instead
   * of when PostgreSQL wakes the listening connection (a process hop on a busy machine). The same
   * notification still arrives from PostgreSQL, for every instance: only channels whose handlers
   * take each message once (the bid feeds, by seq) are delivered this way.
   */
  deliverLocally(channel: string, payload: string): void {
    this.dispatch(channel, payload);
  }

  onReconnect(hook: () => void): () => void {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

/** Sends a notification in the em's transaction: delivered at commit, dropped on rollback. */
export async function notify(em: EntityManager, channel: string, payload: object): Promise<void> {
  await em.execute("SELECT pg_notify(?, ?)", [channel, JSON.stringify(payload)]);
}

/**
 * The notifications of a channel as an async iterator of parsed payloads, for a GraphQL
 * subscription; `accept` filters per subscriber. The iterator stops listening when the client
 * unsubscribes or the socket closes.
 */
export function subscribe<T>(bus: PgBus, channel: string, accept: (payload: T) => boolean | Promise<boolean> = () => true): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  let off: (() => void) | null = null;
  const ready = bus.on(channel, (raw) => {
    let payload: T;
    try {
      payload = JSON.parse(raw) as T;
    } catch {
      return;
    }
    queue.push(payload);
    wake?.();
  });
  void ready.then((stop) => {
    if (done) stop();
    else off = stop;
  });
  const finish = async (): Promise<IteratorResult<T>> => {
    done = true;
    off?.();
    wake?.();
    return { value: undefined, done: true };
  };
  return {
    async next(): Promise<IteratorResult<T>> {
      await ready;
      while (!done) {
        const payload = queue.shift();
        if (payload !== undefined) {
          if (await accept(payload)) return { value: payload, done: false };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
      return { value: undefined, done: true };
    },
    return: finish,
    throw: async (error: unknown) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Maps (and filters, when `fn` returns undefined) an async iterator, forwarding `return` to the
 * source at once: an async generator would queue it behind a pending `next`, keeping the
 * subscription alive until the next notification.
 */
export function mapIterator<T, U>(source: AsyncIterator<T>, fn: (value: T) => Promise<U | undefined> | U | undefined): AsyncIterableIterator<U> {
  return {
    async next(): Promise<IteratorResult<U>> {
      for (;;) {
        const item = await source.next();
        if (item.done) return { value: undefined, done: true };
        const mapped = await fn(item.value);
        if (mapped !== undefined) return { value: mapped, done: false };
      }
    },
    async return(): Promise<IteratorResult<U>> {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown): Promise<IteratorResult<U>> {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
