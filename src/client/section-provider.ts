import { createClient, type Client } from "graphql-ws";
import { awarenessProtocol, decoding, fromBase64, syncProtocol, toBase64, Y, type Awareness, type YDoc } from "./deps";
import { Emitter } from "./emitter";
import { graphqlError, jwtExpiry, quiet, encodingSink } from "./helpers";
import { APPLY, AWARENESS, EMPTY_UPDATE_MESSAGE, REFRESH, REFUSALS, RequestError, STATE, STREAM } from "./operations";
import type { ProviderStatus, SectionProviderEvents, SectionProviderOptions, StreamMessage } from "./types";

export { EMPTY_UPDATE_MESSAGE } from "./operations";
export type { ProviderError, ProviderStatus, SectionProviderEvents, SectionProviderOptions, StreamMessage } from "./types";

/**
 * A Y.Doc and an Awareness bound to one section of a bid, the way `@hocuspocus/provider` binds
 * them to a document, over Scopgraph's GraphQL WebSocket (graphql-ws). Browser-safe: no Node API
 * (pass `WebSocket` from `ws` in Node).
 *
 * - connects with the sign-in token (or a getter), subscribes to `sectionUpdates` with the
 *   document's state vector (so a reconnection resumes from the current point), applies the sync
 *   answer, then relayed, durable and awareness messages;
 * - sends each local change with `applySectionUpdate`, one at a time, retried with the same
 *   clientMutationId until acknowledged (an acknowledgement means durable); changes made offline
 *   or while one is in flight wait in a queue and go merged as one update;
 * - after the sync answer and every `syncIntervalMs`, sends what the server lacks (text relayed
 *   by someone whose commit failed) once its queue is empty, if the server still lacks it a
 *   check later;
 * - shares the awareness with `sendSectionAwareness` (y-protocols renews it every 15 s);
 * - renews its token before it expires (`refreshSession`, or the getter) and reconnects with it;
 * - reports `status`, `synced`, `acknowledged` and `error` events; destroy() ends it all.
 */
interface Pending {
  clientMutationId: string;
  update: Uint8Array;
  /** Sent at least once: from then on it is retried exactly as it is. */
  sent: boolean;
}

export class SectionProvider extends Emitter<SectionProviderEvents> {
  readonly doc: YDoc;
  readonly awareness: Awareness;
  /** Made by the provider (not passed in): destroyed with it. */
  private readonly ownAwareness: boolean;
  status: ProviderStatus = "disconnected";
  synced = false;
  /** The seq up to which the section's text is durable and held here (sync answer, durable marks, relays). */
  lastSeq = 0;
  private readonly queue: Pending[] = [];
  /** Messages received and not applied yet (receive()). */
  private readonly inbox: StreamMessage[] = [];
  private client: Client | null = null;
  private generation = 0;
  private stopped = false;
  private pumping = false;
  private counter = 0;
  private token: string | null = null;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private syncTimer: ReturnType<typeof setTimeout> | null = null;
  /** What this document held when the server was first seen lacking some of it. */
  private lackSince: Map<number, number> | null = null;
  private awarenessDirty = false;
  private awarenessSending = false;
  private idle: (() => void)[] = [];
  /** Replies to sync messages, never sent (helpers.ts encodingSink). */
  private sink = encodingSink();
  private readonly name: string;
  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this) return;
    this.counter += 1;
    this.queue.push({ clientMutationId: `${this.name}-${this.counter}`, update, sent: false });
    void this.pump();
  };
  private readonly onAwarenessUpdate = (_changes: unknown, origin: unknown) => {
    if (origin !== "local") return;
    this.awarenessDirty = true;
    void this.sendAwareness();
  };

  constructor(private readonly o: SectionProviderOptions) {
    super();
    this.doc = o.doc ?? new Y.Doc();
    this.ownAwareness = !o.awareness;
    this.awareness = o.awareness ?? new awarenessProtocol.Awareness(this.doc);
    // A given name recurs (the same page reloaded, the same editor opened twice): a random part
    // per provider keeps its clientMutationIds from reusing an earlier one's (a CONFLICT).
    this.name = `${o.name ?? "p"}.${Math.random().toString(36).slice(2, 10)}`;
    this.doc.on("update", this.onDocUpdate);
    this.awareness.on("update", this.onAwarenessUpdate);
    if (o.connect !== false) this.connect();
  }

  /** Changes not acknowledged yet (queued or in flight). */
  get unacknowledged(): number {
    return this.queue.length;
  }

  /** Resolves once every local change made so far is durable. */
  flush(): Promise<void> {
    return this.queue.length === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /** Opens the connection (again, after disconnect()), from the document's current state vector. */
  connect(): void {
    this.stopped = false;
    if (this.client) return;
    void this.open(++this.generation, 0);
  }

  /** Closes the connection; local changes wait in the queue until connect(). */
  disconnect(): void {
    this.generation += 1;
    this.close();
    this.setStatus("disconnected");
  }

  destroy(): void {
    this.stopped = true;
    this.disconnect();
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], "destroy");
    this.doc.off("update", this.onDocUpdate);
    this.awareness.off("update", this.onAwarenessUpdate);
    // An awareness of its own keeps a timer (y-protocols' expiry check): it goes with the provider.
    if (this.ownAwareness) this.awareness.destroy();
  }

  private close(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    const client = this.client;
    this.client = null;
    if (this.synced) {
      this.synced = false;
      this.emit("synced", false);
    }
    // A client still connecting rejects its disposal with the connection's error: nothing to do.
    if (client) Promise.resolve(client.dispose()).catch(() => undefined);
  }

  private setStatus(status: ProviderStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit("status", status);
  }

  private async currentToken(): Promise<string> {
    if (typeof this.o.token === "function") return (this.token = await this.o.token());
    return (this.token ??= this.o.token);
  }

  private async open(generation: number, attempt: number): Promise<void> {
    if (this.stopped || generation !== this.generation) return;
    this.setStatus("connecting");
    let token: string;
    try {
      token = await this.currentToken();
    } catch {
      return this.retry(generation, attempt);
    }
    if (generation !== this.generation) return;
    const client = createClient({
      url: this.o.url.replace(/^http/, "ws"),
      webSocketImpl: quiet(this.o.WebSocket),
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
      generateID: operationId(),
      on: { connected: () => generation === this.generation && this.setStatus("connected") },
    });
    this.client = client;
    this.scheduleRenewal(generation, token);
    client.subscribe<{ sectionUpdates: StreamMessage }>(
      { query: STREAM, variables: { sectionId: this.o.sectionId, stateVector: toBase64(Y.encodeStateVector(this.doc)) } },
      {
        next: (result) => {
          if (generation !== this.generation) return;
          const refused = graphqlError(result.errors ?? null);
          if (refused && !result.data) {
            // Refused (no access, no such section): final, unless the token is the problem.
            this.close();
            this.setStatus("disconnected");
            if (refused.code === "UNAUTHENTICATED") return void this.retry(generation, attempt + 1);
            this.generation += 1;
            this.stopped = true;
            this.emit("error", refused);
            return;
          }
          const message = result.data?.sectionUpdates;
          if (message) this.receive(message);
        },
        error: (error) => {
          if (generation !== this.generation) return;
          const refusal = graphqlError(error);
          this.close();
          this.setStatus("disconnected");
          // A refusal of the subscription itself (no access, no section) is final.
          if (refusal && refusal.code !== "UNAUTHENTICATED") {
            this.stopped = true;
            this.emit("error", refusal);
            return;
          }
          void this.retry(generation, attempt + 1);
        },
        complete: () => {
          if (generation !== this.generation) return;
          // The server ends a stream whose viewer lost access; a socket can also end it. Subscribing
          // again tells them apart: a refusal (NOT_FOUND) stops the provider with that error.
          this.close();
          this.setStatus("disconnected");
          void this.retry(generation, attempt + 1);
        },
      },
    );
    // Mutations go as soon as the socket is up (lazy: the subscription opens it).
    void this.pump();
  }

  private async retry(generation: number, attempt: number): Promise<void> {
    if (this.stopped || generation !== this.generation) return;
    const base = this.o.retryDelayMs ?? 250;
    const delay = Math.min(base * 2 ** Math.min(attempt, 10), this.o.maxRetryDelayMs ?? 5000) * (0.5 + Math.random() / 2);
    this.timers.push(setTimeout(() => void this.open(generation, attempt), delay));
  }

  /**
   * Messages arrive in bursts (one socket read holds many under heavy typing): the burst is
   * applied in one Yjs transaction, so the document emits one `update` and an editor binding
   * renders once, instead of once per message.
   */
  private receive(message: StreamMessage): void {
    if (this.inbox.push(message) === 1) queueMicrotask(() => this.drainInbox());
  }

  private drainInbox(): void {
    const messages = this.inbox.splice(0);
    Y.transact(
      this.doc,
      () =>
        messages.forEach((m) => {
          try {
            this.apply(m);
          } catch {
            // A message this document cannot read is skipped: the periodic sync recovers its text.
          }
        }),
      this,
    );
    for (const message of messages) {
      if (message.kind === "SYNC") {
        this.synced = true;
        this.emit("synced", true);
        if (message.stateVector) this.offerLack(fromBase64(message.stateVector), true);
        this.startSyncTimer();
        this.awarenessDirty = this.awareness.getLocalState() !== null;
        void this.sendAwareness();
      }
      this.emit("message", message);
    }
  }

  private apply(message: StreamMessage): void {
    // Every kind's seq says up to where this document holds the durable text (a relay's: the others' marks).
    if (message.seq !== null) this.lastSeq = Math.max(this.lastSeq, message.seq);
    // The durable mark of updates this editor holds already carries an empty update: nothing to apply.
    if (message.kind === "DURABLE" && message.message === EMPTY_UPDATE_MESSAGE) return;
    const decoder = decoding.createDecoder(fromBase64(message.message));
    const type = decoding.readVarUint(decoder);
    // Sync step 2 or update: applied with this provider as origin (not sent back).
    if (type === 0) syncProtocol.readSyncMessage(decoder, (this.sink = encodingSink(this.sink)), this.doc, this);
    else if (type === 1) awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
  }

  /**
   * The next periodic sync, at a random point between half and one and a half intervals: editors
   * that connected together (a page of them, everyone after a server restart) would otherwise all
   * ask at the same moment, every interval, and each such burst is a latency spike for everyone.
   */
  private startSyncTimer(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    const generation = this.generation;
    // Its sender's retries recover a failed commit within seconds; the exchange covers a sender gone
    // meanwhile and a dropped message, both rare, and each costs the server a diff of the document.
    const every = this.o.syncIntervalMs ?? 30_000;
    this.syncTimer = setTimeout(
      () => {
        this.syncTimer = null;
        if (generation !== this.generation) return;
        void this.syncExchange(generation).finally(() => generation === this.generation && !this.stopped && this.client && this.startSyncTimer());
      },
      every * (0.5 + Math.random()),
    );
  }

  /** The periodic sync: what this document lacks comes back; what the server lacks goes. */
  private async syncExchange(generation: number): Promise<void> {
    if (generation !== this.generation || !this.client) return;
    try {
      const data = await this.request<{ node: { diff: string; stateVector: string } | null }>(STATE, {
        id: this.o.sectionId,
        sv: toBase64(Y.encodeStateVector(this.doc)),
      });
      if (!data.node || generation !== this.generation) return;
      Y.applyUpdate(this.doc, fromBase64(data.node.diff), this);
      this.offerLack(fromBase64(data.node.stateVector), false);
    } catch {
      // The connection's own error handling reconnects.
    }
  }

  /**
   * Sends what the server lacks, as any update: only while nothing of this provider is pending
   * (its own changes are on their way), and, except right after connecting, only what it still
   * lacks a check later of what this document held at the first check: text relayed to us is
   * usually committing right now, and under steady typing there is always some in flight.
   */
  private offerLack(serverVector: Uint8Array, immediately: boolean): void {
    if (this.queue.length) return;
    const server = Y.decodeStateVector(serverVector);
    const local = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    const behind = (held: Map<number, number>) => [...held].some(([client, clock]) => (server.get(client) ?? 0) < clock);
    if (!behind(local)) {
      this.lackSince = null;
      return;
    }
    if (!immediately && (this.lackSince === null || !behind(this.lackSince))) {
      // Seen missing for the first time (or only newer text is): ask again at the next check.
      this.lackSince = local;
      return;
    }
    this.lackSince = null;
    this.onDocUpdate(Y.encodeStateAsUpdate(this.doc, serverVector), "sync");
  }

  /** Sends the queue's head until it is empty, one request at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && this.client && !this.stopped) {
        const head = this.queue[0]!;
        if (!head.sent) {
          // Everything not sent yet goes as one update.
          let last = 0;
          while (last + 1 < this.queue.length && !this.queue[last + 1]!.sent) last++;
          if (last > 0) {
            const merged = this.queue.splice(0, last + 1);
            this.queue.unshift({
              clientMutationId: merged[merged.length - 1]!.clientMutationId,
              update: Y.mergeUpdates(merged.map((p) => p.update)),
              sent: false,
            });
          }
        }
        const item = this.queue[0]!;
        item.sent = true;
        const started = Date.now();
        try {
          const data = await this.request<{ applySectionUpdate: { seq: number } }>(APPLY, {
            input: { sectionId: this.o.sectionId, update: toBase64(item.update), clientMutationId: item.clientMutationId },
          });
          this.queue.shift();
          this.emit("acknowledged", { clientMutationId: item.clientMutationId, seq: data.applySectionUpdate.seq, ms: Date.now() - started });
        } catch (error) {
          if (error instanceof RequestError && REFUSALS.has(error.code) && error.code !== "UNAUTHENTICATED") {
            this.queue.shift();
            this.emit("error", { code: error.code, message: error.message });
            continue;
          }
          // Offline or reconnecting: the same item is sent again, with the same id, once connected.
          break;
        }
      }
    } finally {
      this.pumping = false;
    }
    if (this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
    else if (this.client && !this.stopped) {
      const generation = this.generation;
      this.timers.push(setTimeout(() => generation === this.generation && void this.pump(), this.o.retryDelayMs ?? 250));
    }
  }

  private async sendAwareness(): Promise<void> {
    if (this.awarenessSending || !this.client || !this.synced) return;
    this.awarenessSending = true;
    try {
      while (this.awarenessDirty && this.client) {
        this.awarenessDirty = false;
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]);
        await this.request(AWARENESS, { input: { sectionId: this.o.sectionId, update: toBase64(update) } }).catch(() => undefined);
      }
    } finally {
      this.awarenessSending = false;
    }
  }

  /** A query or mutation over the socket; RequestError with its code on a GraphQL error. */
  private request<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const client = this.client;
    if (!client) return Promise.reject(new Error("not connected"));
    return new Promise<T>((resolve, reject) => {
      // A query or mutation has one result: it settles the request as it arrives (the server
      // sends `complete` only once that result is written, a turn of its event loop later).
      let settled = false;
      client.subscribe<T>(
        { query, variables },
        {
          next: (result) => {
            settled = true;
            const first = result.errors?.[0];
            if (first) reject(new RequestError(typeof first.extensions?.code === "string" ? first.extensions.code : "INTERNAL_SERVER_ERROR", first.message));
            else if (result.data) resolve(result.data);
            else reject(new Error("no answer"));
          },
          error: (error) =>
            reject(graphqlError(error) ? new RequestError(graphqlError(error)!.code, graphqlError(error)!.message) : new Error("connection lost")),
          complete: () => settled || reject(new Error("no answer")),
        },
      );
    });
  }

  /** Renews the token `renewBeforeMs` before it expires, then reconnects with it. */
  private scheduleRenewal(generation: number, token: string): void {
    const before = this.o.renewBeforeMs ?? 60_000;
    const expiresAt = jwtExpiry(token);
    if (before <= 0 || expiresAt === null) return;
    const delay = Math.max(0, expiresAt - before - Date.now());
    this.timers.push(setTimeout(() => void this.renew(generation), delay));
  }

  private async renew(generation: number): Promise<void> {
    if (generation !== this.generation) return;
    try {
      const fresh =
        typeof this.o.token === "function"
          ? await this.o.token()
          : (await this.request<{ refreshSession: { token: string } }>(REFRESH, {})).refreshSession.token;
      if (generation !== this.generation) return;
      this.token = fresh;
      this.o.onToken?.(fresh);
      // Reconnect with the new token, from the current point; changes wait in the queue.
      this.generation += 1;
      this.close();
      void this.open(this.generation, 0);
    } catch (error) {
      this.emit("error", { code: "UNAUTHENTICATED", message: `The token could not be renewed: ${String(error)}` });
    }
  }
}

/**
 * Operation ids for one socket: the section stream is "stream" on every editor's socket, so the
 * server writes the same bytes of each relayed message to all of them (shared-execution.ts);
 * requests are numbered (unique on the socket, which is all graphql-ws asks of an id).
 */
function operationId(): (payload: { query: string }) => string {
  let n = 0;
  return (payload) => (payload.query === STREAM ? "stream" : `r${++n}`);
}
