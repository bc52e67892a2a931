import WebSocket from "ws";
import { SectionProvider, type StreamMessage } from "../../src/client";
import { encoding, syncProtocol } from "../../src/client/deps";
import { encodingSink } from "../../src/client/helpers";
import { Y } from "../../src/bids/sections/yjs";
import { ApplySectionUpdateDocument, RemoveBidMemberDocument, SectionProjectionDocument, SectionUpdatesDocument } from "../generated/graphql";
import { codes, startTestServer, wsOnce, type TestServer } from "../helpers/server";
import { addSection, sectionScene, type BidWorld } from "./bid-setup";

let server: TestServer;
let server2: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server2 = await startTestServer({ db: server.db });
});
afterAll(async () => {
  await server2.close();
  await server.close();
});

const providers: SectionProvider[] = [];
afterEach(() => {
  providers.splice(0).forEach((p) => p.destroy());
});

const scene = () => sectionScene(server);
const section = (w: BidWorld, bidId: string, title: string) => addSection(server, w, bidId, title);

function provider(sectionId: string, token: string, via: TestServer = server, extra: { syncIntervalMs?: number } = {}): SectionProvider {
  const p = new SectionProvider({ url: via.url, sectionId, token, WebSocket, syncIntervalMs: extra.syncIntervalMs ?? 300, retryDelayMs: 50 });
  providers.push(p);
  return p;
}

function once<T>(subscribe: (resolve: (value: T) => void) => void, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
    timer.unref();
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

const synced = (p: SectionProvider) => (p.synced ? Promise.resolve() : once<void>((resolve) => p.on("synced", (s) => s && resolve())));

/** Resolves once `check` holds, re-checked after each message a provider applies. */
function until(ps: SectionProvider[], check: () => boolean, ms = 15_000): Promise<void> {
  if (check()) return Promise.resolve();
  return once<void>((resolve) => {
    const offs = ps.map((p) =>
      p.on("message", () => {
        if (check()) {
          offs.forEach((off) => off());
          resolve();
        }
      }),
    );
  }, ms);
}

async function serverText(s: { sectionId: string }, token: string): Promise<string> {
  const result = await server.gql(SectionProjectionDocument, { id: s.sectionId }, token);
  const node = result.data?.node;
  return node && "text" in node ? node.text : "";
}

const text = (p: SectionProvider) => p.doc.getText("content").toString();

test("three editors on two instances converge with every insertion present, and the server's text is the same", async () => {
  const s = await scene();
  const editors = [provider(s.sectionId, s.w.lead.token), provider(s.sectionId, s.w.partner.token), provider(s.sectionId, s.w.partner.token, server2)];
  await Promise.all(editors.map(synced));
  const words: string[] = [];
  for (let round = 0; round < 5; round++) {
    editors.forEach((editor, i) => {
      const word = `<${i}.${round}>`;
      words.push(word);
      editor.doc.getText("content").insert(0, word);
    });
    await new Promise((r) => setTimeout(r, 15));
  }
  await Promise.all(editors.map((e) => e.flush()));
  await until(editors, () => editors.every((e) => text(e) === text(editors[0]!) && words.every((w) => text(e).includes(w))));
  expect(await serverText(s, s.w.lead.token)).toBe(text(editors[0]!));
  expect(text(editors[0]!).length).toBe(words.join("").length);
});

test("text relayed but never committed is recovered by the sync exchange of an editor that holds it", async () => {
  const s = await scene();
  const holder = provider(s.sectionId, s.w.lead.token, server2);
  await synced(holder);
  // The partner sends a first update, then reuses its clientMutationId with other text: a CONFLICT,
  // never committed, yet relayed at once to the section's editors (before the commit refused it).
  const sender = new Y.Doc();
  sender.getText("content").insert(0, "engagé ");
  const first = await server.gql(
    ApplySectionUpdateDocument,
    { input: { sectionId: s.sectionId, update: b64(Y.encodeStateAsUpdate(sender)), clientMutationId: "cm-1" } },
    s.w.partner.token,
  );
  expect(first.errors).toBeUndefined();
  const before = Y.encodeStateVector(sender);
  sender.getText("content").insert(7, "perdu?");
  const reused = await server.gql(
    ApplySectionUpdateDocument,
    { input: { sectionId: s.sectionId, update: b64(Y.encodeStateAsUpdate(sender, before)), clientMutationId: "cm-1" } },
    s.w.partner.token,
  );
  expect(codes(reused)).toEqual(["CONFLICT"]);
  await until([holder], () => text(holder) === "engagé perdu?");
  // The holder's periodic sync finds the server without it and commits it like any update.
  await waitFor(async () => expect(await serverText(s, s.w.lead.token)).toBe("engagé perdu?"));
});

test("a clientMutationId reused with other content is a CONFLICT; with the same, the first answer", async () => {
  const s = await scene();
  const doc = new Y.Doc();
  doc.getText("content").insert(0, "a");
  const update = b64(Y.encodeStateAsUpdate(doc));
  const first = await server.gql(ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update, clientMutationId: "same" } }, s.w.partner.token);
  const retry = await server.gql(ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update, clientMutationId: "same" } }, s.w.partner.token);
  expect(retry.data?.applySectionUpdate.seq).toBe(first.data?.applySectionUpdate.seq);
  doc.getText("content").insert(1, "b");
  const other = await server.gql(
    ApplySectionUpdateDocument,
    { input: { sectionId: s.sectionId, update: b64(Y.encodeStateAsUpdate(doc)), clientMutationId: "same" } },
    s.w.partner.token,
  );
  expect(codes(other)).toEqual(["CONFLICT"]);
  expect(await serverText(s, s.w.lead.token)).toBe("a");
});

test("a provider named like an earlier one (the same page reloaded) never reuses its clientMutationIds", async () => {
  const s = await scene();
  const named = (doc: InstanceType<typeof Y.Doc>) => {
    const p = new SectionProvider({ url: server.url, sectionId: s.sectionId, token: s.w.partner.token, WebSocket, doc, name: "tab", retryDelayMs: 50 });
    providers.push(p);
    return p;
  };
  const errors: string[] = [];
  const first = named(new Y.Doc());
  first.on("error", ({ code }) => errors.push(code));
  await synced(first);
  first.doc.getText("content").insert(0, "one ");
  await first.flush();
  first.destroy();
  const second = named(new Y.Doc());
  second.on("error", ({ code }) => errors.push(code));
  await synced(second);
  second.doc.getText("content").insert(second.doc.getText("content").length, "two");
  await second.flush();
  expect(errors).toEqual([]);
  expect(await serverText(s, s.w.lead.token)).toBe("one two");
});

test("an editor that goes offline keeps typing, reconnects from its state vector and everything converges", async () => {
  const s = await scene();
  const a = provider(s.sectionId, s.w.lead.token);
  const b = provider(s.sectionId, s.w.partner.token, server2);
  await Promise.all([synced(a), synced(b)]);
  a.doc.getText("content").insert(0, "début ");
  await a.flush();
  await until([b], () => text(b) === "début ");
  b.disconnect();
  b.doc.getText("content").insert(6, "hors-ligne ");
  a.doc.getText("content").insert(0, "[A] ");
  await a.flush();
  expect(b.unacknowledged).toBe(1);
  const sync = once<StreamMessage>((resolve) => b.on("message", (m) => m.kind === "SYNC" && resolve(m)));
  b.connect();
  // The sync answer carries only what B missed: A's "[A] " (a document without it would get all).
  const answer = await sync;
  const missed = Y.decodeUpdate(stepPayload(answer.message)).structs;
  expect(missed.length).toBe(1);
  await b.flush();
  await until([a, b], () => text(a) === text(b) && text(a).includes("hors-ligne") && text(a).includes("[A] "));
  expect(await serverText(s, s.w.lead.token)).toBe(text(a));
});

test("awareness: a cursor appears to the section's other editors on every instance, and goes when its editor leaves", async () => {
  const s = await scene();
  const a = provider(s.sectionId, s.w.lead.token);
  const b = provider(s.sectionId, s.w.partner.token, server2);
  await Promise.all([synced(a), synced(b)]);
  a.awareness.setLocalStateField("user", { name: "Alice", color: "#c00" });
  a.awareness.setLocalStateField("cursor", { anchor: 3, head: 5 });
  await until([b], () => (b.awareness.getStates().get(a.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name === "Alice");
  // Never in the log: the bid's head did not move.
  expect(await serverText(s, s.w.lead.token)).toBe("");
  a.destroy();
  await until([b], () => !b.awareness.getStates().has(a.doc.clientID));
});

test("a section's stream carries that section only", async () => {
  const s = await scene();
  const other = await section(s.w, s.bidId, "Moyens");
  const typist = provider(s.sectionId, s.w.partner.token);
  const watcher = provider(other, s.w.lead.token);
  const seen: StreamMessage[] = [];
  watcher.on("message", (m) => seen.push(m));
  const neighbour = provider(s.sectionId, s.w.lead.token, server2);
  await Promise.all([synced(typist), synced(watcher), synced(neighbour)]);
  typist.doc.getText("content").insert(0, "seulement ici");
  await typist.flush();
  await until([neighbour], () => text(neighbour) === "seulement ici");
  await new Promise((r) => setTimeout(r, 300));
  expect(seen.map((m) => m.kind)).toEqual(["SYNC"]);
  expect(text(watcher)).toBe("");
});

test("every editor's socket names the section stream alike: a relayed message is the same bytes for all", async () => {
  const s = await scene();
  // A WebSocket that records the text frames it receives, before the provider reads them.
  const recorder = (into: string[]) =>
    class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        // A text frame reaches a `ws` listener as one Buffer (binaryType "nodebuffer").
        this.on("message", (data: Buffer, binary: boolean) => binary || into.push(data.toString("utf8")));
      }
    };
  const frames: string[][] = [[], []];
  const readers = frames.map((into, i) => {
    const token = i === 0 ? s.w.lead.token : s.w.partner.token;
    const p = new SectionProvider({ url: server.url, sectionId: s.sectionId, token, WebSocket: recorder(into), retryDelayMs: 50 });
    providers.push(p);
    return p;
  });
  const typist = provider(s.sectionId, s.w.partner.token);
  await Promise.all([typist, ...readers].map(synced));
  typist.doc.getText("content").insert(0, "mêmes octets");
  const relayed = (into: string[]) => into.filter((frame) => frame.includes('"kind":"RELAYED"'));
  await until(readers, () => readers.every((r) => text(r) === "mêmes octets") && frames.every((into) => relayed(into).length > 0));
  expect(relayed(frames[0]!)[0]).toBe(relayed(frames[1]!)[0]);
  expect(JSON.parse(relayed(frames[0]!)[0]!)).toMatchObject({ id: "stream", type: "next", payload: { data: { sectionUpdates: { kind: "RELAYED" } } } });
});

test("rich text: the plain-text projection reads a Y.XmlFragment as TipTap writes it", async () => {
  const s = await scene();
  const doc = new Y.Doc();
  const fragment = doc.getXmlFragment("default");
  const p1 = new Y.XmlElement("paragraph");
  const t1 = new Y.XmlText();
  t1.insert(0, "Une équipe ");
  t1.insert(11, "locale", { bold: true });
  p1.insert(0, [t1]);
  const p2 = new Y.XmlElement("paragraph");
  const t2 = new Y.XmlText();
  t2.insert(0, "et réactive.");
  p2.insert(0, [t2]);
  fragment.insert(0, [p1, p2]);
  const applied = await server.gql(
    ApplySectionUpdateDocument,
    { input: { sectionId: s.sectionId, update: b64(Y.encodeStateAsUpdate(doc)) } },
    s.w.partner.token,
  );
  expect(applied.errors).toBeUndefined();
  expect(await serverText(s, s.w.lead.token)).toBe("Une équipe locale\net réactive.");
});

test("access revoked ends the section streams at once; a new subscription is refused", async () => {
  const s = await scene();
  const partner = provider(s.sectionId, s.w.partner.token, server2);
  await synced(partner);
  const ended = once<string>((resolve) => partner.on("error", (e) => resolve(e.code)), 5000);
  const removal = await server.gql(RemoveBidMemberDocument, { input: { memberId: s.partnerMember, expectedVersion: 2 } }, s.w.lead.token);
  expect(removal.errors).toBeUndefined();
  // The stream completes at once; subscribing again is refused, and the provider stops there.
  expect(await ended).toBe("NOT_FOUND");
  expect(partner.status).toBe("disconnected");
  const again = await wsOnce(server.ws(s.w.partner.token), SectionUpdatesDocument, { sectionId: s.sectionId });
  expect(codes(again)).toEqual(["NOT_FOUND"]);
});

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** The Yjs update inside a framed sync step 2 (type 0, step 1 = 1 byte each, then a varUint8Array). */
function stepPayload(message: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(message, "base64"));
  let offset = 2;
  let length = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++]!;
    length |= (byte & 0x7f) << shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  return bytes.subarray(offset, offset + length);
}

async function waitFor(check: () => Promise<void>, ms = 10_000): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    try {
      return await check();
    } catch (error) {
      if (waited > ms) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test("the provider's reply sink for sync messages is reused while empty, and made again once written", () => {
  const sink = encodingSink();
  expect(encodingSink(sink)).toBe(sink);
  // A sync step 1 (which the server never sends) would write its answer there.
  syncProtocol.writeSyncStep1(sink, new Y.Doc());
  const next = encodingSink(sink);
  expect(next).not.toBe(sink);
  expect(encoding.length(next)).toBe(0);
});
