import { Client as PgClient } from "pg";
import { print } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { EMPTY_UPDATE_MESSAGE, type StreamMessage, type YDoc } from "../../src/client";
import { fromGlobalId } from "../../src/common/node";
import { sectionChannel } from "../../src/bids/sections/section-hub";
import { bidChannel, NOTICE_HEAD, noticeHead } from "../../src/bids/live/event-log";
import { frameUpdate } from "../../src/bids/sections/section-protocol";
import { Y } from "../../src/bids/sections/yjs";
import { ApplySectionUpdateDocument, SectionUpdatesDocument } from "../generated/graphql";
import { codes, startTestServer, wsOnce, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";
import { addSection, sectionScene } from "./bid-setup";

/**
 * How a section's text reaches its editors (ARCHITECTURE §5): relayed before it is durable, then
 * a durable mark that carries the bytes only to those who were not relayed them; relays cross to
 * another instance only when one has subscribers; over a socket, the write checks the session.
 */
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

const clients: WsClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (c) => c.dispose()));
});

const scene = () => sectionScene(server);

/** A raw subscription to a section, keeping every message; resolves once the sync answer came. */
async function watch(
  via: TestServer,
  token: string,
  sectionId: string,
  query = print(SectionUpdatesDocument),
): Promise<{ messages: Record<string, unknown>[]; next(predicate: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> }> {
  const client = via.ws(token);
  clients.push(client);
  const messages: Record<string, unknown>[] = [];
  const waiters: { predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  const next = (predicate: (m: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = messages.find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no such message within 10 s; got ${JSON.stringify(messages)}`)), 10_000);
      waiters.push({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  client.subscribe<Record<string, Record<string, unknown>>>(
    { query, variables: { sectionId } },
    {
      next: (result) => {
        const message = Object.values(result.data ?? {})[0];
        if (!message) return;
        messages.push(message);
        for (const waiter of waiters.splice(0)) {
          if (waiter.predicate(message)) waiter.resolve(message);
          else waiters.push(waiter);
        }
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  await next((m) => (m.kind ?? m.type) === "SYNC");
  return { messages, next };
}

function textUpdate(doc: YDoc, at: number, text: string): string {
  const before = Y.encodeStateVector(doc);
  doc.getText("content").insert(at, text);
  return Buffer.from(Y.encodeStateAsUpdate(doc, before)).toString("base64");
}

/** Holds the bid's row lock in a transaction of its own: text updates wait for it to commit. */
async function holdBid(bidId: string): Promise<() => Promise<void>> {
  const client = new PgClient({ connectionString: server.db.url });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT 1 FROM bids WHERE id = $1 FOR UPDATE", [fromGlobalId(bidId)!.id]);
  return async () => {
    await client.query("COMMIT");
    await client.end();
  };
}

/** The bid's notifications as PostgreSQL sends them, on a connection of their own (end `listener` after). */
async function listenToBid(bidId: string): Promise<{ notices: string[]; listener: PgClient }> {
  const listener = new PgClient({ connectionString: server.db.url });
  await listener.connect();
  const notices: string[] = [];
  listener.on("notification", (n) => n.payload !== undefined && notices.push(n.payload));
  await listener.query(`LISTEN ${bidChannel(fromGlobalId(bidId)!.id)}`);
  return { notices, listener };
}

/** How many events `notices` carry: one for a single notice, each of a batch's. */
function eventsIn(notices: string[]): number {
  return notices.map((raw) => JSON.parse(raw) as { event?: unknown; events?: unknown[] }).reduce((n, p) => n + (p.events?.length ?? (p.event ? 1 : 0)), 0);
}

test("the server frames an empty update exactly as the provider recognises it", () => {
  expect(frameUpdate(new Uint8Array([0, 0]))).toBe(EMPTY_UPDATE_MESSAGE);
});

test("a relayed update comes back durable without its bytes; an editor who joined after the relay gets them", async () => {
  const s = await scene();
  const early = await watch(server, s.w.lead.token, s.sectionId);
  const release = await holdBid(s.bidId);
  const sender = server.ws(s.w.partner.token);
  clients.push(sender);
  const doc = new Y.Doc();
  const update = textUpdate(doc, 0, "relayé avant le commit");
  const applied = wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update, clientMutationId: "late-1" } });
  // Relayed while the commit waits on the lock.
  const relayed = await early.next((m) => m.kind === "RELAYED");
  expect(relayed.seq).toBeNull();
  // Late on the same instance (joined after the relay), and on another that never heard it.
  const lates = [await watch(server, s.w.partner.token, s.sectionId), await watch(server2, s.w.lead.token, s.sectionId)];
  await release();
  expect((await applied).errors).toBeUndefined();
  const earlyDurable = await early.next((m) => m.kind === "DURABLE");
  expect(earlyDurable.message).toBe(EMPTY_UPDATE_MESSAGE);
  expect(earlyDurable.clientMutationId).toBe("late-1");
  for (const late of lates) {
    const lateDurable = await late.next((m) => m.kind === "DURABLE");
    expect(lateDurable.seq).toBe(earlyDurable.seq);
    // The late editor's copy carries the text: applied to what it synced, it has it all.
    const lateDoc = new Y.Doc();
    const sync = late.messages.find((m) => m.kind === "SYNC")!;
    Y.applyUpdate(lateDoc, syncPayload(String(sync.message)));
    Y.applyUpdate(lateDoc, syncPayload(String(lateDurable.message)));
    expect(lateDoc.getText("content").toString()).toBe("relayé avant le commit");
  }
});

test("the events of one commit reach an editor as one durable mark", async () => {
  const s = await scene();
  const reader = await watch(server, s.w.lead.token, s.sectionId);
  const release = await holdBid(s.bidId);
  const sender = server.ws(s.w.partner.token);
  clients.push(sender);
  const doc = new Y.Doc();
  // Six updates wait on the lock: the statement in flight holds the first, the next takes the five others.
  const sent = ["un ", "deux ", "trois ", "quatre ", "cinq ", "six "].map((word, i) =>
    wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update: textUpdate(doc, 0, word), clientMutationId: `batch-${i}` } }),
  );
  // Relayed at once (updates of one turn of the event loop may share a message).
  await reader.next(() => relayedText(reader.messages).split(" ").length === 7);
  await release();
  const seqs = (await Promise.all(sent)).map((r) => r.data?.applySectionUpdate.seq ?? 0);
  const last = Math.max(...seqs);
  await reader.next((m) => m.kind === "DURABLE" && m.seq === last);
  const marks = reader.messages.filter((m) => m.kind === "DURABLE");
  expect(marks.length).toBeLessThanOrEqual(3);
  expect(marks.every((m) => m.message === EMPTY_UPDATE_MESSAGE)).toBe(true);
});

test("updates to two sections of one bid share a statement: one commit, one notice naming both sections", async () => {
  const s = await scene();
  const other = await addSection(server, s.w, s.bidId, "Moyens");
  const { notices, listener } = await listenToBid(s.bidId);
  try {
    const sender = server.ws(s.w.partner.token);
    clients.push(sender);
    const docs = [new Y.Doc(), new Y.Doc()];
    const release = await holdBid(s.bidId);
    // The statement in flight holds the first update on the bid's lock; the next takes the five others, from both sections.
    const sent = ["un ", "deux ", "trois ", "quatre ", "cinq ", "six "].map((word, i) =>
      wsOnce(sender, ApplySectionUpdateDocument, {
        input: { sectionId: i % 2 ? other : s.sectionId, update: textUpdate(docs[i % 2]!, 0, word), clientMutationId: `two-${i}` },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await release();
    const answers = await Promise.all(sent);
    expect(answers.map((a) => a.data?.applySectionUpdate.section.id)).toEqual([s.sectionId, other, s.sectionId, other, s.sectionId, other]);
    await until(() => eventsIn(notices) >= 6, { label: "the six updates' events in the notices" });
  } finally {
    await listener.end();
  }
  const batches = notices
    .map((raw) => JSON.parse(raw) as { events?: { section_id: string }[] })
    .filter((n) => n.events)
    .map((n) => new Set(n.events!.map((e) => e.section_id)).size);
  expect(batches).toContain(2);
});

test("a notice's bid and seq are read from its head, as PostgreSQL writes single and batched notices", async () => {
  const s = await scene();
  const { notices, listener } = await listenToBid(s.bidId);
  try {
    const sender = server.ws(s.w.partner.token);
    clients.push(sender);
    const doc = new Y.Doc();
    const apply = (word: string, i: number) =>
      wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update: textUpdate(doc, 0, word), clientMutationId: `head-${i}` } });
    await apply("seul ", 0);
    // Held on the bid's lock, the next ones commit in batches: one notice for several events.
    const release = await holdBid(s.bidId);
    const sent = ["un ", "deux ", "trois ", "quatre "].map((word, i) => apply(word, i + 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await release();
    await Promise.all(sent);
    await until(() => eventsIn(notices) >= 5, { label: "the five updates' events in the notices" });
  } finally {
    await listener.end();
  }
  const parsed = notices.map((raw) => JSON.parse(raw) as { bidId: string; seq: number; event?: unknown; events?: unknown[] });
  expect(parsed.some((n) => n.event) && parsed.some((n) => n.events && n.events.length > 1)).toBe(true);
  for (const [i, raw] of notices.entries()) {
    expect(NOTICE_HEAD.test(raw)).toBe(true);
    expect(noticeHead(raw)).toEqual({ bidId: parsed[i]!.bidId, seq: parsed[i]!.seq });
  }
  // Another form still reads, by parsing the whole.
  expect(noticeHead(JSON.stringify({ seq: 4, bidId: parsed[0]!.bidId }))).toEqual({ bidId: parsed[0]!.bidId, seq: 4 });
  expect(noticeHead("not json")).toBeNull();
});

test("a relay carries the seq up to which the section's text is durable: a durable mark for everyone it reaches", async () => {
  const s = await scene();
  const reader = await watch(server, s.w.lead.token, s.sectionId);
  const sender = server.ws(s.w.partner.token);
  clients.push(sender);
  const doc = new Y.Doc();
  const send = async (text: string, cmid: string) => {
    const result = await wsOnce(sender, ApplySectionUpdateDocument, {
      input: { sectionId: s.sectionId, update: textUpdate(doc, 0, text), clientMutationId: cmid },
    });
    return result.data?.applySectionUpdate.seq ?? 0;
  };
  const first = await send("un ", "carry-1");
  // Acknowledged once the hub has taken the commit: the next relay says it is durable.
  const second = await send("deux ", "carry-2");
  await reader.next(() => reader.messages.filter((m) => m.kind === "RELAYED").length === 2);
  const [r1, r2] = reader.messages.filter((m) => m.kind === "RELAYED");
  expect(r1?.seq).toBeNull();
  expect(r2?.seq).toBe(first);
  // The last commit, which no relay follows, still comes as a mark of its own, without bytes.
  const mark = await reader.next((m) => m.kind === "DURABLE" && m.seq === second);
  expect(mark.message).toBe(EMPTY_UPDATE_MESSAGE);
  expect(relayedText(reader.messages)).toBe("deux un ");
});

test("the first update relayed in a turn goes at once, the ones after it in the same turn as one merged message", async () => {
  const s = await scene();
  const reader = await watch(server, s.w.lead.token, s.sectionId);
  const hub = server.app.live.hub;
  const section = fromGlobalId(s.sectionId)!.id;
  const doc = new Y.Doc();
  const words = ["alpha ", "beta ", "gamma "].map((word) => new Uint8Array(Buffer.from(textUpdate(doc, 0, word), "base64")));
  // Three updates of three senders in one turn: the first alone, the two others merged.
  for (const update of words) hub.relay(section, update, {});
  await reader.next(() => relayedText(reader.messages).length === "gamma beta alpha ".length);
  expect(reader.messages.filter((m) => m.kind === "RELAYED")).toHaveLength(2);
  expect(relayedText(reader.messages)).toBe(doc.getText("content").toString());
  // A later turn starts over: its first update goes at once, alone.
  const lone = new Uint8Array(Buffer.from(textUpdate(doc, 0, "delta "), "base64"));
  hub.relay(section, lone, {});
  await reader.next(() => reader.messages.filter((m) => m.kind === "RELAYED").length === 3);
  expect(relayedText(reader.messages)).toBe("delta gamma beta alpha ");
});

test("a lone instance publishes no relay on the bus; once another instance has subscribers, it does", async () => {
  const s = await scene();
  const sectionId = fromGlobalId(s.sectionId)!.id;
  const listener = new PgClient({ connectionString: server.db.url });
  await listener.connect();
  const heard: string[] = [];
  listener.on("notification", (n) => n.channel === sectionChannel(sectionId) && heard.push(n.payload ?? ""));
  await listener.query(`LISTEN ${sectionChannel(sectionId)}`);
  try {
    const reader = await watch(server, s.w.lead.token, s.sectionId);
    // Past the grace second during which a starting instance publishes while the others answer.
    await new Promise((r) => setTimeout(r, 1_200));
    const sender = server.ws(s.w.partner.token);
    clients.push(sender);
    const doc = new Y.Doc();
    const first = await wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update: textUpdate(doc, 0, "seul ") } });
    expect(first.errors).toBeUndefined();
    await reader.next((m) => m.kind === "DURABLE" && m.seq === first.data!.applySectionUpdate.seq);
    expect(heard.filter((p) => (JSON.parse(p) as { k: string }).k === "u")).toHaveLength(0);
    // A subscriber on the second instance: the first hears of it and relays to it.
    const remote = await watch(server2, s.w.lead.token, s.sectionId);
    await remote.next(() => true);
    await new Promise((r) => setTimeout(r, 200));
    const update = textUpdate(doc, 5, "à deux");
    const second = await wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update } });
    expect(second.errors).toBeUndefined();
    await remote.next((m) => m.kind === "RELAYED");
    // The test's own listener hears the bus on its own connection, maybe a moment after the second
    // instance: wait for the second update there. A relay of the first would have come before it.
    const relays = () => heard.map((p) => JSON.parse(p) as { k: string; m: string }).filter((p) => p.k === "u");
    await until(() => relays().some((p) => p.m === update), { label: "the second update on the bus" });
    expect(relays()).toHaveLength(1);
  } finally {
    await listener.end();
  }
});

test("over a socket, a text update whose session changed behind the bus's back is refused and writes nothing", async () => {
  const s = await scene();
  const sender = server.ws(s.w.partner.token);
  clients.push(sender);
  const doc = new Y.Doc();
  const ok = await wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update: textUpdate(doc, 0, "avant ") } });
  expect(ok.errors).toBeUndefined();
  const events = async () =>
    Number(
      (await server.orm.em.fork().execute<{ n: string }[]>("SELECT count(*) AS n FROM bid_events WHERE section_id = ?", [fromGlobalId(s.sectionId)!.id]))[0]!.n,
    );
  const before = await events();
  await server.orm.em.fork().getConnection().execute("UPDATE users SET token_version = token_version + 1 WHERE id = ?", [s.w.partner.id]);
  const refused = await wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update: textUpdate(doc, 6, "après") } }).catch(
    (e: unknown) => ({ errors: [{ message: String(e), extensions: { code: "CLOSED" } }] }),
  );
  expect(["UNAUTHENTICATED", "CLOSED"]).toContain(codes(refused as never)[0]);
  expect(await events()).toBe(before);
});

test("two documents selecting a section stream differently each get their own shape, straight from the socket", async () => {
  const s = await scene();
  const aliased = await watch(
    server,
    s.w.lead.token,
    s.sectionId,
    `subscription A($sectionId: ID!) { live: sectionUpdates(sectionId: $sectionId) { __typename type: kind at: seq } }`,
  );
  const plain = await watch(server, s.w.lead.token, s.sectionId);
  const sender = server.ws(s.w.partner.token);
  clients.push(sender);
  const applied = await wsOnce(sender, ApplySectionUpdateDocument, { input: { sectionId: s.sectionId, update: textUpdate(new Y.Doc(), 0, "forme") } });
  const seq = applied.data!.applySectionUpdate.seq;
  expect(await aliased.next((m) => m.at === seq)).toEqual({ __typename: "SectionMessage", type: "DURABLE", at: seq });
  const full = (await plain.next((m) => m.seq === seq)) as unknown as StreamMessage;
  expect(Object.keys(full).sort()).toEqual(["clientMutationId", "kind", "message", "seq", "stateVector"]);
});

/** The Yjs update inside a framed sync message (step 2 or update: type 0, then the step, then the bytes). */
/** The text the RELAYED messages carry, applied to an empty document. */
function relayedText(messages: Record<string, unknown>[]): string {
  const doc = new Y.Doc();
  for (const m of messages) if (m.kind === "RELAYED") Y.applyUpdate(doc, syncPayload(String(m.message)));
  return doc.getText("content").toString();
}

function syncPayload(message: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(message, "base64"));
  let offset = 2;
  let length = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++] ?? 0;
    length |= (byte & 0x7f) << shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  return bytes.subarray(offset, offset + length);
}
