import { randomUUID } from "node:crypto";
import { createClient, type Client as WsClient } from "graphql-ws";
import WebSocket from "ws";
import { Y, type YDoc } from "../../src/bids/sections/yjs";

/**
 * A co-editor of one section, as a browser would be: a Y.Doc whose local changes are sent with
 * `applySectionUpdate` (retried with the same clientMutationId until acknowledged), and which
 * applies the SECTION_TEXT_UPDATED events of `bidEvents`, resuming after the last seq it saw
 * when it reconnects. Shared by the tests and `bench/live`.
 */
const REMOTE = Symbol("remote");

const EVENTS = `subscription LiveEvents($bidId: ID!, $afterSeq: Int) {
  bidEvents(bidId: $bidId, afterSeq: $afterSeq) { seq type payload clientMutationId }
}`;
const APPLY = `mutation LiveApply($input: ApplySectionUpdateInput!) {
  applySectionUpdate(input: $input) { seq clientMutationId }
}`;

export interface LiveEvent {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  clientMutationId: string | null;
}

export interface LiveClientOptions {
  /** http(s) URL of /graphql; the WebSocket URL is derived from it. */
  url: string;
  token: string;
  bidId: string;
  sectionId: string;
  /** Seq to start after (the bid's head when the client loaded the section). */
  afterSeq: number;
  /** Initial state of the section (base64), as read from `BidSection.state`. */
  state?: string;
  name?: string;
  /** How mutations travel: over the client's WebSocket (default) or plain HTTP. */
  transport?: "ws" | "http";
  /** Merge what is typed while a mutation is in flight into one update (default true). */
  batch?: boolean;
  /** Reconnects (after the last seq seen) whenever the subscription fails or ends. */
  autoReconnect?: boolean;
  /** Called for every event received, with the receive time. */
  onEvent?: (event: LiveEvent, at: number) => void;
  /** Called for every acknowledged mutation, with its round trip (ms). */
  onAck?: (ms: number) => void;
}

export class LiveClient {
  readonly doc: YDoc = new Y.Doc();
  readonly name: string;
  lastSeq: number;
  readonly received: LiveEvent[] = [];
  /** Seqs received out of order or twice (must stay empty). */
  readonly anomalies: string[] = [];
  /** clientMutationIds acknowledged by the server, with the seq of their event. */
  readonly acked = new Map<string, number>();
  ended: "no" | "complete" | "error" = "no";
  endError: unknown = null;
  private ws: WsClient | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly queue: { cmid: string; update: string }[] = [];
  private inflight: { cmid: string; update: string } | null = null;
  private sending: Promise<void> | null = null;
  /** flush() calls waiting for everything typed to be acknowledged. */
  private idleWaiters: (() => void)[] = [];
  private counter = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private endWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly o: LiveClientOptions) {
    this.name = o.name ?? randomUUID().slice(0, 8);
    this.lastSeq = o.afterSeq;
    if (o.state) Y.applyUpdate(this.doc, new Uint8Array(Buffer.from(o.state, "base64")), REMOTE);
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE) return;
      this.counter += 1;
      this.queue.push({ cmid: `${this.name}-${this.counter}-${randomUUID().slice(0, 8)}`, update: Buffer.from(update).toString("base64") });
      this.pump();
    });
  }

  get text(): string {
    return this.doc.getText("content").toString();
  }

  private socket(): WsClient {
    this.ws ??= createClient({
      url: this.o.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.o.token}` },
      retryAttempts: 0,
      // The subscription holds the socket open. No lazyCloseTimeout: graphql-ws does not clear that
      // timer on dispose(), so it would outlive the client and hold its process for a minute.
      lazy: true,
    });
    return this.ws;
  }

  /** Subscribes to the bid's events after the last seq seen. */
  connect(): void {
    this.ended = "no";
    this.connections += 1;
    this.unsubscribe = this.socket().subscribe<{ bidEvents: LiveEvent }>(
      { query: EVENTS, variables: { bidId: this.o.bidId, afterSeq: this.lastSeq } },
      {
        next: (result) => {
          const event = result.data?.bidEvents;
          if (!event) {
            if (result.errors) {
              this.ended = "error";
              this.endError = result.errors;
            }
            return;
          }
          this.receive(event);
        },
        error: (error) => {
          this.ended = "error";
          this.endError = error;
          this.flushEndWaiters();
          this.retry();
        },
        complete: () => {
          if (this.ended === "no") this.ended = "complete";
          this.flushEndWaiters();
          this.retry();
        },
      },
    );
  }

  /** Connections made, first one included. */
  connections = 0;
  private retrying = false;

  private retry(): void {
    if (!this.o.autoReconnect || this.stopped || this.retrying) return;
    this.retrying = true;
    void (async () => {
      await this.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 200));
      this.retrying = false;
      if (!this.stopped && !this.unsubscribe) this.connect();
    })();
  }

  private flushEndWaiters(): void {
    for (const resolve of this.endWaiters.splice(0)) resolve();
  }

  private receive(event: LiveEvent): void {
    if (event.seq !== this.lastSeq + 1) this.anomalies.push(`${this.name}: got ${event.seq} after ${this.lastSeq}`);
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    this.received.push(event);
    this.o.onEvent?.(event, performance.now());
    if (event.type === "SECTION_TEXT_UPDATED" && event.payload.sectionId === this.o.sectionId) {
      Y.applyUpdate(this.doc, new Uint8Array(Buffer.from(String(event.payload.update), "base64")), REMOTE);
    }
    this.waiters = this.waiters.filter((w) => {
      if (w.seq <= this.lastSeq) w.resolve();
      return w.seq > this.lastSeq;
    });
  }

  /** Drops the connection (the subscription and any mutation in flight), as a network loss would. */
  async disconnect(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const ws = this.ws;
    this.ws = null;
    await Promise.resolve(ws?.dispose()).catch(() => undefined);
  }

  /** Reconnects and resumes after the last seq seen. */
  reconnect(): void {
    this.connect();
  }

  /** Types at a position (clamped to the text's length). */
  insert(index: number, text: string): void {
    const ytext = this.doc.getText("content");
    ytext.insert(Math.min(index, ytext.length), text);
  }

  /**
   * Sends what is queued, one mutation at a time: everything typed while the previous one was in
   * flight goes as one merged update (as Yjs providers do). A batch that is not acknowledged is
   * retried as is, with the same clientMutationId, so a retry after a lost answer appends nothing.
   */
  private pump(): void {
    this.sending ??= (async () => {
      while ((this.inflight || this.queue.length) && !this.stopped) {
        if (!this.inflight) {
          const batch = this.o.batch === false ? this.queue.splice(0, 1) : this.queue.splice(0);
          const update =
            batch.length === 1
              ? batch[0]!.update
              : Buffer.from(Y.mergeUpdates(batch.map((b) => new Uint8Array(Buffer.from(b.update, "base64"))))).toString("base64");
          this.inflight = { cmid: batch[0]!.cmid, update };
        }
        const next = this.inflight;
        try {
          const sentAt = performance.now();
          const seq = await this.apply(next.cmid, next.update);
          this.o.onAck?.(performance.now() - sentAt);
          this.acked.set(next.cmid, seq);
          this.inflight = null;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })().finally(() => {
      this.sending = null;
      if ((this.inflight || this.queue.length) && !this.stopped) this.pump();
      else if (!this.inflight && !this.queue.length) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  private async apply(cmid: string, update: string): Promise<number> {
    const variables = { input: { sectionId: this.o.sectionId, update, clientMutationId: cmid } };
    if (this.o.transport === "http") {
      const response = await fetch(this.o.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.o.token}` },
        body: JSON.stringify({ query: APPLY, variables }),
      });
      const body = (await response.json()) as { data?: { applySectionUpdate?: { seq: number } }; errors?: unknown[] };
      const seq = body.data?.applySectionUpdate?.seq;
      if (seq === undefined) throw new Error(JSON.stringify(body.errors));
      return seq;
    }
    return new Promise<number>((resolve, reject) => {
      let seq: number | undefined;
      this.socket().subscribe<{ applySectionUpdate: { seq: number } }>(
        { query: APPLY, variables },
        {
          next: (result) => {
            seq = result.data?.applySectionUpdate?.seq;
            if (seq === undefined) reject(new Error(JSON.stringify(result.errors)));
          },
          error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => (seq === undefined ? reject(new Error("no result")) : resolve(seq)),
        },
      );
    });
  }

  /** Resolves once every local change so far is acknowledged. */
  async flush(timeoutMs = 20_000): Promise<void> {
    if (!this.queue.length && !this.inflight && !this.sending) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        reject(new Error(`${this.name}: ${this.queue.length + (this.inflight ? 1 : 0)} updates still unacknowledged`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  /** Resolves once the event `seq` has been received. */
  waitForSeq(seq: number, timeoutMs = 20_000): Promise<void> {
    if (this.lastSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: waited for seq ${seq}, at ${this.lastSeq}`)), timeoutMs);
      this.waiters.push({
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Resolves when the subscription ends (completed by the server, or failed). */
  waitForEnd(timeoutMs = 10_000): Promise<void> {
    if (this.ended !== "no") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: the subscription did not end`)), timeoutMs);
      this.endWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.disconnect();
  }
}
