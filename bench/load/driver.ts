/**
 * The load generator of bench/load, in the parent process: `connections` closed-loop workers on
 * keep-alive HTTP connections, each picking the next operation from a weighted mix, and a few
 * graphql-ws clients subscribed to the bids' events. Latency per operation, from this process's
 * clock, for every request started inside the measured window.
 */
import http from "node:http";
import { readFileSync } from "node:fs";
import { Y, type YDoc } from "../../src/bids/sections/yjs";
import { cpuBetween, cpuSnapshot, type CpuSnapshot, type CpuUsage, type PgProcesses } from "../lib/cpu";
import { rootRequire } from "../lib/modules";
import { APPLY, BID_EVENTS } from "./queries";

/**
 * The app's graphql-ws 6 and ws 8 (the root's, as test/bids/live-client.ts uses them):
 * bench/node_modules holds PostGraphile's older ones. Typed by the part used here.
 */
interface WsSink<T> {
  next(value: { data?: T | null; errors?: unknown }): void;
  error(error: unknown): void;
  complete(): void;
}
interface WsClient {
  on(event: "connected", listener: () => void): () => void;
  subscribe<T>(payload: { query: string; variables?: Record<string, unknown> }, sink: WsSink<T>): () => void;
  dispose(): void | Promise<void>;
}
interface GraphqlWsModule {
  createClient(options: { url: string; webSocketImpl: unknown; connectionParams: Record<string, unknown>; retryAttempts: number; lazy: boolean }): WsClient;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

/** POSTs over a keep-alive agent (one socket per worker at most), without fetch's overhead. */
export class HttpTarget {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  private readonly host: string;
  private readonly port: number;
  private readonly path: string;

  constructor(readonly url: string) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
    this.path = parsed.pathname;
  }

  post(body: string, token: string | null, timeoutMs = 30_000): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent: this.agent,
          host: this.host,
          port: this.port,
          path: this.path,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          response.on("error", reject);
        },
      );
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      request.on("error", reject);
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export type Outcome = "served" | "rejected" | "error";

/** 200 with data and no errors: served; a 4xx or a 200 with errors: rejected; else an error. */
export function classify(answer: HttpAnswer): Outcome {
  if (answer.status === 200) {
    if (answer.text.includes('"errors":[')) return "rejected";
    return answer.text.startsWith('{"data":{') ? "served" : "error";
  }
  if (answer.status >= 400 && answer.status < 500) return "rejected";
  return "error";
}

/** The first error's code and message of a rejection, for the report. */
export function describeRejection(answer: HttpAnswer): string {
  try {
    const parsed = JSON.parse(answer.text) as { errors?: { message?: string; extensions?: { code?: string } }[] };
    const first = parsed.errors?.[0];
    return `${answer.status} ${first?.extensions?.code ?? "?"}: ${(first?.message ?? "").slice(0, 90)}`;
  } catch {
    return `${answer.status}: ${answer.text.slice(0, 90)}`;
  }
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** Figures of one operation over one measured window. */
export class OpStats {
  readonly latencies: number[] = [];
  served = 0;
  rejected = 0;
  /** Responses other than the expected outcome (5xx, connection errors, timeouts, wrong class). */
  errors = 0;
  readonly errorSamples: string[] = [];

  add(ms: number, outcome: Outcome, expected: Outcome, sample: () => string): void {
    this.latencies.push(ms);
    if (outcome === "served") this.served++;
    if (outcome === "rejected") this.rejected++;
    if (outcome !== expected) {
      this.errors++;
      if (this.errorSamples.length < 3) this.errorSamples.push(sample());
    }
  }

  summary(seconds: number): { count: number; perSecond: number; p50: number; p99: number; max: number; errorPercent: number; rejected: number } {
    const sorted = Float64Array.from(this.latencies).sort();
    const count = sorted.length;
    return {
      count,
      perSecond: count / seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
      errorPercent: count ? (100 * this.errors) / count : 0,
      rejected: this.rejected,
    };
  }
}

/** One operation of a mix: its share, how to build a request for a worker, what it should get. */
export interface MixEntry {
  key: string;
  weight: number;
  abusive: boolean;
  expected: Outcome;
  build(worker: number): { body: string; token: string | null; onSend?: (at: number) => void };
}

/** A co-editor of one section: a Y.Doc of its own, whose inserts depend only on its own items. */
export class Editor {
  private readonly doc: YDoc = new Y.Doc();
  private counter = 0;

  constructor(
    readonly name: string,
    readonly sectionId: string,
  ) {}

  /** A few characters typed somewhere in this editor's text, as an applySectionUpdate body. */
  next(random: () => number): { body: string; cmid: string } {
    const text = this.doc.getText("content");
    const before = Y.encodeStateVector(this.doc);
    text.insert(Math.floor(random() * (text.length + 1)), `${this.name}:${this.counter} `);
    const update = Buffer.from(Y.encodeStateAsUpdate(this.doc, before)).toString("base64");
    this.counter++;
    const cmid = `${this.name}-${this.counter}`;
    return { body: JSON.stringify({ query: APPLY, variables: { input: { sectionId: this.sectionId, update, clientMutationId: cmid } } }), cmid };
  }
}

/** graphql-ws clients subscribed to bids' events; records the delay from send to delivery. */
export class Subscribers {
  private readonly clients: WsClient[] = [];
  private readonly disposers: (() => void)[] = [];
  /** clientMutationId → when the update's request was sent (only for the measured window). */
  readonly sentAt = new Map<string, number>();
  deliveries: number[] = [];
  events = 0;
  failures: string[] = [];
  measuring = false;

  async start(url: string, subscriptions: { token: string; bidId: string; afterSeq: number }[]): Promise<void> {
    const ready: Promise<void>[] = [];
    for (const s of subscriptions) {
      const { createClient } = rootRequire<GraphqlWsModule>("graphql-ws");
      const WebSocket = rootRequire<unknown>("ws");
      const client = createClient({
        url: url.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${s.token}` },
        retryAttempts: 5,
        lazy: false,
      });
      this.clients.push(client);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("a bidEvents subscriber did not connect within 10 s")), 10_000);
          const off = client.on("connected", () => {
            clearTimeout(timer);
            off();
            resolve();
          });
        }),
      );
      this.disposers.push(
        client.subscribe<{ bidEvents: { seq: number; type: string; clientMutationId: string | null } }>(
          { query: BID_EVENTS, variables: { bidId: s.bidId, afterSeq: s.afterSeq } },
          {
            next: (result) => {
              const event = result.data?.bidEvents;
              if (!event) {
                if (result.errors && this.failures.length < 5) this.failures.push(JSON.stringify(result.errors).slice(0, 200));
                return;
              }
              this.events++;
              const at = event.clientMutationId ? this.sentAt.get(event.clientMutationId) : undefined;
              if (this.measuring && at !== undefined) this.deliveries.push(performance.now() - at);
            },
            error: (error) => {
              if (this.failures.length < 5) this.failures.push(error instanceof Error ? error.message : JSON.stringify(error).slice(0, 200));
            },
            complete: () => {
              if (this.failures.length < 5) this.failures.push("a bidEvents subscription completed");
            },
          },
        ),
      );
    }
    await Promise.all(ready);
  }

  /** Starts a window: deliveries counted from now on. */
  reset(measuring: boolean): void {
    this.deliveries = [];
    this.sentAt.clear();
    this.measuring = measuring;
  }

  async stop(): Promise<void> {
    for (const dispose of this.disposers) dispose();
    await Promise.all(this.clients.map((c) => Promise.resolve(c.dispose()).catch(() => undefined)));
  }
}

/** VmRSS of a process in MiB, or null. */
export function rssMiB(pid: number): number | null {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

export interface PhaseResult {
  seconds: number;
  stats: Map<string, OpStats>;
  deliveries: number[];
  /** Updates sent in the measured window, whose deliveries are timed. */
  updatesSent: number;
  rssPeakMiB: number | null;
  rssEndMiB: number | null;
  /** CPU of the server, PostgreSQL, this process and the rest of the machine over the window. */
  cpu: CpuUsage | null;
}

/**
 * `connections` workers for warm-up + measured seconds; each picks an entry by weight, sends it,
 * waits for the answer and goes again. Requests started during the warm-up are not counted.
 */
export async function runPhase(options: {
  target: HttpTarget;
  mix: MixEntry[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
  random: () => number;
  subscribers: Subscribers;
  serverPid: number;
  pg: PgProcesses | null;
}): Promise<PhaseResult> {
  const { target, mix, random, subscribers } = options;
  const total = mix.reduce((s, m) => s + m.weight, 0);
  const pick = (): MixEntry => {
    let r = random() * total;
    for (const entry of mix) {
      r -= entry.weight;
      if (r < 0) return entry;
    }
    return mix[mix.length - 1] as MixEntry;
  };
  const stats = new Map(mix.map((m) => [m.key, new OpStats()]));
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const end = measureFrom + options.seconds * 1000;
  let measuring = false;
  subscribers.reset(false);
  let rssPeak: number | null = null;
  const cpu: { before: CpuSnapshot | null; after: CpuSnapshot | null } = { before: null, after: null };
  const sampler = setInterval(() => {
    const now = performance.now();
    if (!measuring && now >= measureFrom) {
      measuring = true;
      subscribers.reset(true);
      cpu.before = cpuSnapshot(options.serverPid, options.pg);
    }
    if (measuring && !cpu.after && now >= end) cpu.after = cpuSnapshot(options.serverPid, options.pg);
    if (measuring) {
      const rss = rssMiB(options.serverPid);
      if (rss !== null) rssPeak = Math.max(rssPeak ?? 0, rss);
    }
  }, 100);

  const worker = async (index: number) => {
    while (performance.now() < end) {
      const entry = pick();
      const request = entry.build(index);
      const sent = performance.now();
      request.onSend?.(sent);
      let outcome: Outcome;
      let answer: HttpAnswer | null = null;
      let failure = "";
      try {
        answer = await target.post(request.body, request.token);
        outcome = classify(answer);
      } catch (error) {
        outcome = "error";
        failure = error instanceof Error ? error.message : String(error);
      }
      const done = performance.now();
      if (sent >= measureFrom && sent < end) {
        stats.get(entry.key)?.add(done - sent, outcome, entry.expected, () => (answer ? describeRejection(answer) : failure));
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i)));
  clearInterval(sampler);
  cpu.after ??= cpuSnapshot(options.serverPid, options.pg);
  // Deliveries of the last updates still on their way.
  await new Promise((r) => setTimeout(r, 300));
  const deliveries = subscribers.deliveries;
  const updatesSent = subscribers.sentAt.size;
  subscribers.reset(false);
  return {
    seconds: options.seconds,
    stats,
    deliveries,
    updatesSent,
    rssPeakMiB: rssPeak,
    rssEndMiB: rssMiB(options.serverPid),
    cpu: cpu.before ? cpuBetween(cpu.before, cpu.after) : null,
  };
}
