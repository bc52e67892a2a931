/**
 * bench/live: 50 clients co-editing one section of one bid (Yjs text updates at a steady rate),
 * through Scopgraph's provider (each update relayed to the section's other editors before its
 * commit, acknowledged once it is durable in the bid's log) and through Hocuspocus 3.4 and its
 * provider (in memory), each server in its own process. Measures, per system: the latency from a
 * client's update to its arrival at each of the others (p50, p99), the server's CPU per update,
 * the sustained durable updates per second on one bid against pgbench on the same PostgreSQL
 * (Scopgraph only: Hocuspocus acknowledges nothing), and the server's memory with 1,000 idle
 * connected clients. Both servers run side by side; each first runs one latency round that is not
 * measured (warm JIT), then the measured rounds alternate between them. The editors run in worker
 * threads (editors.ts) at nice 19, ten to an event loop, as they would each have their own in a
 * browser.
 *
 *   npx ts-node --transpile-only bench/live/main.ts [--clients 50 --rate 2 --duration 15]
 *   or from code: `await runLive({ databaseUrl })` (prints its table, returns the figures).
 *
 * Hocuspocus and its provider are installed under bench/live only (package.json + lockfile,
 * pinned): `npm ci --prefix bench/live`; runLive does it when they are missing.
 */
import "reflect-metadata";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { MikroORM } from "@mikro-orm/postgresql";
import { Client as PgClient } from "pg";
import WebSocket from "ws";
import { PlatformRole } from "../../src/auth/roles";
import { Session } from "../../src/auth/session.entity";
import { signSession } from "../../src/auth/tokens";
import { User } from "../../src/auth/user.entity";
import { toGlobalId } from "../../src/common/node";
import { Cooperative, Membership } from "../../src/cooperatives/cooperative.entity";
import { LegalForm, MemberRole } from "../../src/cooperatives/cooperative.enums";
import { withLuhnKey } from "../../src/cooperatives/siret";
import { ormConfig } from "../../src/db/mikro-orm.config";
import { SectionProvider, Y, awarenessProtocol, type YDoc } from "../../src/client";
import { Lot, Tender } from "../../src/tenders/tender.entity";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { processCpuSeconds } from "../lib/cpu";
import type { EditorSpec, PhaseRecord, PhaseSpec } from "./editors";

const ROOT = path.resolve(__dirname, "../..");
const HERE = __dirname;
const JWT_SECRET = randomBytes(24).toString("hex");

export interface LiveOptions {
  /** A PostgreSQL server's URL (any database): the bench creates and drops its own. */
  databaseUrl: string;
  clients?: number;
  /** Updates per second per client. */
  rate?: number;
  durationMs?: number;
  warmupMs?: number;
  /** Latency rounds, alternating between the two systems; medians are reported. */
  rounds?: number;
  /** Worker threads the latency phase's editors are spread over (each its own event loop). */
  editorThreads?: number;
  idleClients?: number;
  /** Clients sending back to back (each waits for its acknowledgement) in the throughput phase. */
  throughputClients?: number;
  throughputMs?: number;
  /** Scopgraph from dist/ (built) or src/ through ts-node. */
  scopgraphFrom?: "dist" | "src";
  log?: (line: string) => void;
  /** Print the table on stdout (default true). */
  print?: boolean;
}

export interface SystemResult {
  name: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rounds: RoundFigures[];
  updatesSent: number;
  deliveries: number;
  expectedDeliveries: number;
  /** Acknowledged updates/s, the writers co-editing one section of the bid. */
  durableUpdatesPerSec: number | null;
  /** Acknowledged updates/s, each writer in a section of its own of the same bid. */
  durableOwnSectionsPerSec: number | null;
  /** pgbench's single-row UPDATE rate, same clients, same PostgreSQL (Scopgraph's run only). */
  pgbenchUpdatesPerSec: number | null;
  /** Each throughput round's figures (the three above are their medians). */
  throughputRounds: ThroughputRound[];
  baseRssMb: number;
  idleRssMb: number;
  idleKbPerClient: number;
  /** The heap used after a full collection, without and with the idle clients. */
  baseHeapMb: number;
  idleHeapMb: number;
  idleHeapKbPerClient: number;
}

/** One round of the throughput phases: acknowledged updates/s in each shape, and pgbench's rate next to them. */
export interface ThroughputRound {
  shared: number | null;
  own: number | null;
  pgbench: number | null;
}

/** A server's memory after a full collection, without and with the idle clients. */
interface IdleMemory {
  baseRssMb: number;
  idleRssMb: number;
  baseHeapMb: number;
  idleHeapMb: number;
}

export interface LiveResult {
  scopgraph: SystemResult;
  hocuspocus: SystemResult;
  ratio: {
    p50: number;
    p99: number;
    durableP50: number;
    durableP99: number;
    cpu: number;
    durableVsPgbench: number;
    durableOwnVsPgbench: number;
    idleMemory: number;
  };
  text: string;
}

// ---- helpers ----------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/**
 * The memory of a server child after a full collection (it runs with --expose-gc and answers
 * {gc: true, heapUsed} once collected): what its live objects and sockets hold, without the
 * garbage a burst of connections leaves until the next collection, the same way for both
 * servers. The resident size also counts the heap's free pages, which vary by tens of megabytes
 * with what ran before (its growth per editor swung from -38 to 48 KB between runs of the same
 * code); the heap used after the collection is what the live objects themselves take.
 */
async function settledMemory(child: ChildProcess): Promise<{ rssMb: number; heapMb: number }> {
  const heapUsed = await new Promise<number>((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== "object" || message === null || !("gc" in message)) return;
      child.off("message", onMessage);
      resolve("heapUsed" in message && typeof message.heapUsed === "number" ? message.heapUsed : Number.NaN);
    };
    child.on("message", onMessage);
    child.send({ gc: true });
    // A collection of a large heap on a loaded machine can take seconds: past this, no figure (NaN), never a wrong one.
    setTimeout(() => resolve(Number.NaN), 30_000).unref();
  });
  await sleep(500);
  // Without a confirmed collection the resident size counts the burst's garbage: not comparable.
  if (Number.isNaN(heapUsed)) return { rssMb: Number.NaN, heapMb: Number.NaN };
  return { rssMb: rssMb(child.pid!), heapMb: Math.round((heapUsed / 2 ** 20) * 10) / 10 };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function waitReady(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready`);
}

/** Installs the pinned peer into bench/live/node_modules when it is missing. */
function ensurePeer(log: (line: string) => void): void {
  const wanted = (JSON.parse(readFileSync(path.join(HERE, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
  const missing = Object.entries(wanted).filter(([name, version]) => {
    const file = path.join(HERE, "node_modules", name, "package.json");
    return !existsSync(file) || (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version !== version;
  });
  if (!missing.length) return;
  log(`Installing the live peer into bench/live/node_modules: ${missing.map(([n, v]) => `${n}@${v}`).join(", ")}`);
  const result = spawnSync("npm", ["ci", "--prefix", HERE, "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) throw new Error("npm ci --prefix bench/live failed");
}

/** The latency phase's editors, spread over worker threads (editors.ts), joined here. */
/**
 * nice 19 for every thread of the bench process but its main thread: the editor threads set their
 * own (editor-worker.js), and this catches the threads they share, V8's platform workers above
 * all, which run the editors' garbage collections in parallel. Left at the bench's priority, a
 * collection of an editor's heap (four of them, on two cores) took the machine from both servers
 * and from every editor for 300 to 500 ms at once, about once a round, and set the round's p99.
 * Same for both systems; Linux only (elsewhere, nothing changes).
 */
function yieldHelperThreads(): void {
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return;
  }
  for (const tid of tids) {
    if (Number(tid) === process.pid) continue;
    try {
      os.setPriority(Number(tid), 19);
    } catch {
      // gone meanwhile, or not permitted: it keeps its priority
    }
  }
}

class EditorPool {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on("message", ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
        const call = this.pending.get(id);
        this.pending.delete(id);
        if (error !== undefined) call?.reject(new Error(error));
        else call?.resolve(result);
      });
    }
  }

  static async open(specs: EditorSpec[]): Promise<EditorPool> {
    const pool = new EditorPool(specs.map(() => new Worker(path.join(HERE, "editor-worker.js"))));
    await Promise.all(pool.workers.map((w, i) => pool.call(w, "open", specs[i])));
    yieldHelperThreads();
    return pool;
  }

  private call<T>(worker: Worker, op: "open" | "phase" | "throughput" | "close", arg?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      worker.postMessage({ id, op, arg });
    });
  }

  /** One latency phase on every thread at once; CPU is read over the measured window. */
  async phase(spec: PhaseSpec, serverPid: number, editors: number): Promise<Phase> {
    yieldHelperThreads();
    let serverCpu: number | null = null;
    let clientCpu = process.cpuUsage();
    let serverCpuMs = NaN;
    let clientCpuMs = NaN;
    const start = setTimeout(() => {
      serverCpu = processCpuSeconds(serverPid);
      clientCpu = process.cpuUsage();
    }, spec.warmupMs);
    const end = setTimeout(() => {
      const s = processCpuSeconds(serverPid);
      if (serverCpu !== null && s !== null) serverCpuMs = (s - serverCpu) * 1000;
      const c = process.cpuUsage(clientCpu);
      clientCpuMs = (c.user + c.system) / 1000;
    }, spec.warmupMs + spec.durationMs);
    const records = await Promise.all(this.workers.map((w) => this.call<PhaseRecord>(w, "phase", spec)));
    clearTimeout(start);
    clearTimeout(end);
    const sentAt = new Map(records.flatMap((r) => r.sent));
    const latencies: number[] = [];
    for (const record of records) {
      for (const [key, at] of record.arrivals) {
        const sent = sentAt.get(key);
        if (sent !== undefined) latencies.push(at - sent);
      }
    }
    return {
      latencies,
      durable: durableLatencies(records, sentAt),
      sent: sentAt.size,
      expected: sentAt.size * (editors - 1),
      serverCpuMs,
      clientCpuMs,
      acks: records.flatMap((r) => r.acks),
    };
  }
  /** Acknowledged updates per second, every editor sending back to back for `ms`. */
  async throughput(ms: number): Promise<number> {
    const started = performance.now();
    const acked = await Promise.all(this.workers.map((w) => this.call<number>(w, "throughput", ms)));
    return Math.round(acked.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.call(w, "close").catch(() => undefined)));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Splits `n` editors over `threads` groups: [first index, count] each. */
/**
 * When each measured update was durable at each other editor: the first durable message that
 * reached it with a seq at or past the update's (with the bytes for an editor that was not
 * relayed the update, an empty mark for the others). Marks reach each editor in seq order.
 */
function durableLatencies(records: PhaseRecord[], sentAt: Map<string, number>): number[] {
  const marksOf = new Map<number, [number, number][]>();
  for (const record of records) {
    const marks = record.marks;
    for (let i = 0; i + 2 < marks.length; i += 3) {
      const client = marks[i]!;
      const list = marksOf.get(client) ?? [];
      list.push([marks[i + 1]!, marks[i + 2]!]);
      marksOf.set(client, list);
    }
  }
  const durable: number[] = [];
  for (const record of records) {
    for (const [key, seq] of record.durableSeqs) {
      const sent = sentAt.get(key);
      if (sent === undefined) continue;
      const sender = Number(key.split(":")[0]);
      for (const [client, marks] of marksOf) {
        if (client === sender) continue;
        // The first mark at or past `seq` (binary search over seqs in arrival order).
        let lo = 0;
        let hi = marks.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (marks[mid]![0] >= seq) hi = mid;
          else lo = mid + 1;
        }
        const mark = marks[lo];
        if (mark) durable.push(mark[1] - sent);
      }
    }
  }
  return durable;
}

function groups(n: number, threads: number): [number, number][] {
  const k = Math.max(1, Math.min(threads, n));
  return Array.from({ length: k }, (_, i) => {
    const first = Math.floor((i * n) / k);
    return [first, Math.floor(((i + 1) * n) / k) - first];
  });
}

interface Phase {
  /** First arrival of each measured update at each other editor (relayed, provisional, for Scopgraph). */
  latencies: number[];
  /** Arrival of each measured update's durable message at each other editor (Scopgraph). */
  durable: number[];
  sent: number;
  expected: number;
  /** CPU time of the server process over the measured window. */
  serverCpuMs: number;
  /** CPU time of the bench process (the editors' threads) over the measured window. */
  clientCpuMs: number;
  /** Round trips of the acknowledged updates (systems that acknowledge). */
  acks?: number[];
  /** Round trips of the text-update statement inside the server, to its commit (Scopgraph). */
  statements?: number[];
}

interface RoundFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  deliveries: number;
  expectedDeliveries: number;
  /** Durable message at the other editors, p50 and p99; NaN for systems without one. */
  durableP50Ms: number;
  durableP99Ms: number;
  durableDeliveries: number;
  /** Round trip of an update to its acknowledgement (committed), p50 and p99; NaN without acks. */
  ackP50Ms: number;
  ackP99Ms: number;
  /** Round trip of the text-update statement seen from the server, p50 and p99; NaN without. */
  statementP50Ms: number;
  statementP99Ms: number;
  /** Server CPU per update sent (ms), and the clients' CPU per delivery (µs), in the window. */
  serverCpuMsPerUpdate: number;
  clientCpuUsPerDelivery: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function figures(phase: Phase): RoundFigures {
  const sorted = [...phase.latencies].sort((a, b) => a - b);
  const acks = [...(phase.acks ?? [])].sort((a, b) => a - b);
  const statements = [...(phase.statements ?? [])].sort((a, b) => a - b);
  const durable = [...phase.durable].sort((a, b) => a - b);
  return {
    durableP50Ms: round1(percentile(durable, 50)),
    durableP99Ms: round1(percentile(durable, 99)),
    durableDeliveries: durable.length,
    p50Ms: round1(percentile(sorted, 50)),
    p99Ms: round1(percentile(sorted, 99)),
    maxMs: round1(sorted[sorted.length - 1] ?? NaN),
    deliveries: sorted.length,
    expectedDeliveries: phase.expected,
    ackP50Ms: round1(percentile(acks, 50)),
    ackP99Ms: round1(percentile(acks, 99)),
    statementP50Ms: round1(percentile(statements, 50)),
    statementP99Ms: round1(percentile(statements, 99)),
    serverCpuMsPerUpdate: Math.round((phase.serverCpuMs / Math.max(1, phase.sent)) * 100) / 100,
    clientCpuUsPerDelivery: Math.round((phase.clientCpuMs * 1000) / Math.max(1, phase.expected)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : round1((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** A system under test, started once and measured phase by phase. */
interface RunningSystem {
  latency(): Promise<Phase>;
  /**
   * Acknowledged (durable) updates per second on one bid, the writers in one section (`shared`) or
   * each in its own (`own`); null when the system acknowledges nothing.
   */
  throughput(sections: "shared" | "own", round: number): Promise<number | null>;
  memory(): Promise<IdleMemory>;
  /** pgbench's single-row UPDATE rate on the system's PostgreSQL with as many clients as writers (Scopgraph). */
  pgbench?(): Promise<number | null>;
  stop(): Promise<void>;
}

/** pgbench from PATH or the Debian packages, or null. */
function pgbenchPath(): string | null {
  const which = spawnSync("sh", ["-c", "command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1"], { encoding: "utf8" });
  const found = which.stdout.trim().split("\n")[0];
  return found ? found : null;
}

/**
 * The floor of durable updates on one row: pgbench with `clients` connections each committing
 * `UPDATE ... WHERE id = 1` back to back (prepared, one transaction each), on the same
 * PostgreSQL and database as Scopgraph. Transactions per second, or null without pgbench.
 */
async function pgbenchSingleRow(dbUrl: string, clients: number, ms: number, log: (line: string) => void): Promise<number | null> {
  const bin = pgbenchPath();
  if (!bin) {
    log("live: pgbench not found, the single-row UPDATE rate is not measured");
    return null;
  }
  const db = new PgClient({ connectionString: dbUrl });
  await db.connect();
  try {
    await db.query("CREATE TABLE IF NOT EXISTS bench_single_row (id int PRIMARY KEY, n bigint NOT NULL)");
    await db.query("INSERT INTO bench_single_row VALUES (1, 0) ON CONFLICT DO NOTHING");
  } finally {
    await db.end();
  }
  const script = path.join(os.tmpdir(), `bench-live-pgbench-${process.pid}.sql`);
  writeFileSync(script, "UPDATE bench_single_row SET n = n + 1 WHERE id = 1;\n");
  const threads = Math.max(1, Math.min(clients, os.cpus().length));
  const args = ["-n", "-M", "prepared", "-c", String(clients), "-j", String(threads), "-T", String(Math.max(1, Math.round(ms / 1000))), "-f", script, dbUrl];
  log(`live: pgbench ${args.slice(0, -1).join(" ")} <db>`);
  const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(result.out) ?? /tps = ([\d.]+)/.exec(result.out);
  if (result.code !== 0 || !tps) {
    log(`live: pgbench failed: ${result.out.slice(-400)}`);
    return null;
  }
  return Math.round(Number(tps[1]));
}

// ---- Scopgraph ---------------------------------------------------------------------------------

interface Scene {
  bidId: string;
  sectionId: string;
  /** A section nobody types into: the idle editors' (their memory, not the typed text's). */
  idleSectionId: string;
  /**
   * The throughput phase's section, one per round, empty when it starts: on the typed one, the
   * writers' Yjs work grew with every round typed before (3 rounds gave half the updates/s of 1,
   * and so did one throughput section reused by 3 rounds: 592, 438, 372), and the figure measured
   * how many rounds had run rather than the write path.
   */
  throughputSectionIds: string[];
  /** Per round, one section per writer, for the throughput phase where each writes a part of the bid. */
  writerSectionIds: string[][];
  tokens: string[];
}

async function seed(dbUrl: string, people: number, writers: number, rounds: number, graphqlUrl: string): Promise<Scene> {
  const orm = await MikroORM.init(ormConfig(dbUrl, { pool: { min: 0, max: 4 } }));
  try {
    const em = orm.em.fork();
    const coop = em.create(Cooperative, {
      name: "Bench coop",
      legalForm: LegalForm.SCOP_SARL,
      siret: withLuhnKey(`${400000000 + Math.floor(Math.random() * 99999999)}0001`),
    });
    const users: User[] = [];
    for (let i = 0; i < people; i++) {
      const user = em.create(User, {
        email: `bench-${i}-${randomBytes(3).toString("hex")}@bench.coop`,
        name: `Editor ${i}`,
        role: PlatformRole.MEMBER,
        passwordHash: "x",
        emailVerifiedAt: new Date(),
      });
      em.create(Membership, { cooperative: coop, user, role: i === 0 ? MemberRole.OWNER : MemberRole.MEMBER });
      users.push(user);
    }
    const tender = em.create(Tender, {
      kind: TenderKind.PUBLIC_TENDER,
      status: TenderStatus.OPEN,
      title: "Bench tender",
      buyerName: "Bench",
      submissionDeadline: new Date(Date.now() + 30 * 86400_000),
    });
    em.create(Lot, { tender, number: 1, title: "Lot" });
    await em.flush();
    const secret = new TextEncoder().encode(JWT_SECRET);
    // Each editor signs in: a session row, and a token naming it.
    const sessions = users.map((user) => em.create(Session, { user, expiresAt: new Date(Date.now() + 3600_000) }));
    await em.flush();
    const tokens = await Promise.all(
      sessions.map(
        async (session) =>
          (await signSession(secret, { userId: session.user.id, sessionId: session.id, role: PlatformRole.MEMBER, tokenVersion: 0 }, 3600)).token,
      ),
    );
    const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
      const response = await fetch(graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${tokens[0]}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: unknown };
      if (!body.data) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const created = await gql<{ createBid: { id: string } }>("mutation($input: CreateBidInput!) { createBid(input: $input) { id } }", {
      input: { tenderId: toGlobalId("Tender", tender.id), leadCooperativeId: toGlobalId("Cooperative", coop.id), groupType: "SOLIDAIRE" },
    });
    const section = await gql<{ addBidSection: { id: string } }>("mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }", {
      input: { bidId: created.createBid.id, title: "Mémoire technique" },
    });
    const idle = await gql<{ addBidSection: { id: string } }>("mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }", {
      input: { bidId: created.createBid.id, title: "Annexes" },
    });
    const addSection = async (title: string) =>
      (
        await gql<{ addBidSection: { id: string } }>("mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }", {
          input: { bidId: created.createBid.id, title },
        })
      ).addBidSection.id;
    const throughputSectionIds: string[] = [];
    const writerSectionIds: string[][] = [];
    for (let r = 0; r < rounds; r++) {
      throughputSectionIds.push(await addSection(`Planning ${r + 1}`));
      const parts: string[] = [];
      for (let i = 0; i < writers; i++) parts.push(await addSection(`Part ${i + 1}, round ${r + 1}`));
      writerSectionIds.push(parts);
    }
    return {
      bidId: created.createBid.id,
      writerSectionIds,
      sectionId: section.addBidSection.id,
      idleSectionId: idle.addBidSection.id,
      throughputSectionIds,
      tokens,
    };
  } finally {
    await orm.close(true);
  }
}

async function startScopgraph(o: Options, log: (line: string) => void): Promise<RunningSystem> {
  const admin = new PgClient({ connectionString: o.databaseUrl });
  await admin.connect();
  const dbName = `bench_live_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = withDatabase(o.databaseUrl, dbName);
  const port = await freePort();
  // LIVE_BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const extra = (process.env.LIVE_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const probe = ["--require", path.join(HERE, "statement-probe.cjs")];
  const entry = [
    "--expose-gc",
    ...extra,
    ...probe,
    ...(o.scopgraphFrom === "dist" ? ["dist/src/main.js"] : ["-r", "ts-node/register/transpile-only", "src/main.ts"]),
  ];
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      JWT_SECRET,
      SEED_DEMO: "false",
      LOG_LEVEL: "warn",
      NODE_ENV: "development",
      WS_SOCKETS_PER_ADDRESS: "5000",
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  let pool: EditorPool | null = null;
  const stop = async () => {
    await pool?.close();
    await stopChild(child);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  };
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`);
    log(`Scopgraph (pid ${child.pid}, from ${o.scopgraphFrom}) ready; seeding one bid and ${o.clients} editors`);
    const scene = await seed(dbUrl, Math.max(o.clients, o.throughputClients), o.throughputClients, o.rounds, url);
    pool = await EditorPool.open(
      groups(o.clients, o.editorThreads).map(([first, count]) => ({
        system: "scopgraph",
        url,
        sectionId: scene.sectionId,
        tokens: scene.tokens.slice(first, first + count),
        firstIndex: first,
      })),
    );
    await sleep(1500);
    return {
      async latency() {
        log(`Scopgraph: latency phase, ${o.clients} clients × ${o.rate}/s for ${o.durationMs / 1000} s`);
        const spec = phaseSpec(o);
        const [phase, statements] = await Promise.all([
          pool!.phase(spec, child.pid!, o.clients),
          probeWindow(child, spec.warmupMs, spec.warmupMs + spec.durationMs),
        ]);
        return { ...phase, statements };
      },
      async throughput(sections, round) {
        await pool?.close();
        pool = null;
        const who = sections === "shared" ? "co-editors of one section" : "writers, a section each,";
        log(`Scopgraph: throughput phase, ${o.throughputClients} ${who} sending back to back for ${o.throughputMs / 1000} s`);
        // Writers are co-editors as a browser would be: their provider syncs the section, then follows it live.
        const writers = await EditorPool.open(
          groups(o.throughputClients, o.editorThreads).map(([first, count]) => ({
            system: "scopgraph",
            url,
            sectionId: sections === "shared" ? scene.throughputSectionIds[round]! : scene.writerSectionIds[round]!.slice(first, first + count),
            tokens: scene.tokens.slice(first, first + count),
            firstIndex: first,
          })),
        );
        try {
          await sleep(500);
          return await writers.throughput(o.throughputMs);
        } finally {
          await writers.close();
        }
      },
      pgbench: () => pgbenchSingleRow(dbUrl, o.throughputClients, o.throughputMs, log),
      async memory() {
        log(`Scopgraph: memory with ${o.idleClients} idle subscribed clients`);
        await sleep(1000);
        const base = await settledMemory(child);
        // Idle editors as a front-end has them: a provider each, synced on the section, no
        // awareness state (nothing typed, nobody looking), the periodic sync exchange off.
        const idle: SectionProvider[] = [];
        // Providers synced at least once (a reconnection syncs again: counted once).
        const syncedOnce = new Set<SectionProvider>();
        let failed = 0;
        for (let i = 0; i < o.idleClients; i++) {
          const doc = new Y.Doc();
          const awareness = new awarenessProtocol.Awareness(doc);
          awareness.setLocalState(null);
          const provider = new SectionProvider({
            url,
            // A section of its own, empty: each idle editor's copy of the typed one grows with the
            // rounds (the bench process ran out of memory with 1,000 of them after six rounds).
            sectionId: scene.idleSectionId,
            token: scene.tokens[i % scene.tokens.length]!,
            doc,
            awareness,
            WebSocket,
            renewBeforeMs: 0,
            syncIntervalMs: 3_600_000,
          });
          provider.on("synced", (ok) => ok && syncedOnce.add(provider));
          provider.on("error", () => void (failed += 1));
          idle.push(provider);
          if (i % 100 === 99) await sleep(200);
        }
        for (let waited = 0; syncedOnce.size + failed < o.idleClients && waited < 60_000; waited += 250) await sleep(250);
        await sleep(3000);
        log(`Scopgraph: ${syncedOnce.size} idle editors synced on the section, ${failed} failed`);
        const settled = await settledMemory(child);
        for (const p of idle) p.destroy();
        return { baseRssMb: base.rssMb, idleRssMb: settled.rssMb, baseHeapMb: base.heapMb, idleHeapMb: settled.heapMb };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---- Hocuspocus --------------------------------------------------------------------------------

interface Provider {
  destroy(): void;
  on(event: "synced", listener: () => void): void;
}

type ProviderConstructor = new (configuration: { url: string; name: string; document: YDoc; WebSocketPolyfill: typeof WebSocket }) => Provider;

async function startHocuspocus(o: Options, log: (line: string) => void): Promise<RunningSystem> {
  const port = await freePort();
  // LIVE_BENCH_PEER_NODE_ARGS profiles the peer the same way (LIVE_BENCH_NODE_ARGS above).
  const extra = (process.env.LIVE_BENCH_PEER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, ["--expose-gc", ...extra, path.join(HERE, "hocuspocus-server.cjs"), String(port)], {
    cwd: HERE,
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.once("exit", () => reject(new Error("Hocuspocus exited")));
  });
  const peer = createRequire(path.join(HERE, "package.json"));
  const { HocuspocusProvider } = peer("@hocuspocus/provider") as { HocuspocusProvider: ProviderConstructor };
  // Documents from the provider's own copy of Yjs (bench/live/node_modules), so that its
  // constructor checks hold; the updates themselves are the same binary format.
  const PeerY = peer("yjs") as typeof Y;
  const providers: Provider[] = [];
  const url = `ws://127.0.0.1:${port}`;
  // The idle editors' document is not the typed one (as for Scopgraph: an empty section).
  const connect = (doc: YDoc) =>
    new Promise<Provider>((resolve) => {
      const provider = new HocuspocusProvider({ url, name: "bid-section-idle", document: doc, WebSocketPolyfill: WebSocket });
      provider.on("synced", () => resolve(provider));
      providers.push(provider);
    });
  let pool: EditorPool | null = null;
  const stop = async () => {
    await pool?.close();
    for (const p of providers.splice(0)) p.destroy();
    await stopChild(child);
  };
  try {
    log(`Hocuspocus (pid ${child.pid}) ready; ${o.clients} editors`);
    pool = await EditorPool.open(groups(o.clients, o.editorThreads).map(([first, count]) => ({ system: "hocuspocus", url, count, firstIndex: first })));
    await sleep(1500);
    return {
      async latency() {
        log(`Hocuspocus: latency phase, ${o.clients} clients × ${o.rate}/s for ${o.durationMs / 1000} s`);
        return pool!.phase(phaseSpec(o), child.pid!, o.clients);
      },
      async throughput() {
        return null;
      },
      async memory() {
        await pool?.close();
        pool = null;
        await sleep(1000);
        log(`Hocuspocus: memory with ${o.idleClients} idle connected clients`);
        const base = await settledMemory(child);
        for (let i = 0; i < o.idleClients; i += 100)
          await Promise.all(Array.from({ length: Math.min(100, o.idleClients - i) }, () => connect(new PeerY.Doc())));
        await sleep(4000);
        const settled = await settledMemory(child);
        for (const p of providers.splice(0)) p.destroy();
        return { baseRssMb: base.rssMb, idleRssMb: settled.rssMb, baseHeapMb: base.heapMb, idleHeapMb: settled.heapMb };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The text-update statement round trips statement-probe.cjs saw in the server over a window. */
function probeWindow(child: ChildProcess, startMs: number, endMs: number): Promise<number[]> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== "object" || message === null || !("times" in message) || !Array.isArray(message.times)) return;
      child.off("message", onMessage);
      resolve(message.times.filter((t): t is number => typeof t === "number"));
    };
    child.on("message", onMessage);
    setTimeout(() => child.send({ probe: "start" }), startMs);
    setTimeout(() => child.send({ probe: "stop" }), endMs);
  });
}

function phaseSpec(o: Options): PhaseSpec {
  return { rate: o.rate, warmupMs: o.warmupMs, durationMs: o.durationMs, graceMs: 3000 };
}

// ---- the run -------------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
      return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

type Options = Required<Omit<LiveOptions, "log" | "print">>;

/**
 * The throughput phases, `rounds` times, each round's two shapes next to a pgbench run: the
 * machine's load drifts over minutes, so each ratio compares figures taken side by side, and the
 * median of the rounds is reported (one 8 s window swung from 0.41× to 0.62× of pgbench between
 * runs of the same code). A system that acknowledges nothing is measured once.
 */
async function throughputRounds(system: RunningSystem, rounds: number): Promise<ThroughputRound[]> {
  const measured: ThroughputRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const shared = await system.throughput("shared", r);
    const own = await system.throughput("own", r);
    const pgbench = system.pgbench ? await system.pgbench() : null;
    measured.push({ shared, own, pgbench });
    if (shared === null && own === null) break;
  }
  return measured;
}

/** The median of the values that are not null, or null when there are none. */
function medianOf(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && !Number.isNaN(v));
  return present.length ? median(present) : null;
}

/** The median over the rounds of `key`'s rate against that round's pgbench rate. */
function medianRatio(rounds: ThroughputRound[], key: "shared" | "own"): number {
  const ratios = rounds.flatMap((r) => (r[key] !== null && r.pgbench ? [r[key] / r.pgbench] : [])).sort((a, b) => a - b);
  if (!ratios.length) return NaN;
  const mid = Math.floor(ratios.length / 2);
  const m = ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return Math.round(m * 100) / 100;
}

async function measure(name: string, system: RunningSystem, phases: Phase[], o: Options): Promise<SystemResult> {
  const rounds = phases.map(figures);
  const throughput = await throughputRounds(system, o.rounds);
  const durable = medianOf(throughput.map((t) => t.shared));
  const durableOwn = medianOf(throughput.map((t) => t.own));
  const pgbench = medianOf(throughput.map((t) => t.pgbench));
  const memory = await system.memory();
  return {
    name,
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    maxMs: Math.max(...rounds.map((r) => r.maxMs)),
    rounds,
    updatesSent: phases.reduce((n, p) => n + p.sent, 0),
    deliveries: rounds.reduce((n, r) => n + r.deliveries, 0),
    expectedDeliveries: rounds.reduce((n, r) => n + r.expectedDeliveries, 0),
    durableUpdatesPerSec: durable,
    durableOwnSectionsPerSec: durableOwn,
    pgbenchUpdatesPerSec: pgbench,
    throughputRounds: throughput,
    ...memory,
    idleKbPerClient: Math.round(((memory.idleRssMb - memory.baseRssMb) * 1024) / o.idleClients),
    idleHeapKbPerClient: Math.round(((memory.idleHeapMb - memory.baseHeapMb) * 1024 * 10) / o.idleClients) / 10,
  };
}

export async function runLive(options: LiveOptions): Promise<LiveResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const o: Options = {
    databaseUrl: options.databaseUrl,
    clients: options.clients ?? 50,
    rate: options.rate ?? 2,
    durationMs: options.durationMs ?? 15_000,
    warmupMs: options.warmupMs ?? 3000,
    rounds: options.rounds ?? 3,
    editorThreads: options.editorThreads ?? 5,
    idleClients: options.idleClients ?? 1000,
    throughputClients: options.throughputClients ?? 20,
    throughputMs: options.throughputMs ?? 8000,
    scopgraphFrom: options.scopgraphFrom ?? "src",
  };
  ensurePeer(log);
  // Both servers run side by side and the latency rounds alternate between them, so that a
  // noisy neighbour weighs on both alike; medians over the rounds are reported.
  const s = await startScopgraph(o, log);
  let scopgraph: SystemResult;
  let hocuspocus: SystemResult;
  try {
    const h = await startHocuspocus(o, log);
    try {
      const sPhases: Phase[] = [];
      const hPhases: Phase[] = [];
      // One round each first, not measured: both servers are measured warm (their code optimised
      // by the JIT, as after minutes in production), not while it is still compiling.
      log("live: warm-up round (not measured)");
      await s.latency();
      await h.latency();
      for (let r = 0; r < o.rounds; r++) {
        log(`live: round ${r + 1} of ${o.rounds}`);
        sPhases.push(await s.latency());
        hPhases.push(await h.latency());
      }
      scopgraph = await measure("Scopgraph", s, sPhases, o);
      hocuspocus = await measure("Hocuspocus 3.4.4", h, hPhases, o);
    } finally {
      await h.stop();
    }
  } finally {
    await s.stop();
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const med = (r: SystemResult, key: keyof RoundFigures) => median(r.rounds.map((x) => x[key]));
  const cpuS = med(scopgraph, "serverCpuMsPerUpdate");
  const cpuH = med(hocuspocus, "serverCpuMsPerUpdate");
  const ackP50 = med(scopgraph, "ackP50Ms");
  const ackP99 = med(scopgraph, "ackP99Ms");
  const stP50 = med(scopgraph, "statementP50Ms");
  const stP99 = med(scopgraph, "statementP99Ms");
  const ratio = {
    p50: r2(scopgraph.p50Ms / hocuspocus.p50Ms),
    p99: r2(scopgraph.p99Ms / hocuspocus.p99Ms),
    durableP50: r2(med(scopgraph, "durableP50Ms") / hocuspocus.p50Ms),
    durableP99: r2(med(scopgraph, "durableP99Ms") / hocuspocus.p99Ms),
    cpu: r2(cpuS / cpuH),
    durableVsPgbench: medianRatio(scopgraph.throughputRounds, "shared"),
    durableOwnVsPgbench: medianRatio(scopgraph.throughputRounds, "own"),
    idleMemory: r2((scopgraph.idleRssMb - scopgraph.baseRssMb) / Math.max(0.1, hocuspocus.idleRssMb - hocuspocus.baseRssMb)),
  };
  const fmt = (x: number | null, unit = "") => (x === null || Number.isNaN(x) ? "n/a" : `${x}${unit}`);
  const perRound = (r: SystemResult, key: keyof RoundFigures) => r.rounds.map((x) => x[key]).join(" / ");
  const rows = [
    ["live: one bid, one section (Scopgraph through its SectionProvider)", "Scopgraph", "Hocuspocus 3.4.4", "ratio"],
    [
      `latency p50, relayed (${o.clients} editors × ${o.rate}/s, to the ${o.clients - 1} others; median of ${o.rounds})`,
      fmt(scopgraph.p50Ms, " ms"),
      fmt(hocuspocus.p50Ms, " ms"),
      `${ratio.p50}×`,
    ],
    [`latency p99, relayed (median of ${o.rounds})`, fmt(scopgraph.p99Ms, " ms"), fmt(hocuspocus.p99Ms, " ms"), `${ratio.p99}×`],
    ["  p50 per round", perRound(scopgraph, "p50Ms"), perRound(hocuspocus, "p50Ms"), ""],
    ["  p99 per round", perRound(scopgraph, "p99Ms"), perRound(hocuspocus, "p99Ms"), ""],
    ["latency max", fmt(scopgraph.maxMs, " ms"), fmt(hocuspocus.maxMs, " ms"), ""],
    ["latency p50, durable message at the others (median)", fmt(med(scopgraph, "durableP50Ms"), " ms"), "n/a", `${ratio.durableP50}× (of Hocuspocus)`],
    ["latency p99, durable message at the others (median)", fmt(med(scopgraph, "durableP99Ms"), " ms"), "n/a", `${ratio.durableP99}× (of Hocuspocus)`],
    ["  durable p50 / p99 per round", scopgraph.rounds.map((r) => `${r.durableP50Ms}/${r.durableP99Ms}`).join("  "), "", ""],
    ["update to its acknowledgement (durable), p50 / p99 (median)", `${fmt(ackP50)}/${fmt(ackP99, " ms")}`, "n/a", ""],
    ["  per round", scopgraph.rounds.map((r) => `${r.ackP50Ms}/${r.ackP99Ms}`).join("  "), "", ""],
    [
      "  of which the statement to its commit, in the server, p50 / p99",
      `${fmt(stP50)}/${fmt(stP99, " ms")}`,
      "",
      `commit share ${Math.round((stP50 / ackP50) * 100)}% / ${Math.round((stP99 / ackP99) * 100)}%`,
    ],
    ["server CPU per update sent (median)", fmt(cpuS, " ms"), fmt(cpuH, " ms"), `${ratio.cpu}×`],
    ["  per round", perRound(scopgraph, "serverCpuMsPerUpdate"), perRound(hocuspocus, "serverCpuMsPerUpdate"), ""],
    [
      "clients' CPU per delivery (median, editor threads)",
      fmt(med(scopgraph, "clientCpuUsPerDelivery"), " µs"),
      fmt(med(hocuspocus, "clientCpuUsPerDelivery"), " µs"),
      "",
    ],
    [
      "deliveries measured / expected (relayed; durable)",
      `${scopgraph.deliveries}/${scopgraph.expectedDeliveries}; ${scopgraph.rounds.reduce((n, r) => n + r.durableDeliveries, 0)}`,
      `${hocuspocus.deliveries}/${hocuspocus.expectedDeliveries}`,
      "",
    ],
    [
      `durable updates/s on one bid, ${o.throughputClients} writers back to back, co-editing one section (median of ${scopgraph.throughputRounds.length})`,
      fmt(scopgraph.durableUpdatesPerSec),
      "n/a (in memory)",
      `${fmt(ratio.durableVsPgbench)}× (of pgbench)`,
    ],
    [
      `durable updates/s on one bid, ${o.throughputClients} writers back to back, a section each (median)`,
      fmt(scopgraph.durableOwnSectionsPerSec),
      "n/a (in memory)",
      `${fmt(ratio.durableOwnVsPgbench)}× (of pgbench)`,
    ],
    [`pgbench single-row UPDATE tps, ${o.throughputClients} clients, same PostgreSQL (median)`, fmt(scopgraph.pgbenchUpdatesPerSec), "", ""],
    [
      "  per round: one section / a section each / pgbench",
      scopgraph.throughputRounds.map((t) => `${fmt(t.shared)}/${fmt(t.own)}/${fmt(t.pgbench)}`).join("  "),
      "",
      `ratios: ${scopgraph.throughputRounds.map((t) => (t.pgbench ? `${fmt(r2((t.shared ?? NaN) / t.pgbench))}/${fmt(r2((t.own ?? NaN) / t.pgbench))}` : "n/a")).join("  ")}`,
    ],
    ["server RSS after a full GC, no client", fmt(scopgraph.baseRssMb, " MB"), fmt(hocuspocus.baseRssMb, " MB"), ""],
    [
      `server RSS after a full GC, ${o.idleClients} idle subscribed editors`,
      fmt(scopgraph.idleRssMb, " MB"),
      fmt(hocuspocus.idleRssMb, " MB"),
      `${ratio.idleMemory}× (growth)`,
    ],
    ["per idle editor", fmt(scopgraph.idleKbPerClient, " KB"), fmt(hocuspocus.idleKbPerClient, " KB"), ""],
    [
      "heap used after a full GC, per idle editor (RSS also counts free heap pages)",
      fmt(scopgraph.idleHeapKbPerClient, " KB"),
      fmt(hocuspocus.idleHeapKbPerClient, " KB"),
      "",
    ],
  ];
  const text = [
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
    table(rows),
    "Scopgraph relays an update to the section's other editors before its commit (provisional), then sends the durable message and the acknowledgement once it is committed in the bid's log; Hocuspocus keeps documents in memory (no persistence extension). Editors of both systems run in worker threads of the bench process, both through their own provider.",
  ].join("\n");
  if (options.print !== false) console.log(text);
  return { scopgraph, hocuspocus, ratio, text };
}

/** `npm run bench -- --only live`: the section bench/run.ts lists. */
const section = {
  name: "live",
  title: "Live co-editing of one bid: Scopgraph against Hocuspocus 3.4.4",
  async run(context: { pg: { urlOf(database: string): string }; scopgraphFrom: "dist" | "src"; options: { rounds: number }; log(line: string): void }) {
    const result = await runLive({
      databaseUrl: context.pg.urlOf("postgres"),
      scopgraphFrom: context.scopgraphFrom,
      // --rounds (default 1 for the other sections): the live rounds are 3 unless more are asked.
      rounds: Math.max(3, context.options.rounds),
      log: context.log,
      print: false,
    });
    return {
      text: result.text,
      json: {
        scopgraph: { ...result.scopgraph, rounds: result.scopgraph.rounds.map((r) => ({ ...r })) },
        hocuspocus: { ...result.hocuspocus, rounds: result.hocuspocus.rounds.map((r) => ({ ...r })) },
        ratio: { ...result.ratio },
      },
    };
  },
};
export default section;
