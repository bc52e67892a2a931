import { Client } from "pg";
import { AddBidSectionDocument, RemoveBidSectionDocument } from "../generated/graphql";
import { LOAD_SQL } from "../../src/bids/sections/section-docs";
import { fromGlobalId } from "../../src/common/node";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";
import { addSection, sectionScene, type SectionScene } from "./bid-setup";

/**
 * The group commit's statement (migrations 20261206170000 and 20261206210000): a batch of one
 * bid's text updates, in any of its sections, is answered update by update exactly as one update
 * at a time would be (access, session, replay, in arrival order, a replay of an update earlier in
 * the same batch included), while the bid's lock, its head and the notification are taken once for
 * the whole batch.
 */
let server: TestServer;
let scene: SectionScene;
let outsider: TestUser;
let listener: Client;
let db: Client;
const notices: { channel: string; payload: string }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  scene = await sectionScene(server);
  outsider = await createUser(server);
  listener = new Client({ connectionString: server.orm.config.getClientUrl() });
  await listener.connect();
  db = new Client({ connectionString: server.orm.config.getClientUrl() });
  await db.connect();
  listener.on("notification", (n) => notices.push({ channel: n.channel, payload: n.payload ?? "" }));
});
afterAll(async () => {
  await listener.end();
  await db.end();
  await server.close();
});

const raw = (gid: string) => fromGlobalId(gid)!.id;

interface Item {
  user: string;
  cmid: string | null;
  update: string;
  session?: { id: string; tokenVersion: number };
  /** The section (global id) when not the scene's. */
  section?: string;
}
interface Answer {
  ord: number;
  outcome: string;
  seq: number | null;
  notice: string | null;
  bid_status: string | null;
}

/** A batch as the writer sends it (section-writer.ts): the bid (null: the first section's), then arrays as pg parameters. */
async function apply(items: Item[], bidId: string | null = raw(scene.bidId)): Promise<Answer[]> {
  const result = await db.query<Answer>(
    "SELECT r.* FROM bid_apply_text_updates($1::uuid, $2::uuid[], $3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::jsonb[]) AS r ORDER BY r.ord",
    [
      bidId,
      items.map((i) => raw(i.section ?? scene.sectionId)),
      items.map((i) => i.session?.id ?? null),
      items.map((i) => i.session?.tokenVersion ?? null),
      items.map((i) => i.user),
      items.map((i) => i.cmid),
      items.map((i) => JSON.stringify({ sectionId: i.section ?? scene.sectionId, update: i.update })),
    ],
  );
  return result.rows;
}

async function head(): Promise<number> {
  const rows = await server.orm.em.fork().execute<{ head_seq: number }[]>("SELECT head_seq FROM bids WHERE id = ?", [raw(scene.bidId)]);
  return rows[0]!.head_seq;
}

test("each update of a batch is answered as alone, in order; the accepted ones take consecutive seqs", async () => {
  const { lead, partner } = scene.w;
  const before = await head();
  const answers = await apply([
    { user: lead.id, cmid: "batch-a", update: "AAE=" },
    { user: outsider.id, cmid: "batch-b", update: "AAI=" },
    { user: partner.id, cmid: "batch-c", update: "AAM=" },
    // The same id and content as the first: a retry of it, answered with its seq.
    { user: lead.id, cmid: "batch-a", update: "AAE=" },
    // The same id, other content: a conflict; someone else's id: taken.
    { user: lead.id, cmid: "batch-a", update: "AAQ=" },
    { user: partner.id, cmid: "batch-a", update: "AAE=" },
    { user: lead.id, cmid: null, update: "AAU=" },
  ]);
  expect(answers.map((a) => [a.outcome, a.seq === null ? null : a.seq - before])).toEqual([
    ["OK", 1],
    ["NOT_MEMBER", null],
    ["OK", 2],
    ["REPLAY", 1],
    ["CMID_CONFLICT", 1],
    ["CMID_TAKEN", 1],
    ["OK", 3],
  ]);
  expect(answers.every((a) => a.bid_status === "DRAFT")).toBe(true);
  expect(await head()).toBe(before + 3);
  const events = await server.orm.em
    .fork()
    .execute<{ seq: number; actor_id: string; client_mutation_id: string | null }[]>(
      "SELECT seq, actor_id, client_mutation_id FROM bid_events WHERE bid_id = ? AND seq > ? ORDER BY seq",
      [raw(scene.bidId), before],
    );
  expect(events).toEqual([
    { seq: before + 1, actor_id: lead.id, client_mutation_id: "batch-a" },
    { seq: before + 2, actor_id: partner.id, client_mutation_id: "batch-c" },
    { seq: before + 3, actor_id: lead.id, client_mutation_id: null },
  ]);
  // Each accepted update's notice carries its event (this instance's subscribers get it at once).
  const carried = answers.filter((a) => a.notice).map((a) => JSON.parse(a.notice!) as { seq: number; event: { seq: number } });
  expect(carried.map((n) => [n.seq - before, n.event.seq - before])).toEqual([
    [1, 1],
    [2, 2],
    [3, 3],
  ]);
  // A later batch replays from the log as the same batch did.
  const again = await apply([{ user: lead.id, cmid: "batch-a", update: "AAE=" }]);
  expect(again.map((a) => [a.outcome, a.seq! - before])).toEqual([["REPLAY", 1]]);
  expect(await head()).toBe(before + 3);
});

test("a batch sends one notification: its events (or its head alone when they do not fit), or the event itself when alone", async () => {
  const { lead, partner } = scene.w;
  const channel = `bid_${raw(scene.bidId).replace(/-/g, "")}`;
  await listener.query(`LISTEN ${channel}`);
  notices.length = 0;
  const before = await head();
  await apply([
    { user: lead.id, cmid: null, update: "AAY=" },
    { user: partner.id, cmid: null, update: "AAc=" },
    { user: lead.id, cmid: null, update: "AAg=" },
  ]);
  await apply([{ user: partner.id, cmid: null, update: "AAk=" }]);
  // Twelve updates of 900 bytes do not fit in a notification: the others read them from the log.
  const large = Buffer.alloc(900, 7).toString("base64");
  await apply(Array.from({ length: 12 }, () => ({ user: lead.id, cmid: null, update: large })));
  await until(() => notices.length >= 3, { label: "the three batches' notifications" });
  type Carried = { bidId: string; seq: number; event?: { seq: number }; events?: { seq: number }[] };
  const parsed = notices.map((n) => ({ channel: n.channel, ...(JSON.parse(n.payload) as Carried) }));
  expect(
    parsed.map((n) => [n.channel, n.bidId, n.seq - before, n.event?.seq ? n.event.seq - before : null, n.events?.map((e) => e.seq - before) ?? null]),
  ).toEqual([
    [channel, raw(scene.bidId), 3, null, [1, 2, 3]],
    [channel, raw(scene.bidId), 4, 4, null],
    [channel, raw(scene.bidId), 16, null, null],
  ]);
});

test("a session signed out is refused in the batch, the others go on", async () => {
  const { lead } = scene.w;
  const session = await server.orm.em.fork().execute<{ id: string }[]>("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL LIMIT 1", [lead.id]);
  const live = session[0]!.id;
  const before = await head();
  const answers = await apply([
    { user: lead.id, cmid: null, update: "AAo=", session: { id: live, tokenVersion: 0 } },
    { user: lead.id, cmid: null, update: "AAs=", session: { id: live, tokenVersion: 7 } },
    { user: lead.id, cmid: null, update: "AAw=", session: { id: "00000000-0000-4000-8000-000000000000", tokenVersion: 0 } },
  ]);
  expect(answers.map((a) => [a.outcome, a.seq === null ? null : a.seq - before, a.bid_status])).toEqual([
    ["OK", 1, "DRAFT"],
    ["UNAUTHENTICATED", null, null],
    ["UNAUTHENTICATED", null, null],
  ]);
});

test("one batch covers the bid's sections, each update checked against its own; another bid's section or a removed one is not found", async () => {
  const { lead, partner } = scene.w;
  const second = await addSection(server, scene.w, scene.bidId, "Références");
  // No assignee: the lead's to write, not the partner's.
  const leads = await server.gql(AddBidSectionDocument, { input: { bidId: scene.bidId, title: "Prix" } }, lead.token);
  const leadsOnly = leads.data!.addBidSection.id;
  const removed = await addSection(server, scene.w, scene.bidId, "Annexe retirée");
  expect((await server.gql(RemoveBidSectionDocument, { input: { sectionId: removed, expectedVersion: 1 } }, lead.token)).errors).toBeUndefined();
  const other = await sectionScene(server);
  const elsewhere = other.sectionId;
  const before = await head();
  const answers = await apply([
    { user: partner.id, cmid: null, update: "AA0=" },
    { user: partner.id, cmid: null, update: "AA4=", section: second },
    { user: partner.id, cmid: null, update: "AA8=", section: leadsOnly },
    { user: lead.id, cmid: null, update: "ABA=", section: leadsOnly },
    { user: lead.id, cmid: null, update: "ABE=", section: removed },
    { user: lead.id, cmid: null, update: "ABI=", section: elsewhere },
  ]);
  expect(answers.map((a) => [a.outcome, a.seq === null ? null : a.seq - before])).toEqual([
    ["OK", 1],
    ["OK", 2],
    ["NOT_OWNER", null],
    ["OK", 3],
    ["NOT_FOUND", null],
    ["NOT_FOUND", null],
  ]);
  const events = await server.orm.em
    .fork()
    .execute<{ seq: number; section_id: string; result: string }[]>(
      "SELECT seq, section_id, result FROM bid_events WHERE bid_id = ? AND seq > ? ORDER BY seq",
      [raw(scene.bidId), before],
    );
  expect(events.map((e) => [e.seq - before, e.section_id, e.result])).toEqual([
    [1, raw(scene.sectionId), `BidSection:${raw(scene.sectionId)}`],
    [2, raw(second), `BidSection:${raw(second)}`],
    [3, raw(leadsOnly), `BidSection:${raw(leadsOnly)}`],
  ]);
  // The other bid's log and head are untouched; without a bid named, the first section's is taken.
  const alone = await apply([{ user: other.w.lead.id, cmid: null, update: "ABM=", section: elsewhere }], null);
  expect(alone.map((a) => a.outcome)).toEqual(["OK"]);
  const [otherText] = await server.orm.em
    .fork()
    .execute<{ n: string }[]>("SELECT count(*) AS n FROM bid_events WHERE bid_id = ? AND type = 'SECTION_TEXT_UPDATED'", [raw(other.bidId)]);
  expect(otherText!.n).toBe("1");
  expect(await head()).toBe(before + 3);
});

test("one section's batch and one update are batches of the bid's statement", async () => {
  const { lead } = scene.w;
  const before = await head();
  const viaSection = await db.query<Answer>(
    "SELECT r.* FROM bid_apply_section_updates($1::uuid, $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::jsonb[]) AS r ORDER BY r.ord",
    [raw(scene.sectionId), [null, null], [null, null], [lead.id, lead.id], ["section-one", null], ['{"u":1}', '{"u":2}']],
  );
  expect(viaSection.rows.map((a) => [a.outcome, a.seq! - before])).toEqual([
    ["OK", 1],
    ["OK", 2],
  ]);
  const one = await db.query<Answer>("SELECT * FROM bid_apply_section_update($1, $2, $3, $4)", [raw(scene.sectionId), lead.id, "section-one", '{"u":1}']);
  expect(one.rows.map((a) => [a.outcome, a.seq! - before])).toEqual([["REPLAY", 1]]);
  const missing = await db.query<Answer>("SELECT * FROM bid_apply_section_update($1, $2, $3, $4)", [
    "00000000-0000-4000-8000-000000000000",
    lead.id,
    null,
    "{}",
  ]);
  expect(missing.rows.map((a) => a.outcome)).toEqual(["NOT_FOUND"]);
});

test("an update's statement reads as much in a long log as in a short one (its replay lookup goes by the (bid, id) index)", async () => {
  // The pages one update's statement touches, nested statements included, on this long-lived
  // session (whose plans were cached by the tests above, while the log was short).
  const pages = async (target: SectionScene, cmid: string): Promise<number> => {
    const plan = await db.query<{ "QUERY PLAN": { Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number } }[] }>(
      "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT r.* FROM bid_apply_text_updates($1::uuid, $2::uuid[], $3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::jsonb[]) r",
      [
        raw(target.bidId),
        [raw(target.sectionId)],
        [null],
        [null],
        [target.w.lead.id],
        [cmid],
        [JSON.stringify({ sectionId: target.sectionId, update: "AAA=" })],
      ],
    );
    const top = plan.rows[0]!["QUERY PLAN"][0]!.Plan;
    return top["Shared Hit Blocks"] + top["Shared Read Blocks"];
  };
  const short = await sectionScene(server);
  // Two thousand committed text updates, each with its id, in the scene's bid; none in the other's.
  for (let batch = 0; batch < 20; batch++)
    await apply(Array.from({ length: 100 }, (_, i) => ({ user: scene.w.lead.id, cmid: `history-${batch}-${i}`, update: "AAA=" })));
  for (let i = 0; i < 8; i++) {
    await pages(scene, `warm-long-${i}`);
    await pages(short, `warm-short-${i}`);
  }
  const long = await pages(scene, "measured-long");
  const brief = await pages(short, "measured-short");
  // A scan of the bid's log would read its two thousand events' pages (hundreds).
  expect({ long, brief, grew: long > brief + 40 }).toEqual({ long, brief, grew: false });
});

test("loading a section's document reads the events after its seq only, not the section's whole history", async () => {
  // The section's history holds the two thousand text updates of the test above; then the table's statistics.
  await db.query("ANALYZE bid_events");
  const after = (await head()) - 5;
  // The statement section-docs.ts runs, placeholders numbered for pg.
  let n = 0;
  const sql = LOAD_SQL.replace(/\?/g, () => `$${++n}`);
  const plan = await db.query<{ "QUERY PLAN": PlanRoot[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, [`{${raw(scene.sectionId)}}`, `{${after}}`]);
  const scans = nodes(plan.rows[0]!["QUERY PLAN"][0]!.Plan).filter((node) => node["Relation Name"] === "bid_events");
  expect(scans.length).toBeGreaterThan(0);
  // Only the five events after `after` are read from the table, whatever came before them.
  for (const scan of scans) expect(scan["Actual Rows"]).toBeLessThanOrEqual(5);
});

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows": number;
  Plans?: PlanNode[];
}
interface PlanRoot {
  Plan: PlanNode;
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}
