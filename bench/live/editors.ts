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
import type { YDoc } from "../../src/bids/sections/yjs";
import type { LiveClient as LiveClientType } from "../../test/bids/live-client";

type Yjs = typeof import("../../src/bids/sections/yjs").Y;

export type EditorSpec =
  | { system: "scopgraph"; url: string; bidId: string; sectionId: string; afterSeq: number; state?: string; tokens: string[]; firstIndex: number }
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

export class EditorGroup {
  private editors: Editor[] = [];
  private acks: number[] | null = null;
  /** The Yjs of this thread's editors: the app's for Scopgraph, the provider's own for Hocuspocus
   * (one copy per thread, as Yjs asks). */
  private Y: Yjs | null = null;

  async open(spec: EditorSpec): Promise<void> {
    if (spec.system === "scopgraph") {
      // Loaded here so that a Hocuspocus thread never loads the app's copy of Yjs.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { LiveClient } = require("../../test/bids/live-client") as { LiveClient: typeof LiveClientType };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.Y = (require("../../src/bids/sections/yjs") as { Y: Yjs }).Y;
      this.editors = spec.tokens.map((token, i) => {
        const client = new LiveClient({
          url: spec.url,
          token,
          bidId: spec.bidId,
          sectionId: spec.sectionId,
          afterSeq: spec.afterSeq,
          state: spec.state,
          name: `e${spec.firstIndex + i}`,
          transport: "ws",
          onAck: (ms) => this.acks?.push(ms),
        });
        client.connect();
        return { doc: client.doc, index: spec.firstIndex + i, flush: () => client.flush(60_000), close: () => client.close() };
      });
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
        if (measuring) sent.push([`${editor.doc.clientID}:${Y.getState(editor.doc.store, editor.doc.clientID)}`, now()]);
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
    await sleep(spec.durationMs);
    measuring = false;
    for (const timer of timers) clearInterval(timer);
    await sleep(spec.graceMs);
    recording = false;
    for (const off of offs) off();
    const acks = this.acks;
    this.acks = null;
    return { sent, arrivals, acks };
  }

  /** Each editor types one character, waits for its acknowledgement, and again, for `ms`: acknowledged updates. */
  async throughput(ms: number): Promise<number> {
    const started = performance.now();
    let acked = 0;
    await Promise.all(
      this.editors.map(async (editor) => {
        const text = editor.doc.getText("content");
        while (editor.flush && performance.now() - started < ms) {
          text.insert(Math.floor(Math.random() * (text.length + 1)), "x");
          await editor.flush();
          acked += 1;
        }
      }),
    );
    return acked;
  }

  async close(): Promise<void> {
    await Promise.all(this.editors.map((e) => e.close()));
    this.editors = [];
  }
}
