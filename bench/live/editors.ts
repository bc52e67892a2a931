/**
 * The editors of bench/live's latency phase, run in worker threads (editor-worker.js) so that 50
 * co-editors are not one event loop: in a browser each has its own, and one shared loop added a
 * queue of its own to every delivery (49 messages parsed one after the other, and the GC pauses of
 * one large heap). Each thread types into its editors at the given rate and records, with
 * wall-clock times comparable across threads, when each update left and when each editor received
 * each update; the main thread joins the two.
 */
import { createRequire } from "node:module";
import path from "node:path";
import WebSocket from "ws";
import type { YDoc } from "../../src/client";
import type { SectionProvider as SectionProviderType, StreamMessage } from "../../src/client";

type Yjs = typeof import("../../src/client").Y;
type ClientDeps = typeof import("../../src/client/deps");

export type EditorSpec =
  /** `sectionId`: one section for every editor, or one per token. */
  | { system: "scopgraph"; url: string; sectionId: string | string[]; tokens: string[]; firstIndex: number }
  | { system: "hocuspocus"; url: string; count: number; firstIndex: number };

export interface PhaseSpec {
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** Wait after the typing stops, for the late arrivals of measured updates. */
  graceMs: number;
}

export interface PhaseRecord {
  /** Item key (`client:clock`) of each measured update, with its send time (epoch ms). */
  sent: [string, number][];
  /** Each arrival of a measured update at another editor of this thread: key, epoch ms. */
  arrivals: [string, number][];
  /** Round trips of acknowledged updates (Scopgraph), ms. */
  acks: number[];
  /** Each arrival of a measured update's bytes in a durable message at another editor (Scopgraph): key, epoch ms. */
  durableArrivals: [string, number][];
  /** The seq each measured update was acknowledged with (Scopgraph): key, seq. */
  durableSeqs: [string, number][];
  /**
   * Each durable mark an editor received (Scopgraph), three numbers a mark: its Yjs client, the
   * seq up to which the section is durable, epoch ms. A mark carries no bytes for updates the
   * editor was relayed. Flat, as every relay is a mark: an array per mark was one more object per
   * delivery, kept for the whole phase, that only Scopgraph's editor threads had to collect.
   */
  marks: number[];
}

interface Editor {
  doc: YDoc;
  index: number;
  /** Resolves once what the editor typed is acknowledged (systems that acknowledge). */
  flush?(): Promise<void>;
  close(): Promise<void> | void;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Yjs item ids an update carries: `client:clock`, the key of a send time. */
function itemKeys(Y: Yjs, update: Uint8Array): string[] {
  return Y.decodeUpdate(update).structs.map((s) => `${s.id.client}:${s.id.clock}`);
}

interface Provider {
  destroy(): void;
  on(event: "synced", listener: () => void): void;
}

type ProviderConstructor = new (configuration: { url: string; name: string; document: YDoc; WebSocketPolyfill: typeof WebSocket }) => Provider;

/** The Yjs item keys of a stream message that carries an update (sync message type 0). */
function messageKeys(deps: ClientDeps, message: StreamMessage): string[] {
  const decoder = deps.decoding.createDecoder(deps.fromBase64(message.message));
  if (deps.decoding.readVarUint(decoder) !== 0) return [];
  deps.decoding.readVarUint(decoder); // sync step 2 or update: both carry an update
  return itemKeys(deps.Y, deps.decoding.readVarUint8Array(decoder));
}

export class EditorGroup {
  private editors: Editor[] = [];
  private acks: number[] | null = null;
  private durableArrivals: [string, number][] | null = null;
  private durableSeqs: [string, number][] | null = null;
  private marks: number[] | null = null;
  /** Updates acknowledged, and refused, by the server since the thread started (Scopgraph). */
  private acknowledged = 0;
  private refused = 0;
  /** Per editor (Yjs client), the measured updates typed and not acknowledged yet: key, epoch ms. */
  private readonly typed = new Map<number, [string, number][]>();
  /** The Yjs of this thread's editors: the app's for Scopgraph, the provider's own for Hocuspocus
   * (one copy per thread, as Yjs asks). */
  private Y: Yjs | null = null;

  async open(spec: EditorSpec): Promise<void> {
    if (spec.system === "scopgraph") {
      // Through the provider a front-end gets (src/client), `ws` as its WebSocket. Loaded here so
      // that a Hocuspocus thread never loads the app's copy of Yjs.

      const { SectionProvider } = require("../../src/client") as { SectionProvider: typeof SectionProviderType };

      const deps = require("../../src/client/deps") as ClientDeps;
      this.Y = deps.Y;
      this.editors = await Promise.all(
        spec.tokens.map((token, i) => {
          const doc = new deps.Y.Doc();
          const provider = new SectionProvider({
            url: spec.url,
            sectionId: typeof spec.sectionId === "string" ? spec.sectionId : spec.sectionId[i]!,
            token,
            doc,
            WebSocket,
            name: `e${spec.firstIndex + i}`,
            renewBeforeMs: 0,
          });
          provider.on("error", () => (this.refused += 1));
          provider.on("acknowledged", ({ ms, seq }) => {
            this.acknowledged += 1;
            this.acks?.push(ms);
            // The acknowledged change holds what was typed before it left (later typing goes next).
            // `ms` comes from Date.now(), whole milliseconds: the change left up to 1 ms after
            // now() - ms says. Without that margin, about a quarter of the updates (typed in the
            // millisecond their request left) were counted as durable only with the editor's next
            // update, half a second later: the durable p99 read 525 ms.
            const typed = this.typed.get(doc.clientID) ?? [];
            const leftAt = now() - ms + 1;
            while (typed.length && typed[0]![1] <= leftAt) this.durableSeqs?.push([typed.shift()![0], seq]);
          });
          provider.on("message", (message) => {
            const arrivals = this.durableArrivals;
            if (!arrivals || (message.kind !== "DURABLE" && message.kind !== "RELAYED")) return;
            const at = now();
            // A relay's seq is a durable mark too (the section hub lets relays carry the marks).
            if (message.seq !== null) this.marks?.push(doc.clientID, message.seq, at);
            if (message.kind === "DURABLE") for (const key of messageKeys(deps, message)) if (!key.startsWith(`${doc.clientID}:`)) arrivals.push([key, at]);
          });
          return new Promise<Editor>((resolve) => {
            const editor: Editor = { doc, index: spec.firstIndex + i, flush: () => provider.flush(), close: () => provider.destroy() };
            if (provider.synced) resolve(editor);
            else provider.on("synced", (synced) => synced && resolve(editor));
          });
        }),
      );
      return;
    }
    const peer = createRequire(path.join(__dirname, "package.json"));
    const { HocuspocusProvider } = peer("@hocuspocus/provider") as { HocuspocusProvider: ProviderConstructor };
    // Documents from the provider's own copy of Yjs (bench/live/node_modules), so that its
    // constructor checks hold; the updates themselves are the same binary format.
    const PeerY = peer("yjs") as Yjs;
    this.Y = PeerY;
    this.editors = await Promise.all(
      Array.from({ length: spec.count }, (_, i) => {
        const doc = new PeerY.Doc();
        return new Promise<Editor>((resolve) => {
          const provider = new HocuspocusProvider({ url: spec.url, name: "bid-section", document: doc, WebSocketPolyfill: WebSocket });
          provider.on("synced", () => resolve({ doc, index: spec.firstIndex + i, close: () => provider.destroy() }));
        });
      }),
    );
  }

  /** Types at `rate` into every editor, recording sends and arrivals over the measured window. */
  async phase(spec: PhaseSpec): Promise<PhaseRecord> {
    const Y = this.Y!;
    const sent: [string, number][] = [];
    const arrivals: [string, number][] = [];
    this.acks = [];
    const durableArrivals: [string, number][] = [];
    const durableSeqs: [string, number][] = [];
    const marks: number[] = [];
    this.typed.clear();
    let measuring = false;
    let recording = false;
    const offs = this.editors.map((editor) => {
      const listener = (update: Uint8Array, origin: unknown) => {
        if (!recording || origin === null || origin === undefined) return; // local typing
        const at = now();
        for (const key of itemKeys(Y, update)) arrivals.push([key, at]);
      };
      editor.doc.on("update", listener);
      return () => editor.doc.off("update", listener);
    });
    const timers: NodeJS.Timeout[] = [];
    const interval = 1000 / spec.rate;
    for (const editor of this.editors) {
      const tick = () => {
        const text = editor.doc.getText("content");
        if (measuring) {
          const key = `${editor.doc.clientID}:${Y.getState(editor.doc.store, editor.doc.clientID)}`;
          const at = now();
          sent.push([key, at]);
          const typed = this.typed.get(editor.doc.clientID) ?? [];
          typed.push([key, at]);
          this.typed.set(editor.doc.clientID, typed);
        }
        text.insert(Math.floor(Math.random() * (text.length + 1)), `[${editor.index}]`);
      };
      timers.push(
        setTimeout(() => {
          tick();
          timers.push(setInterval(tick, interval));
        }, Math.random() * interval),
      );
    }
    await sleep(spec.warmupMs);
    // Arrivals are recorded from a little before the first measured send (none can precede it).
    recording = true;
    measuring = true;
    this.durableArrivals = durableArrivals;
    this.durableSeqs = durableSeqs;
    this.marks = marks;
    await sleep(spec.durationMs);
    measuring = false;
    for (const timer of timers) clearInterval(timer);
    await sleep(spec.graceMs);
    recording = false;
    this.durableArrivals = null;
    this.durableSeqs = null;
    this.marks = null;
    for (const off of offs) off();
    const acks = this.acks;
    this.acks = null;
    return { sent, arrivals, acks, durableArrivals, durableSeqs, marks };
  }

  /**
   * Each editor types one character, waits for its acknowledgement, and again, for `ms`: the
   * updates acknowledged (durable). A refused update is not durable: it fails the phase.
   */
  async throughput(ms: number): Promise<number> {
    const started = performance.now();
    const [acknowledged, refused] = [this.acknowledged, this.refused];
    await Promise.all(
      this.editors.map(async (editor) => {
        const text = editor.doc.getText("content");
        while (editor.flush && performance.now() - started < ms) {
          text.insert(Math.floor(Math.random() * (text.length + 1)), "x");
          await editor.flush();
        }
      }),
    );
    if (this.refused > refused) throw new Error(`throughput: ${this.refused - refused} updates refused by the server`);
    return this.acknowledged - acknowledged;
  }

  async close(): Promise<void> {
    await Promise.all(this.editors.map(async (e) => e.close()));
    this.editors = [];
  }
}
