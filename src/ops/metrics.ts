import type { MikroORM } from "@mikro-orm/postgresql";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { notify, type PgBus } from "../realtime/bus";

/** What the WebSocket endpoint reports at each scrape. */
export interface SocketStats {
  sockets: number;
  subscriptions: number;
}

/** The tarn pool under MikroORM's knex client, as far as the metrics read it. */
interface PoolView {
  pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number; max: number };
}

/** Operation names are chosen by clients: past this many distinct ones, the rest count as "other". */
const MAX_OPERATION_NAMES = 200;
const PING_CHANNEL = "metrics_ping";
const PING_MS = 10_000;

/**
 * The Prometheus metrics of one process (prom-client, a registry of its own so that several
 * servers in one process, as in the tests, do not share counters). Counters are moved by the
 * request paths; gauges that need the database (outbox, job queue, pool) are read at scrape time,
 * so an idle server costs nothing. Names are listed in the README (Operations).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly names = new Set<string>();
  private readonly requests: Counter<"operation" | "transport" | "code">;
  private readonly errors: Counter<"operation" | "transport" | "code">;
  private readonly duration: Histogram<"operation" | "transport">;
  private readonly busLag: Gauge;
  private socketStats: () => SocketStats = () => ({ sockets: 0, subscriptions: 0 });
  private pinger: NodeJS.Timeout | null = null;
  private unlisten: (() => void) | null = null;
  private readonly instance = `${process.pid}-${Math.random().toString(36).slice(2)}`;

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: PgBus,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "scopgraph_" });
    this.requests = new Counter({
      name: "scopgraph_graphql_requests_total",
      help: "GraphQL operations answered, by operation name, transport (http, ws) and outcome code (OK or the first error's code).",
      labelNames: ["operation", "transport", "code"],
      registers,
    });
    this.errors = new Counter({
      name: "scopgraph_graphql_errors_total",
      help: "GraphQL errors returned, by operation name, transport and error code.",
      labelNames: ["operation", "transport", "code"],
      registers,
    });
    this.duration = new Histogram({
      name: "scopgraph_graphql_request_duration_seconds",
      help: "Time to answer a GraphQL query or mutation, by operation name and transport.",
      labelNames: ["operation", "transport"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.busLag = new Gauge({
      name: "scopgraph_bus_lag_seconds",
      help: "Round trip of the last NOTIFY this instance sent to itself through PostgreSQL.",
      registers,
    });
    this.registerLiveGauges(registers);
    this.registerDatabaseGauges(registers);
  }

  /** Sockets, subscriptions and the PostgreSQL bus, read when scraped. */
  private registerLiveGauges(registers: Registry[]): void {
    const stats = () => this.socketStats();
    new Gauge({
      name: "scopgraph_ws_sockets",
      help: "Open graphql-ws sockets.",
      registers,
      collect() {
        this.set(stats().sockets);
      },
    });
    new Gauge({
      name: "scopgraph_ws_subscriptions",
      help: "Running subscriptions on the open sockets.",
      registers,
      collect() {
        this.set(stats().subscriptions);
      },
    });
    const busView = this.bus;
    new Gauge({
      name: "scopgraph_bus_connected",
      help: "1 while the LISTEN connection to PostgreSQL is up.",
      registers,
      collect() {
        this.set(busView.connected ? 1 : 0);
      },
    });
    new Counter({
      name: "scopgraph_bus_notifications_total",
      help: "Notifications heard on the PostgreSQL bus, by channel.",
      labelNames: ["channel"],
      registers,
      collect() {
        this.reset();
        for (const [channel, n] of busView.received) this.inc({ channel }, n);
      },
    });
  }

  /** The outbox, the job queue and the connection pool, read from the database when scraped. */
  private registerDatabaseGauges(registers: Registry[]): void {
    const db = this.orm;
    new Gauge({
      name: "scopgraph_mail_outbox",
      help: "Mails in the outbox, by status (PENDING waits for delivery or a retry).",
      labelNames: ["status"],
      registers,
      async collect() {
        const rows = await db.em.getConnection().execute<{ status: string; n: string }[]>("SELECT status, count(*) AS n FROM mail_outbox GROUP BY status");
        this.reset();
        for (const status of ["PENDING", "SENT", "FAILED"]) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
      },
    });
    new Gauge({
      name: "scopgraph_jobs",
      help: "Background jobs in the pg-boss queue, by queue and state (created, retry, active, completed, failed...).",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        this.reset();
        const [present] = await db.em.getConnection().execute<{ t: string | null }[]>("SELECT to_regclass('pgboss.job')::text AS t");
        if (!present?.t) return;
        const rows = await db.em
          .getConnection()
          .execute<{ name: string; state: string; n: string }[]>("SELECT name, state::text AS state, count(*) AS n FROM pgboss.job GROUP BY 1, 2");
        for (const row of rows) this.set({ queue: row.name, state: row.state }, Number(row.n));
      },
    });
    new Gauge({
      name: "scopgraph_db_pool_connections",
      help: "Database pool connections of this instance, by state (used, free, pending acquires, max).",
      labelNames: ["state"],
      registers,
      collect() {
        const pool = (db.em.getConnection().getKnex().client as unknown as PoolView).pool;
        if (!pool) return;
        this.set({ state: "used" }, pool.numUsed());
        this.set({ state: "free" }, pool.numFree());
        this.set({ state: "pending" }, pool.numPendingAcquires());
        this.set({ state: "max" }, pool.max);
      },
    });
  }

  /** Starts the bus round-trip probe. */
  async start(): Promise<void> {
    this.unlisten = await this.bus.on(PING_CHANNEL, (payload) => {
      const ping = JSON.parse(payload) as { instance: string; at: number };
      if (ping.instance === this.instance) this.busLag.set((performance.timeOrigin + performance.now() - ping.at) / 1000);
    });
    const ping = () =>
      void notify(this.orm.em.fork(), PING_CHANNEL, { instance: this.instance, at: performance.timeOrigin + performance.now() }).catch(() => undefined);
    ping();
    this.pinger = setInterval(ping, PING_MS);
    this.pinger.unref();
  }

  stop(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.unlisten?.();
  }

  /** The WebSocket endpoint tells how to count its sockets. */
  watchSockets(stats: () => SocketStats): void {
    this.socketStats = stats;
  }

  /** Records one answered operation. */
  observe(operation: string | null | undefined, transport: "http" | "ws", seconds: number | null, errorCodes: string[]): void {
    const name = this.label(operation);
    this.requests.inc({ operation: name, transport, code: errorCodes[0] ?? "OK" });
    for (const code of errorCodes) this.errors.inc({ operation: name, transport, code });
    if (seconds !== null) this.duration.observe({ operation: name, transport }, seconds);
  }

  private label(operation: string | null | undefined): string {
    if (!operation) return "anonymous";
    if (this.names.has(operation)) return operation;
    if (this.names.size >= MAX_OPERATION_NAMES || !/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(operation)) return "other";
    this.names.add(operation);
    return operation;
  }
}
