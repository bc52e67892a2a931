import { print } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { fromGlobalId } from "../../src/common/node";
import { bidChannel, type BidEventNotice } from "../../src/bids/live/event-log";
import { buildDoc, textOf } from "../../src/bids/sections/section-crdt";
import { Y } from "../../src/bids/sections/yjs";
import {
  AddBidSectionDocument,
  AnswerBidInvitationDocument,
  BidBriefDocument,
  BidDocument,
  BidEventsDocument,
  BidNodeDocument,
  BidPresenceDocument,
  BidPresenceHeartbeatDocument,
  InviteBidMemberDocument,
  RemoveBidMemberDocument,
  SectionDiffDocument,
  SectionStateDocument,
  UpdateBidDocument,
} from "../generated/graphql";
import { codes, startTestServer, wsOnce, type TestServer } from "../helpers/server";
import { sleep, until } from "../helpers/wait";
import { createBid, createWorld, secondPerson, type BidWorld } from "./bid-setup";
import { LiveClient } from "./live-client";

let server: TestServer;
let server2: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // A second instance on the same database: its own HTTP/WebSocket server, pool and bus.
  server2 = await startTestServer({ db: server.db });
});
afterAll(async () => {
  await server2.close();
  await server.close();
});

const clients: LiveClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

interface Scene {
  w: BidWorld;
  bidId: string;
  sectionId: string;
  members: Record<"lead" | "partner" | "third", string>;
}

/**
 * A bid of A with B and C accepted and one section, added by the lead; `assignee` names the person
 * it is assigned to (a member other than the lead types only into sections assigned to its people).
 */
async function scene(assignee?: (w: BidWorld) => string): Promise<Scene> {
  const w = await createWorld(server);
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const members = { lead: bid.members[0]!.id, partner: "", third: "" };
  for (const [who, coop] of [
    ["partner", w.coopB.gid],
    ["third", w.coopC.gid],
  ] as const) {
    const invited = await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: coop } }, w.lead.token);
    members[who] = invited.data!.inviteBidMember.id;
    await server.gql(AnswerBidInvitationDocument, { input: { memberId: members[who], accept: true } }, w[who].token);
  }
  const section = await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Méthodologie", assigneeId: assignee?.(w) } }, w.lead.token);
  expect(section.errors).toBeUndefined();
  return { w, bidId: bid.id, sectionId: section.data!.addBidSection.id, members };
}

async function head(s: Scene): Promise<number> {
  return (await server.gql(BidBriefDocument, { id: s.bidId }, s.w.lead.token)).data!.bid!.headSeq;
}

function client(s: Scene, token: string, afterSeq: number, name: string, via: TestServer = server, batch = true): LiveClient {
  const c = new LiveClient({ url: via.url, token, bidId: s.bidId, sectionId: s.sectionId, afterSeq, name, batch });
  clients.push(c);
  c.connect();
  return c;
}

/** The section's text rebuilt straight from the database rows (snapshot + logged updates). */
async function textInDatabase(sectionGid: string): Promise<string> {
  const id = fromGlobalId(sectionGid)!.id;
  const em = server.orm.em.fork();
  const [row] = await em.execute<{ snapshot: Buffer | null; snapshot_seq: number }[]>("SELECT snapshot, snapshot_seq FROM bid_sections WHERE id = ?", [id]);
  const updates = await em.execute<{ u: string }[]>("SELECT payload->>'update' AS u FROM bid_events WHERE section_id = ? AND seq > ? ORDER BY seq", [
    id,
    row!.snapshot_seq,
  ]);
  return textOf(
    buildDoc(
      row!.snapshot ? new Uint8Array(row!.snapshot) : null,
      updates.map((r) => new Uint8Array(Buffer.from(r.u, "base64"))),
    ),
  );
}

/** A random position between two tokens `<...>` (never inside one), so that each insertion stays whole. */
function boundary(text: string): number {
  const ends = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === ">") ends.push(i + 1);
  return ends[Math.floor(Math.random() * ends.length)]!;
}

/** A deadline for a race: it does not hold the process once the race is decided. */
const unrefSleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** Retries an assertion until it holds (background work such as compaction), for up to 10 s. */
async function waitFor(check: () => Promise<void>): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    try {
      return await check();
    } catch (error) {
      if (waited > 10_000) throw error;
      await sleep(100);
    }
  }
}

test("three members type in the same section at the same time: every insertion survives and everyone converges, database included", async () => {
  // The section is assigned to the partner: the lead, the partner and a second person of the
  // partner's cooperative type into it; the third cooperative reads.
  const s = await scene((w) => w.partner.globalId);
  const colleague = await secondPerson(server, s.w.coopB.id);
  const start = await head(s);
  const editors = [s.w.lead, s.w.partner, colleague].map((who, e) => client(s, who.token, start, `editor${e}`));
  await Promise.all(
    editors.map(async (editor, e) => {
      for (let i = 0; i < 15; i++) {
        editor.insert(boundary(editor.text), `<${e}:${i}>`);
        await sleep(Math.random() * 15);
      }
      await editor.flush();
    }),
  );
  // Each editor merges what it typed while a mutation was in flight: at most 45 events.
  const end = await head(s);
  expect(end).toBeGreaterThan(start + 3);
  expect(end).toBeLessThanOrEqual(start + 45);
  await Promise.all(editors.map((c) => c.waitForSeq(end)));
  const texts = editors.map((c) => c.text);
  expect(new Set(texts).size).toBe(1);
  for (let e = 0; e < 3; e++) for (let i = 0; i < 15; i++) expect(texts[0]).toContain(`<${e}:${i}>`);
  expect(editors.flatMap((c) => c.anomalies)).toEqual([]);
  const read = await server.gql(SectionStateDocument, { id: s.sectionId }, s.w.third.token);
  expect((read.data?.node as { text: string }).text).toBe(texts[0]);
  expect(await textInDatabase(s.sectionId)).toBe(texts[0]);
});

test("a client that drops mid-stream reconnects with its last seq and receives exactly what it missed, then live", async () => {
  const s = await scene();
  const start = await head(s);
  const reader = client(s, s.w.partner.token, start, "reader");
  const writer = client(s, s.w.lead.token, start, "writer", server, false);
  for (let i = 0; i < 5; i++) writer.insert(writer.text.length, `a${i} `);
  await writer.flush();
  await reader.waitForSeq(start + 5);
  await reader.disconnect();
  const missedFrom = reader.lastSeq;
  // 230 events while away: more than one page of the replay.
  for (let i = 0; i < 230; i++) writer.insert(writer.text.length, `b${i} `);
  await writer.flush();
  const before = reader.received.length;
  reader.reconnect();
  await reader.waitForSeq(missedFrom + 230);
  expect(reader.received.slice(before).map((e) => e.seq)).toEqual(Array.from({ length: 230 }, (_, i) => missedFrom + 1 + i));
  writer.insert(0, "live ");
  await writer.flush();
  await reader.waitForSeq(missedFrom + 231);
  expect(reader.received.map((e) => e.seq)).toEqual(Array.from({ length: 236 }, (_, i) => start + 1 + i));
  expect(reader.anomalies).toEqual([]);
  expect(reader.text).toBe(writer.text);
});

test("a structured change streams too, with its clientMutationId and author", async () => {
  const s = await scene();
  const start = await head(s);
  const watcher = client(s, s.w.third.token, start, "watcher");
  await server.gql(UpdateBidDocument, { input: { bidId: s.bidId, expectedVersion: 1, title: "Offre commune", clientMutationId: "rename-1" } }, s.w.lead.token);
  await watcher.waitForSeq(start + 1);
  expect(watcher.received[0]).toMatchObject({
    seq: start + 1,
    type: "BID_UPDATED",
    clientMutationId: "rename-1",
    payload: { title: "Offre commune", version: 2 },
  });
});

test("removing a member ends that member's subscriptions at once; the others go on", async () => {
  const s = await scene();
  const start = await head(s);
  const removed = client(s, s.w.partner.token, start, "removed");
  const stays = client(s, s.w.third.token, start, "stays");
  let presenceLists = 0;
  const presenceEnded = new Promise<string>((resolve) => {
    const ws = server.ws(s.w.partner.token);
    ws.subscribe(
      { query: print(BidPresenceDocument), variables: { bidId: s.bidId } },
      {
        next: (r) => {
          if (r.data) presenceLists += 1;
        },
        error: () => resolve("error"),
        complete: () => resolve("complete"),
      },
    );
  });
  const writer = client(s, s.w.lead.token, start, "writer");
  writer.insert(0, "avant ");
  await writer.flush();
  await removed.waitForSeq(start + 1);
  // The presence subscription runs once it has sent its first list: the removal must end it, not refuse it.
  await until(() => presenceLists > 0, { label: "the partner's first presence list" });
  const removal = await server.gql(RemoveBidMemberDocument, { input: { memberId: s.members.partner, expectedVersion: 2 } }, s.w.lead.token);
  expect(removal.errors).toBeUndefined();
  await removed.waitForEnd(5000);
  expect(removed.ended).toBe("complete");
  expect(await Promise.race([presenceEnded, unrefSleep(5000).then(() => "still running")])).toBe("complete");
  writer.insert(0, "après ");
  await writer.flush();
  await stays.waitForSeq(start + 3);
  expect(removed.lastSeq).toBe(start + 1);
  expect(removed.text).toBe("avant ");
  expect(stays.received.map((e) => e.type)).toEqual(["SECTION_TEXT_UPDATED", "MEMBER_REMOVED", "SECTION_TEXT_UPDATED"]);
  // And a new subscription is refused like for a missing bid.
  const again = await wsOnce(server.ws(s.w.partner.token), BidEventsDocument, { bidId: s.bidId, afterSeq: 0 });
  expect(codes(again)).toEqual(["NOT_FOUND"]);
});

test("over WebSocket, a competing cooperative sees nothing of the bid either", async () => {
  const s = await scene();
  await createBid(server, s.w.rival.token, { tenderId: s.w.tender.gid, leadCooperativeId: s.w.coopR.gid, groupType: "CONJOINT" });
  const ws: WsClient = server.ws(s.w.rival.token);
  expect(codes(await wsOnce(ws, BidDocument, { id: s.bidId }))).toEqual(["NOT_FOUND"]);
  expect((await wsOnce(ws, BidNodeDocument, { id: s.sectionId })).data?.node).toBeNull();
  expect(codes(await wsOnce(ws, BidEventsDocument, { bidId: s.bidId, afterSeq: 0 }))).toEqual(["NOT_FOUND"]);
  expect(codes(await wsOnce(ws, BidPresenceDocument, { bidId: s.bidId }))).toEqual(["NOT_FOUND"]);
  expect(codes(await wsOnce(ws, BidPresenceHeartbeatDocument, { input: { bidId: s.bidId } }))).toEqual(["NOT_FOUND"]);
  // The message is the one a bid that does not exist gives.
  const ghost = await wsOnce(ws, BidEventsDocument, { bidId: "QmlkOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA", afterSeq: 0 });
  expect(codes(ghost)).toEqual(["NOT_FOUND"]);
  // No anonymous socket at all: refused at connection_init with 4401.
  await expect(wsOnce(server.ws(null), BidEventsDocument, { bidId: s.bidId, afterSeq: 0 })).rejects.toMatchObject({ code: 4401 });
});

test("two server instances behave as one: each client receives the edits made through the other, in the same order", async () => {
  // Assigned to the partner: the lead, the partner and a second person of the partner's cooperative type.
  const s = await scene((w) => w.partner.globalId);
  const colleague = await secondPerson(server, s.w.coopB.id);
  const start = await head(s);
  const one = client(s, s.w.lead.token, start, "one", server);
  const two = client(s, s.w.partner.token, start, "two", server2);
  const three = client(s, colleague.token, start, "three", server2);
  // The third cooperative reads through the second instance, and sees the same order too.
  const reader = client(s, s.w.third.token, start, "reader", server2);
  await Promise.all(
    [one, two, three].map(async (c, n) => {
      for (let i = 0; i < 10; i++) {
        c.insert(boundary(c.text), `<${n}.${i}>`);
        await sleep(Math.random() * 10);
      }
      await c.flush();
    }),
  );
  const end = await head(s);
  await Promise.all([one, two, three, reader].map((c) => c.waitForSeq(end)));
  const orders = [one, two, three, reader].map((c) => c.received.map((e) => `${e.seq}:${e.clientMutationId}`).join(","));
  expect(new Set(orders).size).toBe(1);
  expect(new Set([one.text, two.text, three.text, reader.text]).size).toBe(1);
  for (let n = 0; n < 3; n++) for (let i = 0; i < 10; i++) expect(one.text).toContain(`<${n}.${i}>`);
  expect([one, two, three, reader].flatMap((c) => c.anomalies)).toEqual([]);
  expect(await textInDatabase(s.sectionId)).toBe(one.text);
});

test("each instance's document of a section follows the edits made through the other: state, text, diff and snapshot agree", async () => {
  const s = await scene();
  const start = await head(s);
  // The second instance reads the section first, so that it keeps its document from then on.
  const before = await server2.gql(SectionStateDocument, { id: s.sectionId }, s.w.third.token);
  expect((before.data?.node as { text: string }).text).toBe("");
  const writer = client(s, s.w.lead.token, start, "writer", server, false);
  // More updates than COMPACT_EVERY: the first instance compacts from its own document meanwhile.
  let half: Uint8Array | null = null;
  for (let i = 0; i < 70; i++) {
    writer.insert(boundary(writer.text), `<${i}>`);
    if (i % 10 === 9) await writer.flush();
    if (i === 34) half = Y.encodeStateAsUpdate(writer.doc);
  }
  await writer.flush();
  const end = await head(s);
  for (const via of [server2, server]) {
    const read = await via.gql(SectionStateDocument, { id: s.sectionId }, s.w.partner.token);
    const node = read.data?.node as { text: string; state: string; seq: number };
    expect(node.text).toBe(writer.text);
    expect(node.seq).toBe(end);
    // The state rebuilds the same text on a fresh document.
    expect(textOf(buildDoc(new Uint8Array(Buffer.from(node.state, "base64")), []))).toBe(writer.text);
  }
  // The diff against a client that has the first half brings it to the whole text.
  const stale = buildDoc(half, []);
  expect(textOf(stale)).not.toBe(writer.text);
  const diff = await server2.gql(
    SectionDiffDocument,
    { id: s.sectionId, stateVector: Buffer.from(Y.encodeStateVector(stale)).toString("base64") },
    s.w.third.token,
  );
  Y.applyUpdate(stale, new Uint8Array(Buffer.from((diff.data?.node as { diff: string }).diff, "base64")));
  expect(textOf(stale)).toBe(writer.text);
  await waitFor(async () => {
    const [row] = await server.orm.em
      .fork()
      .execute<{ snapshot_seq: number; snapshot_text: string }[]>("SELECT snapshot_seq, snapshot_text FROM bid_sections WHERE id = ?", [
        fromGlobalId(s.sectionId)!.id,
      ]);
    // Compaction ran: the snapshot holds exactly the log up to its seq.
    expect(row!.snapshot_seq).toBeGreaterThan(start);
    const upTo = await server.orm.em
      .fork()
      .execute<{ u: string }[]>(
        "SELECT payload->>'update' AS u FROM bid_events WHERE section_id = ? AND type = 'SECTION_TEXT_UPDATED' AND seq <= ? ORDER BY seq",
        [fromGlobalId(s.sectionId)!.id, row!.snapshot_seq],
      );
    expect(
      textOf(
        buildDoc(
          null,
          upTo.map((r) => new Uint8Array(Buffer.from(r.u, "base64"))),
        ),
      ),
    ).toBe(row!.snapshot_text);
  });
  expect(await textInDatabase(s.sectionId)).toBe(writer.text);
});

test("the instance that commits a text update hands it to its own subscribers at once, and each of them still sees it once", async () => {
  const s = await scene();
  const start = await head(s);
  const channel = bidChannel(fromGlobalId(s.bidId)!.id);
  // What each instance's bus hands to its listeners on the bid's channel.
  const heard = { writing: [] as number[], other: [] as number[] };
  const offs = [
    await server.app.bus.on(channel, (raw) => heard.writing.push((JSON.parse(raw) as BidEventNotice).seq)),
    await server2.app.bus.on(channel, (raw) => heard.other.push((JSON.parse(raw) as BidEventNotice).seq)),
  ];
  try {
    const local = client(s, s.w.partner.token, start, "local");
    const remote = client(s, s.w.third.token, start, "remote", server2);
    const writer = client(s, s.w.lead.token, start, "writer", server, false);
    for (let i = 0; i < 5; i++) writer.insert(writer.text.length, `<${i}>`);
    await writer.flush();
    const seqs = Array.from({ length: 5 }, (_, i) => start + 1 + i);
    await Promise.all([local.waitForSeq(start + 5), remote.waitForSeq(start + 5)]);
    // The writing instance hears each event twice (at its commit, then from NOTIFY); the other once.
    await waitFor(async () => expect([...heard.writing].sort((a, b) => a - b)).toEqual(seqs.flatMap((seq) => [seq, seq])));
    // The other instance's listening connection may hand over the last notice a moment after its
    // subscriber read the event from the log: wait for it there. Notices come in commit order, so
    // the ones before it came first.
    await until(() => heard.other.includes(start + 5), { label: "the last event's notice on the other instance's bus" });
    expect(heard.other).toEqual(seqs);
    for (const c of [local, remote]) {
      expect(c.received.map((e) => e.seq)).toEqual(seqs);
      expect(c.anomalies).toEqual([]);
      expect(c.text).toBe(writer.text);
    }
  } finally {
    for (const off of offs) off();
  }
});

test("an event heard past a hole that never fills is given up: the feed reads the table, and subscribers get the log's events only", async () => {
  const s = await scene();
  const start = await head(s);
  const bidId = fromGlobalId(s.bidId)!.id;
  const local = client(s, s.w.partner.token, start, "local");
  const writer = client(s, s.w.lead.token, start, "writer", server, false);
  // One event through: the feed is open and at the head.
  writer.insert(0, "<a>");
  await writer.flush();
  await local.waitForSeq(start + 1);
  // An event three seqs ahead, as a notification would carry it, whose two predecessors never come.
  const ghost = {
    id: "0f0c7c0e-1d7b-4f3e-9a55-2f6a3f0f0a99",
    bid_id: bidId,
    seq: start + 4,
    type: "SECTION_TEXT_UPDATED",
    payload: { sectionId: s.sectionId, update: "AAA=" },
    actor_id: null,
    client_mutation_id: "ghost",
    section_id: fromGlobalId(s.sectionId)!.id,
    result: null,
    created_at: "2026-12-07T10:00:00.000000+00:00",
    updated_at: "2026-12-07T10:00:00.000000+00:00",
  };
  server.app.bus.deliverLocally(bidChannel(bidId), JSON.stringify({ bidId, seq: start + 4, event: ghost }));
  // Longer than the feed holds events past a hole (bid-feed.ts HOLE_WAIT_MS): the pause is the point.
  await sleep(200);
  for (let i = 0; i < 3; i++) writer.insert(writer.text.length, `<${i}>`);
  await writer.flush();
  await local.waitForSeq(start + 4);
  expect(local.received.map((e) => e.seq)).toEqual([start + 1, start + 2, start + 3, start + 4]);
  expect(local.received.map((e) => e.clientMutationId)).not.toContain("ghost");
  expect(local.anomalies).toEqual([]);
  expect(local.text).toBe(writer.text);
});

test("while a bid has live subscribers, each instance's section documents follow its events as they pass, without reading them back", async () => {
  const s = await scene();
  const start = await head(s);
  const sectionId = fromGlobalId(s.sectionId)!.id;
  const writer = client(s, s.w.lead.token, start, "writer", server, false);
  // A subscriber on each instance keeps that instance's feed of the bid open.
  const watchers = [client(s, s.w.partner.token, start, "here"), client(s, s.w.third.token, start, "there", server2)];
  writer.insert(0, "<a>");
  await writer.flush();
  // Each feed must be open before the documents are loaded: a document older than its feed's
  // window cannot follow, and waits for its next load (the subscriptions open asynchronously).
  await Promise.all(watchers.map((w) => w.waitForSeq(start + 1)));
  const docs = [server.app.live.docs, server2.app.live.docs];
  for (const [i, via] of [server, server2].entries()) await docs[i]!.load(via.orm.em.fork(), [sectionId]);
  for (let i = 0; i < 6; i++) writer.insert(writer.text.length, `<b${i}>`);
  await writer.flush();
  await Promise.all(watchers.map((w) => w.waitForSeq(start + 7)));
  const before = server.queries.length;
  await waitFor(async () => {
    for (const cache of docs) {
      expect(cache.peek(sectionId)?.text).toBe(writer.text);
      expect(cache.peek(sectionId)?.seq).toBe(start + 7);
    }
  });
  expect(server.queries.slice(before).filter((q) => q.includes("bid_events"))).toEqual([]);
});

test("an update too large for a notification's payload is read from the log, in its place in the order", async () => {
  const s = await scene();
  const start = await head(s);
  const watcher = client(s, s.w.third.token, start, "watcher", server2);
  const writer = client(s, s.w.lead.token, start, "writer", server, false);
  writer.insert(0, "<a>");
  await writer.flush();
  // Over 7,000 bytes of JSON once base64-encoded: its notification carries only {bidId, seq}.
  writer.insert(3, `<${"x".repeat(9000)}>`);
  writer.insert(0, "<b>");
  writer.insert(0, "<c>");
  await writer.flush();
  const end = await head(s);
  expect(end).toBe(start + 4);
  await watcher.waitForSeq(end);
  expect(watcher.received.map((e) => e.seq)).toEqual([start + 1, start + 2, start + 3, start + 4]);
  expect(watcher.anomalies).toEqual([]);
  expect(watcher.text).toBe(writer.text);
  expect(watcher.text).toContain("x".repeat(9000));
});

test("presence: heartbeats over NOTIFY only, with the section each one is on, across instances, gone on leaving", async () => {
  const s = await scene();
  const seen: { userId: string; sectionId: string | null }[][] = [];
  const ws = server.ws(s.w.partner.token);
  const done = new Promise<void>((resolve) => {
    ws.subscribe<{ bidPresence: { online: { userId: string; sectionId: string | null }[] } }>(
      { query: print(BidPresenceDocument), variables: { bidId: s.bidId } },
      {
        next: (r) => r.data && seen.push(r.data.bidPresence.online.map((u) => ({ userId: u.userId, sectionId: u.sectionId }))),
        error: () => resolve(),
        complete: () => resolve(),
      },
    );
  });
  await until(() => seen.length >= 1, { label: "the first presence list" });
  expect(seen[0]).toEqual([]);
  const before = await server.orm.em.fork().execute("SELECT count(*)::int AS n FROM bid_events");
  // Through the second instance: the subscriber on the first one hears it.
  const beat = await server2.gql(BidPresenceHeartbeatDocument, { input: { bidId: s.bidId, sectionId: s.sectionId } }, s.w.lead.token);
  expect(beat.data?.bidPresenceHeartbeat).toBe(30);
  await until(() => seen.some((list) => list.some((u) => u.userId === s.w.lead.globalId && u.sectionId === s.sectionId)), {
    label: "the lead on the section, heard through the other instance",
  });
  await server.gql(BidPresenceHeartbeatDocument, { input: { bidId: s.bidId, leaving: true } }, s.w.lead.token);
  await until(() => seen[seen.length - 1]!.length === 0, { label: "an empty presence list once the lead left" });
  expect(await server.orm.em.fork().execute("SELECT count(*)::int AS n FROM bid_events")).toEqual(before);
  await ws.dispose();
  await done;
});
