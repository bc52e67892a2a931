/**
 * bench/load: a realistic mix at rising concurrency — directory pages, tender lists, matching,
 * opportunities and live bid editing (Yjs updates through applySectionUpdate, fanned out to
 * graphql-ws subscribers of bidEvents) — run twice per level: clean, and with 10% abusive
 * queries built just under or over the documented limits. Reports req/s, p50/p99 and errors per
 * operation, the server's memory, and the target: with 10% abuse, every normal operation's p99
 * stays within 2× of the clean run.
 *
 *   npm run bench -- --only load [--duration 10 --warmup 2]
 *   BENCH_LOAD_LEVELS=5,20,50 sets the concurrency levels.
 *   --profile profiles the server over the clean run at the highest level (V8 sampling profiler).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Client } from "pg";
import pino from "pino";
import { toGlobalId } from "../../src/common/node";
import { openDatabase } from "../../src/db/database";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, prng, seedDemo } from "../../src/db/seed";
import { startServerChild, type ServerChild } from "../lib/children";
import type { PgProcesses } from "../lib/cpu";
import { RESULTS_DIR } from "../lib/paths";
import { summarizeProfile } from "../lib/profile";
import type { Json, Section, SectionContext, SectionReport } from "../lib/section";
import { fixed, renderTable, thousands } from "../lib/table";
import {
  Editor,
  HttpTarget,
  Subscribers,
  classify,
  describeRejection,
  percentile,
  rssMiB,
  runPhase,
  type MixEntry,
  type Outcome,
  type PhaseResult,
} from "./driver";
import {
  abusiveQueries,
  ADD_SECTION,
  BID_HEAD,
  CREATE_BID,
  DIRECTORY,
  MATCHES,
  OPEN_TENDERS,
  OPPORTUNITIES,
  requestBody,
  SIGN_IN,
  TENDERS,
  type AbusiveQuery,
} from "./queries";

const DATABASE = "scopgraph_bench_load";
const COOPERATIVES = 2000;
const DEFAULT_LEVELS = [5, 20, 50];
const BIDS = 4;
const SUBSCRIBERS_PER_BID = 3;
const ABUSIVE_SHARE = 0.1;
const TARGET_RATIO = 2;

/** The normal mix: share of requests, and who sends them. */
const NORMAL: { key: string; label: string; weight: number; who: string }[] = [
  { key: "directory", label: "directory page (20, skills)", weight: 40, who: "officer" },
  { key: "tenders", label: "tenders list (20)", weight: 20, who: "officer" },
  { key: "matches", label: "Tender.matches(first: 20)", weight: 15, who: "officer" },
  { key: "opportunities", label: "Cooperative.opportunities(10)", weight: 10, who: "officer" },
  { key: "edit", label: "applySectionUpdate (Yjs)", weight: 15, who: "member" },
];

interface Fixture {
  officer: string;
  member: string;
  directoryCursors: (string | null)[];
  tenderCursors: (string | null)[];
  cooperativeIds: string[];
  openTenderIds: string[];
  bids: { bidId: string; sectionId: string; headSeq: number; title: string }[];
  memberCooperative: string;
}

interface Probe {
  key: string;
  outcome: Outcome;
  status: number;
  detail: string;
  ms: number;
  bytes: number;
}

interface Phase {
  level: number;
  abuse: boolean;
  result: PhaseResult;
}

function levels(): number[] {
  const raw = process.env.BENCH_LOAD_LEVELS?.trim();
  if (!raw) return DEFAULT_LEVELS;
  const parsed = raw.split(",").map((s) => Number(s.trim()));
  if (parsed.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`BENCH_LOAD_LEVELS: positive integers, comma-separated; got ${raw}`);
  return parsed;
}

async function prepareDatabase(url: string, log: (line: string) => void): Promise<{ cooperatives: number; tenders: number; seconds: number }> {
  const started = performance.now();
  const orm = await openDatabase(url, pino({ level: "warn" }));
  try {
    log(`  migrated; seeding ${thousands(COOPERATIVES)} cooperatives and the demo tenders with seedDemo() …`);
    await seedDemo(orm.em.fork(), { cooperatives: COOPERATIVES });
  } finally {
    await orm.close(true);
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("VACUUM (ANALYZE)");
    const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
    return { cooperatives: await count("cooperatives"), tenders: await count("tenders"), seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

async function memberCooperative(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ id: string }>(
      `SELECT m.cooperative_id AS id FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE u.email = $1 AND m.role = 'OWNER' ORDER BY m.cooperative_id LIMIT 1`,
      [DEMO_ACCOUNTS.member],
    );
    const id = rows.rows[0]?.id;
    if (!id) throw new Error(`${DEMO_ACCOUNTS.member} owns no cooperative in the seeded database`);
    return toGlobalId("Cooperative", id);
  } finally {
    await client.end();
  }
}

type Data = Record<string, unknown>;

async function graphql(target: HttpTarget, token: string | null, query: string, variables?: Record<string, unknown>): Promise<Data> {
  const answer = await target.post(requestBody(query, variables), token);
  const parsed = JSON.parse(answer.text) as { data?: Data | null; errors?: unknown };
  if (answer.status !== 200 || parsed.errors || !parsed.data) {
    throw new Error(`${/(query|mutation) (\w+)/.exec(query)?.[2] ?? "operation"}: HTTP ${answer.status}: ${answer.text.slice(0, 400)}`);
  }
  return parsed.data;
}

async function signIn(target: HttpTarget, email: string): Promise<string> {
  const data = await graphql(target, null, SIGN_IN, { input: { email, password: DEMO_PASSWORD } });
  const token = (data.signIn as { token?: string } | null)?.token;
  if (!token) throw new Error(`signIn ${email}: no token`);
  return token;
}

interface Page {
  cursors: (string | null)[];
  ids: string[];
}

/** Walks a connection from the start, keeping each page's `after` cursor and the node ids. */
async function walk(target: HttpTarget, token: string, query: string, field: string, maxPages: number): Promise<Page> {
  const cursors: (string | null)[] = [null];
  const ids: string[] = [];
  for (let page = 0; page < maxPages; page++) {
    const data = await graphql(target, token, query, { after: cursors[page] });
    const connection = data[field] as { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { id: string } }[] };
    ids.push(...connection.edges.map((e) => e.node.id));
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor || page === maxPages - 1) break;
    cursors.push(connection.pageInfo.endCursor);
  }
  return { cursors, ids };
}

/** Bids led by the demo member's cooperative on open tenders, each with one section. */
async function createBids(target: HttpTarget, member: string, lead: string, tenders: string[]): Promise<Fixture["bids"]> {
  const bids: Fixture["bids"] = [];
  for (const tenderId of tenders) {
    if (bids.length === BIDS) break;
    let created: { id: string } | null = null;
    for (const groupType of ["CONJOINT_WITH_SOLIDARY_LEAD", "CONJOINT", "SOLIDAIRE"]) {
      try {
        const data = await graphql(target, member, CREATE_BID, {
          input: { tenderId, leadCooperativeId: lead, groupType, title: `Load bench bid ${bids.length + 1}` },
        });
        created = data.createBid as { id: string };
        break;
      } catch {
        // another group type, or another tender
      }
    }
    if (!created) continue;
    const section = (await graphql(target, member, ADD_SECTION, { input: { bidId: created.id, title: "Mémoire technique" } })).addBidSection as { id: string };
    const head = (await graphql(target, member, BID_HEAD, { id: created.id })).bid as { headSeq: number };
    bids.push({ bidId: created.id, sectionId: section.id, headSeq: head.headSeq, title: `Load bench bid ${bids.length + 1}` });
  }
  if (bids.length === 0) throw new Error("could not create any bid on the open tenders");
  return bids;
}

async function prepareFixture(target: HttpTarget, url: string, log: (line: string) => void): Promise<Fixture> {
  // signIn is rate-limited (10 per account per 5 minutes): once per account.
  const officer = await signIn(target, DEMO_ACCOUNTS.officer);
  const member = await signIn(target, DEMO_ACCOUNTS.member);
  const directory = await walk(target, officer, DIRECTORY, "cooperatives", 10);
  const tenders = await walk(target, officer, TENDERS, "tenders", 5);
  const open = (await graphql(target, officer, OPEN_TENDERS)).tenders as { edges: { node: { id: string } }[] };
  const openTenderIds = open.edges.map((e) => e.node.id);
  if (openTenderIds.length === 0) throw new Error("no open tender in the seeded database");
  const lead = await memberCooperative(url);
  const bids = await createBids(target, member, lead, openTenderIds);
  log(
    `  signed in as ${DEMO_ACCOUNTS.officer} and ${DEMO_ACCOUNTS.member}; ${directory.cursors.length} directory pages, ${tenders.cursors.length} tender pages, ` +
      `${openTenderIds.length} open tenders, ${bids.length} bids with a section each`,
  );
  return {
    officer,
    member,
    directoryCursors: directory.cursors,
    tenderCursors: tenders.cursors,
    cooperativeIds: directory.ids,
    openTenderIds,
    bids,
    memberCooperative: lead,
  };
}

function normalMix(fixture: Fixture, subscribers: Subscribers, random: () => number): MixEntry[] {
  const pickOf = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const editors = new Map<number, Editor>();
  const editorOf = (worker: number): Editor => {
    let editor = editors.get(worker);
    if (!editor) {
      const bid = fixture.bids[worker % fixture.bids.length] as Fixture["bids"][number];
      editor = new Editor(`w${worker}`, bid.sectionId);
      editors.set(worker, editor);
    }
    return editor;
  };
  const builders: Record<string, MixEntry["build"]> = {
    directory: () => ({ body: requestBody(DIRECTORY, { after: pickOf(fixture.directoryCursors) }), token: fixture.officer }),
    tenders: () => ({ body: requestBody(TENDERS, { after: pickOf(fixture.tenderCursors) }), token: fixture.officer }),
    matches: () => ({ body: requestBody(MATCHES, { id: pickOf(fixture.openTenderIds) }), token: fixture.officer }),
    opportunities: () => ({ body: requestBody(OPPORTUNITIES, { id: pickOf(fixture.cooperativeIds) }), token: fixture.officer }),
    edit: (worker) => {
      const { body, cmid } = editorOf(worker).next(random);
      return {
        body,
        token: fixture.member,
        onSend: (at) => {
          if (subscribers.measuring) subscribers.sentAt.set(cmid, at);
        },
      };
    },
  };
  return NORMAL.map((n) => ({ key: n.key, weight: n.weight, abusive: false, expected: "served", build: builders[n.key] as MixEntry["build"] }));
}

function abusiveMix(queries: AbusiveQuery[], probes: Map<string, Probe>, officer: string): MixEntry[] {
  return queries.map((q) => {
    const probed = probes.get(q.key)?.outcome ?? "rejected";
    return {
      key: q.key,
      weight: (100 * ABUSIVE_SHARE) / queries.length,
      abusive: true,
      // A 5xx in the probe is not what the query should get: it counts as an error in the run.
      expected: probed === "error" ? "rejected" : probed,
      build: () => ({ body: q.body, token: officer }),
    };
  });
}

async function probe(target: HttpTarget, entry: MixEntry): Promise<Probe> {
  const request = entry.build(0);
  const started = performance.now();
  try {
    const answer = await target.post(request.body, request.token);
    const outcome = classify(answer);
    return {
      key: entry.key,
      outcome,
      status: answer.status,
      detail: outcome === "served" ? `${answer.status}, ${thousands(Buffer.byteLength(answer.text))} B of data` : describeRejection(answer),
      ms: performance.now() - started,
      bytes: Buffer.byteLength(request.body),
    };
  } catch (error) {
    return {
      key: entry.key,
      outcome: "error",
      status: 0,
      detail: error instanceof Error ? error.message : String(error),
      ms: performance.now() - started,
      bytes: Buffer.byteLength(request.body),
    };
  }
}

function pgProcesses(context: SectionContext): PgProcesses | null {
  return context.pg.postmasterPid === null ? null : { postmasterPid: context.pg.postmasterPid, database: DATABASE };
}

// ---- report ----------------------------------------------------------------------------------

interface Row {
  key: string;
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  errorPercent: number;
  rejected: number;
}

function rowsOf(result: PhaseResult, keys: string[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const key of keys) {
    const stats = result.stats.get(key);
    if (!stats) continue;
    rows.set(key, { key, ...stats.summary(result.seconds) });
  }
  return rows;
}

/** Totals over several operations: req/s summed, percentiles over every latency. */
function totalOf(result: PhaseResult, keys: string[]): Row {
  const latencies: number[] = [];
  let errors = 0;
  let rejected = 0;
  for (const key of keys) {
    const stats = result.stats.get(key);
    if (!stats) continue;
    latencies.push(...stats.latencies);
    errors += stats.errors;
    rejected += stats.rejected;
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    key: "total",
    count: sorted.length,
    perSecond: sorted.length / result.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errorPercent: sorted.length ? (100 * errors) / sorted.length : 0,
    rejected,
  };
}

function fanoutRow(result: PhaseResult): Row {
  const sorted = Float64Array.from(result.deliveries).sort();
  return {
    key: "fanout",
    count: sorted.length,
    perSecond: sorted.length / result.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errorPercent: 0,
    rejected: 0,
  };
}

const ms = (v: number) => fixed(v, v < 10 ? 1 : 0);
const rate = (v: number) => (v < 10 ? fixed(v, 1) : thousands(v));

function levelTable(
  level: number,
  clean: PhaseResult,
  abused: PhaseResult,
  abusive: AbusiveQuery[],
  labels: Map<string, string>,
): { text: string; worst: number; pass: boolean } {
  const normalKeys = NORMAL.map((n) => n.key);
  const abusiveKeys = abusive.map((a) => a.key);
  const c = rowsOf(clean, normalKeys);
  const a = rowsOf(abused, [...normalKeys, ...abusiveKeys]);
  const cells = (row: Row | undefined): string[] =>
    row ? [thousands(row.count), rate(row.perSecond), ms(row.p50), ms(row.p99), fixed(row.errorPercent, 1)] : ["", "", "", "", ""];
  let worst = 0;
  let pass = true;
  const rows: string[][] = [];
  for (const key of normalKeys) {
    const before = c.get(key);
    const after = a.get(key);
    const ratio = before && after ? after.p99 / before.p99 : NaN;
    const ok = Number.isFinite(ratio) && ratio <= TARGET_RATIO && (after?.errorPercent ?? 100) === 0;
    if (Number.isFinite(ratio)) worst = Math.max(worst, ratio);
    if (!ok) pass = false;
    rows.push([labels.get(key) ?? key, ...cells(before), ...cells(after), `${fixed(ratio, 2)}×`, ok ? "PASS" : "FAIL"]);
  }
  const cleanTotal = totalOf(clean, normalKeys);
  const abusedNormal = totalOf(abused, normalKeys);
  rows.push(["normal operations", ...cells(cleanTotal), ...cells(abusedNormal), `${fixed(abusedNormal.p99 / cleanTotal.p99, 2)}×`, ""]);
  const cf = fanoutRow(clean);
  const af = fanoutRow(abused);
  rows.push([
    "bidEvents delivery (per subscriber)",
    thousands(cf.count),
    rate(cf.perSecond),
    ms(cf.p50),
    ms(cf.p99),
    "",
    thousands(af.count),
    rate(af.perSecond),
    ms(af.p50),
    ms(af.p99),
    "",
    `${fixed(af.p99 / cf.p99, 2)}×`,
    "(info)",
  ]);
  const blank = ["", "", "", "", ""];
  for (const key of abusiveKeys) rows.push([`  abusive: ${labels.get(key) ?? key}`, ...blank, ...cells(a.get(key)), "", ""]);
  const abusedAbusive = totalOf(abused, abusiveKeys);
  const share = abusedAbusive.count + abusedNormal.count ? (100 * abusedAbusive.count) / (abusedAbusive.count + abusedNormal.count) : 0;
  rows.push([`abusive (${fixed(share, 1)}% of requests; ${thousands(abusedAbusive.rejected)} expected rejections)`, ...blank, ...cells(abusedAbusive), "", ""]);
  const all = totalOf(abused, [...normalKeys, ...abusiveKeys]);
  rows.push(["all requests", ...cells(cleanTotal), ...cells(all), "", ""]);
  const table = renderTable(
    [
      { title: `${level} connections`, align: "left" },
      { title: "clean n", align: "right" },
      { title: "req/s", align: "right" },
      { title: "p50 ms", align: "right" },
      { title: "p99 ms", align: "right" },
      { title: "err %", align: "right" },
      { title: "10% abuse n", align: "right" },
      { title: "req/s", align: "right" },
      { title: "p50 ms", align: "right" },
      { title: "p99 ms", align: "right" },
      { title: "err %", align: "right" },
      { title: "p99 abuse/clean", align: "right" },
      { title: `≤ ${TARGET_RATIO}×`, align: "left" },
    ],
    rows,
  );
  const memory = (r: PhaseResult) => `peak ${fixed(r.rssPeakMiB, 0)} MiB, end ${fixed(r.rssEndMiB, 0)} MiB`;
  const requests = (r: PhaseResult) => [...r.stats.values()].reduce((n, st) => n + st.latencies.length, 0);
  const perRequest = (r: PhaseResult) =>
    r.cpu?.seconds.server != null && requests(r) ? `, ${fixed((1000 * r.cpu.seconds.server) / requests(r), 1)} ms of server CPU per request` : "";
  const cpu = (r: PhaseResult) =>
    r.cpu
      ? `server ${fixed(r.cpu.cores.server, 2)} + PostgreSQL ${fixed(r.cpu.cores.postgres, 2)} + load generator ${fixed(r.cpu.cores.loadGenerator, 2)} + other ${fixed(r.cpu.cores.other, 2)} cores${perRequest(r)}`
      : "n/a";
  const delivered = (r: PhaseResult) =>
    `${thousands(r.deliveries.length)} deliveries of ${thousands(r.updatesSent * SUBSCRIBERS_PER_BID)} expected (${thousands(r.updatesSent)} updates × ${SUBSCRIBERS_PER_BID} subscribers)`;
  const errors = [...clean.stats, ...abused.stats].flatMap(([key, s]) => (s.errorSamples.length ? [`${key}: ${s.errorSamples.join(" | ")}`] : []));
  const text = [
    table,
    "",
    `Server RSS: clean ${memory(clean)}; with abuse ${memory(abused)}.`,
    `CPU: clean ${cpu(clean)}; with abuse ${cpu(abused)}.`,
    `bidEvents: clean ${delivered(clean)}; with abuse ${delivered(abused)}.`,
    ...(errors.length ? [`Errors (first of each): ${errors.slice(0, 8).join("; ")}`] : []),
  ].join("\n");
  return { text, worst, pass };
}

function phaseJson(phase: Phase, keys: string[]): Json {
  const ops: Record<string, Json> = {};
  for (const key of keys) {
    const stats = phase.result.stats.get(key);
    if (!stats) continue;
    const s = stats.summary(phase.result.seconds);
    ops[key] = { ...s, served: stats.served, errors: stats.errors, errorSamples: stats.errorSamples };
  }
  const fan = fanoutRow(phase.result);
  const cpu = phase.result.cpu;
  return {
    level: phase.level,
    abuse: phase.abuse,
    seconds: phase.result.seconds,
    operations: ops,
    fanout: { deliveries: fan.count, expected: phase.result.updatesSent * SUBSCRIBERS_PER_BID, perSecond: fan.perSecond, p50: fan.p50, p99: fan.p99 },
    rssPeakMiB: phase.result.rssPeakMiB,
    rssEndMiB: phase.result.rssEndMiB,
    cpuCores: cpu ? { server: cpu.cores.server, postgres: cpu.cores.postgres, loadGenerator: cpu.cores.loadGenerator, other: cpu.cores.other } : null,
  };
}

function report(
  context: SectionContext,
  db: { cooperatives: number; tenders: number; seconds: number },
  fixture: Fixture,
  child: ServerChild,
  abusive: AbusiveQuery[],
  probes: Map<string, Probe>,
  phases: Phase[],
  baseRss: number | null,
  subscriberCount: number,
  subscriberFailures: string[],
): SectionReport {
  const { options, machine } = context;
  const labels = new Map<string, string>([...NORMAL.map((n) => [n.key, n.label] as const), ...abusive.map((a) => [a.key, a.label] as const)]);
  const levelList = [...new Set(phases.map((p) => p.level))];
  const sections: string[] = [];
  const summary: string[][] = [];
  for (const level of levelList) {
    const clean = phases.find((p) => p.level === level && !p.abuse);
    const abused = phases.find((p) => p.level === level && p.abuse);
    if (!clean || !abused) continue;
    const t = levelTable(level, clean.result, abused.result, abusive, labels);
    sections.push(t.text, "");
    const normalKeys = NORMAL.map((n) => n.key);
    const ct = totalOf(clean.result, normalKeys);
    const at = totalOf(abused.result, normalKeys);
    const aa = totalOf(
      abused.result,
      abusive.map((a) => a.key),
    );
    summary.push([
      String(level),
      rate(ct.perSecond),
      rate(at.perSecond + aa.perSecond),
      ms(ct.p99),
      ms(at.p99),
      `${fixed(t.worst, 2)}×`,
      `${fixed(clean.result.rssPeakMiB, 0)} / ${fixed(abused.result.rssPeakMiB, 0)}`,
      fixed(Math.max(clean.result.cpu?.cores.other ?? 0, abused.result.cpu?.cores.other ?? 0), 2),
      t.pass ? "PASS" : "FAIL",
    ]);
  }
  const summaryTable = renderTable(
    [
      { title: "connections", align: "right" },
      { title: "clean req/s", align: "right" },
      { title: "abuse req/s (all)", align: "right" },
      { title: "clean p99 ms", align: "right" },
      { title: "abuse p99 ms (normal)", align: "right" },
      { title: "worst op p99 ratio", align: "right" },
      { title: "RSS peak MiB clean / abuse", align: "right" },
      { title: "other cores", align: "right" },
      { title: "target", align: "left" },
    ],
    summary,
  );
  const catalog = renderTable(
    [
      { title: "abusive query", align: "left" },
      { title: "body", align: "right" },
      { title: "cost", align: "right" },
      { title: "answer before the run (expected in the run)", align: "left" },
      { title: "ms", align: "right" },
    ],
    abusive.map((q) => {
      const p = probes.get(q.key);
      return [
        `${q.label}: ${q.what}`,
        `${fixed((p?.bytes ?? 0) / 1024, 1)} KiB`,
        q.cost === null ? "n/a" : thousands(q.cost),
        `${p?.outcome ?? "?"}: ${p?.detail ?? ""}`,
        ms(p?.ms ?? NaN),
      ];
    }),
  );
  const d = child.details;
  const allPass = summary.every((r) => r[8] === "PASS");
  const worstOther = Math.max(...phases.map((p) => p.result.cpu?.cores.other ?? 0));
  const lines = [
    `LOAD — a mix of directory pages, tender lists, matching, opportunities and live bid editing at ${levelList.join(", ")} connections, clean and with ${100 * ABUSIVE_SHARE}% abusive queries`,
    `${thousands(db.cooperatives)} cooperatives, ${thousands(db.tenders)} tenders (seedDemo, ${fixed(db.seconds, 0)} s); ${fixture.bids.length} bids with a section, ` +
      `${subscriberCount} graphql-ws clients subscribed to their bidEvents; per level and run: ${options.warmup} s warm-up, ${options.duration} s measured; closed loop (each connection sends its next request when the previous one is answered)`,
    "",
    summaryTable,
    "",
    `Target (every normal operation's p99 with ${100 * ABUSIVE_SHARE}% abuse within ${TARGET_RATIO}× of the clean run, no errors): ${
      allPass
        ? "met at every level"
        : `NOT met at ${summary
            .filter((r) => r[8] !== "PASS")
            .map((r) => `${r[0]} connections`)
            .join(", ")}`
    }.`,
    ...(worstOther > 0.25
      ? [
          `WARNING: other processes on this ${machine.cores}-core machine used up to ${worstOther.toFixed(2)} cores during the measurements: latencies are inflated and ratios noisier than on a quiet machine.`,
        ]
      : []),
    "",
    ...sections,
    "Abusive queries (each an equal share of the 10%; sent as the officer):",
    "",
    catalog,
    "",
    "Notes:",
    `- Mix: ${NORMAL.map((n) => `${n.label} ${n.weight}% (${n.who})`).join(", ")}. Directory and tender pages rotate over the first ${fixture.directoryCursors.length} and ${fixture.tenderCursors.length} pages; ` +
      `matches over ${fixture.openTenderIds.length} open tenders; opportunities over ${fixture.cooperativeIds.length} cooperatives. With abuse, the normal operations keep their proportions in the other 90%.`,
    `- Live editing: each connection is a co-editor with its own Y.Doc on one of the ${fixture.bids.length} bids' sections (led by the demo member's cooperative), inserting a few characters per request with applySectionUpdate over HTTP; ` +
      `every update is durable in the bid's log before the answer and fanned out over LISTEN/NOTIFY to ${SUBSCRIBERS_PER_BID} subscribers per bid (officer and member sockets). "bidEvents delivery" is the time from sending an update to its arrival at each subscriber.`,
    `- Order: at each level the clean run and the run with abuse follow each other on the same server (the first level clean first, the next abuse first, and so on); "n" is the number of requests measured — a p99 over fewer than ~100 requests is close to their maximum, and noisy.`,
    `- Errors: a normal operation must answer 200 with data and no errors; an abusive one must get what it got when tried alone before the run (a 4xx or a GraphQL error is an expected rejection, not an error). Connection errors, timeouts (30 s) and 5xx are errors.`,
    `- Memory: the server child's VmRSS from /proc, sampled every 100 ms over each measured window (${fixed(baseRss, 0)} MiB after set-up, before any load).`,
    `- Scopgraph: createServer() from ${d.from === "dist" ? "dist/ (npm run build)" : "src/ through ts-node"}, NODE_ENV=${String(d.nodeEnv)}, LOG_LEVEL=${String(d.logLevel)}, MikroORM pool ${String(d.poolMax)}; limits as shipped: depth ${String(d.depth)}, aliases ${String(d.aliases)}, directives ${String(d.directives)}, tokens ${String(d.tokens)}, cost ${String(d.cost)}, page ${String(d.pageSize)}, body ${String(d.bodyBytes)} B.`,
    `- The load generator runs in the parent process (node:http keep-alive agent), on the same machine as the server and PostgreSQL; its CPU is shown per run. Costs are the app's operationCost on schema/schema.graphql.`,
    ...(subscriberFailures.length ? [`- Subscriber failures: ${subscriberFailures.join("; ")}`] : []),
  ];
  const normalKeys = NORMAL.map((n) => n.key);
  const json: Json = {
    cooperatives: db.cooperatives,
    tenders: db.tenders,
    bids: fixture.bids.length,
    subscribers: subscriberCount,
    levels: levelList,
    warmupSeconds: options.warmup,
    seconds: options.duration,
    abusiveShare: ABUSIVE_SHARE,
    targetRatio: TARGET_RATIO,
    met: allPass,
    baseRssMiB: baseRss,
    abusive: abusive.map((q) => {
      const p = probes.get(q.key);
      return {
        key: q.key,
        label: q.label,
        what: q.what,
        cost: q.cost,
        bytes: p?.bytes ?? null,
        probe: p ? { outcome: p.outcome, status: p.status, detail: p.detail, ms: p.ms } : null,
      };
    }),
    phases: phases.map((p) => phaseJson(p, [...normalKeys, ...abusive.map((a) => a.key)])),
    server: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v])),
  };
  return { text: lines.join("\n"), json };
}

// ---- the section -----------------------------------------------------------------------------

const load: Section = {
  name: "load",
  title: "Load: a realistic mix at rising concurrency, clean and with 10% abusive queries",
  async run(context) {
    const { pg, options, log } = context;
    const levelList = levels();
    log(`Database ${DATABASE}: recreating on ${pg.where}`);
    const url = await pg.recreateDatabase(DATABASE);
    let child: ServerChild | null = null;
    let target: HttpTarget | null = null;
    const subscribers = new Subscribers();
    try {
      const db = await prepareDatabase(url, log);
      log(`  ${thousands(db.cooperatives)} cooperatives, ${thousands(db.tenders)} tenders; seeded in ${fixed(db.seconds, 0)} s`);
      log("Starting Scopgraph in its own process …");
      child = await startServerChild({
        name: "Scopgraph",
        script: path.join(__dirname, "server.ts"),
        env: {
          BENCH_DATABASE_URL: url,
          BENCH_JWT_SECRET: randomBytes(32).toString("base64url"),
          BENCH_LOG_LEVEL: options.logLevel,
          BENCH_SCOPGRAPH_FROM: context.scopgraphFrom,
          ...(options.scopgraphDir ? { BENCH_SCOPGRAPH_DIR: path.resolve(options.scopgraphDir) } : {}),
          NODE_ENV: "production",
        },
      });
      target = new HttpTarget(child.url);
      const fixture = await prepareFixture(target, url, log);

      const subscriptions = fixture.bids.flatMap((bid) =>
        Array.from({ length: SUBSCRIBERS_PER_BID }, (_, i) => ({
          token: i % 2 === 0 ? fixture.member : fixture.officer,
          bidId: bid.bidId,
          afterSeq: bid.headSeq,
        })),
      );
      await subscribers.start(child.url, subscriptions);
      log(`  ${subscriptions.length} bidEvents subscribers connected`);

      const random = prng(6);
      const normal = normalMix(fixture, subscribers, random);
      const d = child.details;
      const abusive = abusiveQueries({
        cost: Number(d.cost),
        bodyBytes: Number(d.bodyBytes),
        aliases: Number(d.aliases),
        depth: Number(d.depth),
        tokens: Number(d.tokens),
        directives: Number(d.directives),
      });
      const probes = new Map<string, Probe>();
      for (const entry of normal) {
        const p = await probe(target, entry);
        if (p.outcome !== "served") throw new Error(`${entry.key} is not served before the run: ${p.detail}`);
        probes.set(entry.key, p);
      }
      const abusiveEntries = abusiveMix(abusive, new Map(), fixture.officer);
      for (const entry of abusiveEntries) {
        const p = await probe(target, entry);
        probes.set(entry.key, p);
        log(`  abusive ${entry.key}: ${p.outcome} (${p.detail}) in ${fixed(p.ms, 0)} ms`);
      }
      const abusiveRun = abusiveMix(abusive, probes, fixture.officer);
      const cleanMix = normal;
      const abuseMix = [...normal.map((n) => ({ ...n, weight: n.weight * (1 - ABUSIVE_SHARE) })), ...abusiveRun];
      const baseRss = rssMiB(child.pid);

      const phases: Phase[] = [];
      for (const [i, level] of levelList.entries()) {
        // The order alternates between levels, so that neither run always comes first.
        const order = i % 2 === 0 ? [false, true] : [true, false];
        for (const abuse of order) {
          log(`  ${level} connections, ${abuse ? "10% abusive" : "clean"}: ${options.warmup} s warm-up, ${options.duration} s measured …`);
          // --profile: the clean run at the highest level under V8's sampling profiler (warm-up included).
          const profiled = options.profile === "always" && !abuse && level === Math.max(...levelList);
          if (profiled) await child.startProfile(500);
          const result = await runPhase({
            target,
            mix: abuse ? abuseMix : cleanMix,
            connections: level,
            warmupSeconds: options.warmup,
            seconds: options.duration,
            random,
            subscribers,
            serverPid: child.pid,
            pg: pgProcesses(context),
          });
          const normalTotal = totalOf(
            result,
            NORMAL.map((n) => n.key),
          );
          log(
            `    normal: ${rate(normalTotal.perSecond)} req/s, p50 ${ms(normalTotal.p50)} ms, p99 ${ms(normalTotal.p99)} ms, ${fixed(normalTotal.errorPercent, 2)}% errors; ` +
              `RSS peak ${fixed(result.rssPeakMiB, 0)} MiB; other processes ${fixed(result.cpu?.cores.other, 2)} cores`,
          );
          phases.push({ level, abuse, result });
          if (profiled) {
            const file = path.join(RESULTS_DIR, `${context.resultsPrefix}-load-scopgraph.cpuprofile`);
            await child.stopProfile(file);
            const summary = summarizeProfile(file, 25);
            log(`    profile: ${path.relative(process.cwd(), file)}; self time by package:`);
            for (const e of summary.areas.slice(0, 15)) log(`      ${fixed(e.percent, 1)}%  ${e.name}`);
            log(`    top functions by self time:`);
            for (const e of summary.functions.slice(0, 25)) log(`      ${fixed(e.percent, 1)}%  ${e.name}`);
          }
        }
      }
      return report(context, db, fixture, child, abusive, probes, phases, baseRss, subscriptions.length, subscribers.failures);
    } finally {
      await subscribers.stop().catch(() => undefined);
      target?.close();
      await child?.stop();
      if (pg.kind === "external" && !options.keepDatabase) await pg.dropDatabase(DATABASE);
    }
  },
};

export default load;
