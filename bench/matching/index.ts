/**
 * bench/matching: latency of matching as the directory grows (1,000, 10,000, 100,000
 * cooperatives). One database grown in steps (bulk SQL, ANALYZE after each step); Scopgraph in a
 * child process (bench/read's server child, started as bench/read starts it), signed in once as
 * a mission officer; sequential requests over HTTP after a warm-up:
 *
 * - `Tender.matches(first: 20)` on a 5-lot tender (print, web, video, events, design),
 * - `Cooperative.opportunities(first: 20)` of one cooperative (among ~200 open tenders),
 * - `Tender.consortiumSuggestions(first: 5)` on the 5-lot and on a 12-lot tender.
 *
 * Then, in this process, where the time goes (candidate SQL, loadProfiles, scoring, solver) and
 * the plan of the candidate statement.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import pino from "pino";
import { toGlobalId } from "../../src/common/node";
import { openDatabase } from "../../src/db/database";
import { CANDIDATE_POOL, demandPrefixes } from "../../src/matching/matching.candidates";
import { startServerChild, type ServerChild } from "../lib/children";
import { startPgServer, type PgServer } from "../lib/database";
import { postJson } from "../lib/http";
import { describeMachine, machineLines } from "../lib/machine";
import { RESULTS_DIR } from "../lib/paths";
import type { Json, Section, SectionReport } from "../lib/section";
import { fixed, renderTable, thousands } from "../lib/table";
import { addCooperatives, addOfficerAndTenders, firstCooperative, MEASURED_TENDERS, OFFICER_PASSWORD, type BenchData } from "./data";
import { PhaseProbe, type CandidatePlan, type PhaseTimes } from "./phases";
import { CONSORTIUM_QUERY, FLOOR_QUERY, MATCHES_QUERY, OPPORTUNITIES_QUERY, type ConsortiumData, type MatchesData, type OpportunitiesData } from "./queries";

export const DEFAULT_SIZES = [1_000, 10_000, 100_000];
export const DEFAULT_ITERATIONS = 40;
/** The bench database; MATCHING_BENCH_DB overrides it (two checkouts benching on one server). */
const DATABASE = process.env.MATCHING_BENCH_DB ?? "scopgraph_bench_matching";
/** Timed runs stop early past this many seconds per operation and size (at least MIN_RUNS). */
const MAX_SECONDS_PER_OPERATION = 40;
const MIN_RUNS = 10;

export interface MatchingOptions {
  /** Directory sizes, measured in increasing order on one database grown in steps. */
  sizes?: number[];
  /** Timed requests per operation and size (default 40), after the warm-up. */
  iterations?: number;
  /** A PostgreSQL server (the bench creates its own database there); default DATABASE_URL, else embedded. */
  databaseUrl?: string;
  /** Untimed requests first (default 5). */
  warmup?: number;
  /** Scopgraph from src/ through ts-node (default: always the current tree) or dist/. */
  scopgraphFrom?: "dist" | "src";
  logLevel?: string;
  /** Keep the database on an external server. */
  keepDatabase?: boolean;
  /** Runs of the in-process phase timings (default 7). */
  phaseRuns?: number;
}

type Settings = Required<Omit<MatchingOptions, "databaseUrl">>;

type OperationKey = "floor" | "matches" | "opportunities" | "consortium5" | "consortium12";

const OPERATIONS: { key: OperationKey; label: string }[] = [
  { key: "floor", label: "floor: tender(id) { id title }" },
  { key: "matches", label: "matches(first: 20), 5-lot tender" },
  { key: "opportunities", label: "opportunities(first: 20), 1 cooperative" },
  { key: "consortium5", label: "consortiumSuggestions(first: 5), 5 lots" },
  { key: "consortium12", label: "consortiumSuggestions(first: 5), 12 lots" },
];

interface Latency {
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
  runs: number;
}

interface OperationResult {
  key: OperationKey;
  label: string;
  latencyMs: Latency;
  /** Rows passing the SQL narrowing (GIN overlap on class-level prefixes), summed over lots. */
  sqlCandidates: number;
  /** Loaded and scored after the LIMIT (totalCount for matches/opportunities). */
  scored: number;
  /** What the first response said (rank-1 name, team sizes, exact…). */
  summary: string;
}

interface SizeResult {
  size: number;
  /** 1-minute load average before and after this size's measurements: other work skews every figure. */
  loadAverage: [number, number];
  loadSeconds: number;
  skills: number;
  references: number;
  operations: OperationResult[];
  phases: { matches: PhaseTimes; consortium5: PhaseTimes & { exact: boolean }; consortium12: PhaseTimes & { exact: boolean } };
  plan: CandidatePlan;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

function latencyOf(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    mean: sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length),
    min: sorted[0] ?? NaN,
    max: sorted.at(-1) ?? NaN,
    runs: sorted.length,
  };
}

interface GqlBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token: string | null): Promise<{ ms: number; data: T }> {
  const body = JSON.stringify({ query, variables });
  const started = performance.now();
  const response = await postJson(url, body, token ? { authorization: `Bearer ${token}` } : {});
  const ms = performance.now() - started;
  const parsed = JSON.parse(response.text) as GqlBody<T>;
  if (response.status !== 200 || parsed.errors?.length || !parsed.data) {
    throw new Error(`HTTP ${response.status}: ${response.text.slice(0, 500)}`);
  }
  return { ms, data: parsed.data };
}

async function signIn(url: string, email: string): Promise<string> {
  const { data } = await gql<{ signIn: { token: string } }>(
    url,
    "mutation SignIn($input: SignInInput!) { signIn(input: $input) { token } }",
    { input: { email, password: OFFICER_PASSWORD } },
    null,
  );
  return data.signIn.token;
}

/** Warm-up, then `iterations` sequential requests (fewer past MAX_SECONDS_PER_OPERATION); every response checked. */
async function time<T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  settings: Settings,
): Promise<{ latency: Latency; first: T }> {
  let first: T | null = null;
  for (let i = 0; i < settings.warmup; i++) first = (await gql<T>(url, query, variables, token)).data;
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < settings.iterations; i++) {
    const { ms, data } = await gql<T>(url, query, variables, token);
    first ??= data;
    samples.push(ms);
    if (samples.length >= MIN_RUNS && performance.now() - started > MAX_SECONDS_PER_OPERATION * 1000) break;
  }
  return { latency: latencyOf(samples), first: first as T };
}

async function countOverlap(client: Client, table: "cooperatives" | "tenders", prefixes: string[], openOnly = false): Promise<number> {
  if (prefixes.length === 0) return 0;
  const where = openOnly ? "AND status = 'OPEN' AND (submission_deadline IS NULL OR submission_deadline > now())" : "";
  const row = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE cpv_prefixes && $1::text[] ${where}`, [prefixes])).rows[0];
  return Number(row?.n ?? 0);
}

async function lotCodes(client: Client, tenderId: string): Promise<string[][]> {
  const rows = await client.query<{ cpv_codes: string[] }>("SELECT cpv_codes FROM lots WHERE tender_id = $1 ORDER BY number", [tenderId]);
  return rows.rows.map((r) => r.cpv_codes);
}

async function measureSize(
  size: number,
  context: {
    client: Client;
    child: ServerChild;
    token: string;
    data: BenchData;
    probe: PhaseProbe;
    cooperative: { id: string; prefixes: string[] };
    settings: Settings;
    log: (line: string) => void;
  },
): Promise<Omit<SizeResult, "loadSeconds" | "skills" | "references" | "loadAverage">> {
  const { client, child, token, data, probe, settings, log } = context;
  const five = toGlobalId("Tender", data.five.id);
  const twelve = toGlobalId("Tender", data.twelve.id);
  const lots5 = await lotCodes(client, data.five.id);
  const lots12 = await lotCodes(client, data.twelve.id);
  const perLot = async (lots: string[][]) => {
    let rows = 0;
    for (const codes of lots) rows += await countOverlap(client, "cooperatives", demandPrefixes(codes, 4));
    return rows;
  };
  const operations: OperationResult[] = [];
  const run = async (key: OperationKey, work: () => Promise<Omit<OperationResult, "key" | "label">>) => {
    const label = OPERATIONS.find((o) => o.key === key)?.label ?? key;
    log(`  ${thousands(size)}: ${label} …`);
    const result = { key, label, ...(await work()) };
    log(`    p50 ${fixed(result.latencyMs.p50, 1)} ms, p95 ${fixed(result.latencyMs.p95, 1)} ms over ${result.latencyMs.runs} runs; ${result.summary}`);
    operations.push(result);
  };

  await run("floor", async () => {
    const { latency, first } = await time<{ tender: { title: string } }>(child.url, token, FLOOR_QUERY, { id: five }, settings);
    return { latencyMs: latency, sqlCandidates: 0, scored: 0, summary: first.tender.title };
  });
  await run("matches", async () => {
    const { latency, first } = await time<MatchesData>(child.url, token, MATCHES_QUERY, { id: five, first: 20 }, settings);
    const m = first.tender.matches;
    return {
      latencyMs: latency,
      sqlCandidates: await countOverlap(client, "cooperatives", demandPrefixes(lots5.flat(), 4)),
      scored: m.totalCount,
      summary: `${m.edges.length} edges of ${m.totalCount}; #1 ${m.edges[0]?.node.cooperative.name ?? "-"} (${fixed(m.edges[0]?.node.score, 3)})`,
    };
  });
  await run("opportunities", async () => {
    const { latency, first } = await time<OpportunitiesData>(
      child.url,
      token,
      OPPORTUNITIES_QUERY,
      { id: toGlobalId("Cooperative", context.cooperative.id), first: 20 },
      settings,
    );
    const o = first.cooperative.opportunities;
    return {
      latencyMs: latency,
      sqlCandidates: await countOverlap(
        client,
        "tenders",
        context.cooperative.prefixes.filter((p) => p.length >= 3),
        true,
      ),
      scored: o.totalCount,
      summary: `${o.edges.length} edges of ${o.totalCount}; #1 ${o.edges[0]?.node.tender.title ?? "-"} (${fixed(o.edges[0]?.node.score, 3)})`,
    };
  });
  const consortium = (key: "consortium5" | "consortium12", id: string, lots: string[][]) =>
    run(key, async () => {
      const { latency, first } = await time<ConsortiumData>(child.url, token, CONSORTIUM_QUERY, { id, first: 5 }, settings);
      const c = first.tender.consortiumSuggestions;
      return {
        latencyMs: latency,
        sqlCandidates: await perLot(lots),
        scored: 0,
        summary:
          `${c.suggestions.length} teams of ${c.suggestions.map((s) => s.memberCount).join("/")} members, exact ${c.exact}, ` +
          `${c.uncoveredLots.length} uncovered lots${c.notes.length ? `; notes: ${c.notes.join(" | ")}` : ""}`,
      };
    });
  await consortium("consortium5", five, lots5);
  await consortium("consortium12", twelve, lots12);

  log(`  ${thousands(size)}: phases in-process (${settings.phaseRuns} runs each) and EXPLAIN ANALYZE …`);
  const phases = {
    matches: await probe.matches(data.five.id, settings.phaseRuns),
    consortium5: await probe.consortium(data.five.id, 5, settings.phaseRuns),
    consortium12: await probe.consortium(data.twelve.id, 5, settings.phaseRuns),
  };
  for (const op of operations) {
    if (op.key === "consortium5") op.scored = phases.consortium5.loaded;
    if (op.key === "consortium12") op.scored = phases.consortium12.loaded;
  }
  const plan = await probe.explainMatches(data.five.id);
  log(`    candidate statement: ${fixed(plan.executionMs, 1)} ms (EXPLAIN ANALYZE)`);
  return { size, operations, phases, plan };
}

interface MeasureContext {
  pg: PgServer;
  log: (line: string) => void;
  settings: Settings;
}

/** The benchmark proper, on a PostgreSQL server already running: the report as text and JSON. */
export async function measureMatching({ pg, log, settings }: MeasureContext): Promise<SectionReport> {
  const sizes = [...new Set(settings.sizes)].sort((a, b) => a - b);
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1))
    throw new Error(`sizes must be positive integers, got ${settings.sizes.join(",")}`);
  log(`Database ${DATABASE}: recreating on ${pg.where}`);
  const url = await pg.recreateDatabase(DATABASE);
  const client = new Client({ connectionString: url });
  let child: ServerChild | null = null;
  let closeProbe: (() => Promise<void>) | null = null;
  try {
    const orm = await openDatabase(url, pino({ level: "warn" }));
    let data: BenchData;
    try {
      data = await addOfficerAndTenders(orm.em.fork());
    } finally {
      await orm.close(true);
    }
    await client.connect();
    log(`  migrated; officer and ${data.openTenders + 2} open tenders inserted`);

    log(`Starting Scopgraph in a child process (from ${settings.scopgraphFrom}/) …`);
    child = await startServerChild({
      name: "Scopgraph",
      script: path.join(__dirname, "..", "read", "scopgraph-server.ts"),
      env: {
        BENCH_DATABASE_URL: url,
        BENCH_JWT_SECRET: randomBytes(32).toString("base64url"),
        BENCH_LOG_LEVEL: settings.logLevel,
        BENCH_SCOPGRAPH_FROM: settings.scopgraphFrom,
        NODE_ENV: "production",
      },
    });
    const token = await signIn(child.url, data.officerEmail);
    const opened = await PhaseProbe.open(url);
    closeProbe = opened.close;

    const results: SizeResult[] = [];
    let current = 0;
    let skills = 0;
    let references = 0;
    let cooperative: { id: string; name: string; city: string; skills: string[]; prefixes: string[] } | null = null;
    for (const size of sizes) {
      log(`Growing the directory to ${thousands(size)} cooperatives …`);
      const started = performance.now();
      const added = await addCooperatives(client, current, size);
      await client.query("VACUUM (ANALYZE) cooperatives, cooperative_skills, cooperative_references, tenders, lots");
      const loadSeconds = (performance.now() - started) / 1000;
      current = size;
      skills += added.skills;
      references += added.references;
      log(`  +${thousands(added.skills)} skills, +${thousands(added.references)} references; ${fixed(loadSeconds, 1)} s with VACUUM ANALYZE`);
      if (!cooperative) {
        const first = await firstCooperative(client);
        const prefixes = (await client.query<{ p: string[] }>("SELECT cpv_prefixes AS p FROM cooperatives WHERE id = $1", [first.id])).rows[0]?.p ?? [];
        cooperative = { ...first, prefixes };
      }
      const before = loadAverage();
      const measured = await measureSize(size, { client, child, token, data, probe: opened.probe, cooperative, settings, log });
      results.push({ ...measured, loadSeconds, skills, references, loadAverage: [before, loadAverage()] });
    }
    if (!cooperative) throw new Error("no size measured");
    return report(results, data, cooperative, settings, child);
  } finally {
    await closeProbe?.();
    await child?.stop();
    await client.end().catch(() => undefined);
    if (pg.kind === "external" && !settings.keepDatabase) await pg.dropDatabase(DATABASE);
  }
}

function loadAverage(): number {
  return Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
}

function growthOf(results: SizeResult[], key: OperationKey): { ratio: number; directory: number } | null {
  const first = results[0];
  const last = results.at(-1);
  if (!first || !last || first === last) return null;
  const p95 = (r: SizeResult) => r.operations.find((o) => o.key === key)?.latencyMs.p95 ?? NaN;
  return { ratio: p95(last) / p95(first), directory: last.size / first.size };
}

function report(
  results: SizeResult[],
  data: BenchData,
  cooperative: { id: string; name: string; city: string; skills: string[] },
  settings: Settings,
  child: ServerChild,
): SectionReport {
  const table = renderTable(
    [
      { title: "Cooperatives", align: "right" },
      { title: "Operation", align: "left" },
      { title: "p50 ms", align: "right" },
      { title: "p95 ms", align: "right" },
      { title: "mean ms", align: "right" },
      { title: "runs", align: "right" },
      { title: "SQL candidates", align: "right" },
      { title: "scored", align: "right" },
    ],
    results.flatMap((r) =>
      r.operations.map((o) => [
        thousands(r.size),
        o.label,
        fixed(o.latencyMs.p50, 1),
        fixed(o.latencyMs.p95, 1),
        fixed(o.latencyMs.mean, 1),
        String(o.latencyMs.runs),
        thousands(o.sqlCandidates),
        thousands(o.scored),
      ]),
    ),
  );
  const phaseTable = renderTable(
    [
      { title: "Cooperatives", align: "right" },
      { title: "Operation", align: "left" },
      { title: "candidate SQL", align: "right" },
      { title: "loadProfiles", align: "right" },
      { title: "scoring", align: "right" },
      { title: "solver", align: "right" },
      { title: "sum", align: "right" },
      { title: "HTTP p50 (for scale)", align: "right" },
    ],
    results.flatMap((r) =>
      (
        [
          ["matches", "matches, 5 lots (whole tender)", r.phases.matches],
          ["consortium5", "consortium, 5 lots", r.phases.consortium5],
          ["consortium12", "consortium, 12 lots", r.phases.consortium12],
        ] as const
      ).map(([key, label, p]) => {
        const http = r.operations.find((o) => o.key === key)?.latencyMs.p50 ?? NaN;
        return [
          thousands(r.size),
          label,
          `${fixed(p.candidateSqlMs, 1)} (${p.statements} stmt)`,
          fixed(p.loadProfilesMs, 1),
          fixed(p.scoringMs, 1),
          p.solverMs === null ? "-" : fixed(p.solverMs, 1),
          fixed(p.totalMs, 1),
          fixed(http, 1),
        ];
      }),
    ),
  );
  const last = results.at(-1) as SizeResult;
  const p95At = (key: OperationKey) => last.operations.find((o) => o.key === key)?.latencyMs.p95 ?? NaN;
  const verdict = (value: number, limit: number) =>
    Number.isFinite(value) ? (value < limit ? `met (${fixed(value, 1)} ms)` : `NOT met (${fixed(value, 1)} ms)`) : "n/a";
  const matchingOps = OPERATIONS.filter((op) => op.key !== "floor");
  const growth = matchingOps.map((op) => {
    const g = growthOf(results, op.key);
    return g ? `${op.key} ×${fixed(g.ratio, 2)}` : `${op.key} n/a`;
  });
  const firstSize = results[0]?.size ?? 0;
  const growthRatios = matchingOps.map((op) => growthOf(results, op.key)?.ratio ?? NaN);
  const worstGrowth = Math.max(...growthRatios.filter(Number.isFinite));
  const directory = last.size / Math.max(1, firstSize);
  const lines = [
    `MATCHING — latency by directory size; sequential requests over HTTP POST /graphql (warm-up ${settings.warmup}, then up to ${settings.iterations} timed per operation and size)`,
    `Tenders: 5 lots (${MEASURED_TENDERS.five.lots.join(", ")}) at ${data.five.city}, max ${data.five.maxLotsPerTenderer} lots per tenderer; ` +
      `12 lots (${MEASURED_TENDERS.twelve.lots.join(", ")}) at ${data.twelve.city}, max ${data.twelve.maxLotsPerTenderer}; plus ${data.openTenders} open tenders of 1-4 lots across France.`,
    `Opportunities of «${cooperative.name}» (${cooperative.city}; skills ${cooperative.skills.join(", ")}).`,
    "",
    table,
    "",
    `Growth of p95 from ${thousands(firstSize)} to ${thousands(last.size)} cooperatives (directory ×${fixed(directory, 0)}): ${growth.join(", ")}`,
    "",
    `Targets at ${thousands(last.size)} cooperatives:`,
    `- matches p95 < 50 ms: ${last.size >= 100_000 ? verdict(p95At("matches"), 50) : "n/a (largest size below 100,000)"}`,
    `- consortiumSuggestions, 5 lots, p95 < 200 ms: ${last.size >= 100_000 ? verdict(p95At("consortium5"), 200) : "n/a (largest size below 100,000)"}`,
    `- latency growing far slower than the directory (taken as: p95 grows at most a tenth as fast, ×${fixed(directory / 10, 0)}): ` +
      `${Number.isFinite(worstGrowth) ? (worstGrowth <= directory / 10 ? "met" : "NOT met") : "n/a"} (worst ×${fixed(worstGrowth, 2)})`,
    "",
    "Where the time goes (in this process, median ms: the app's own functions on the same database, replaying the exact candidate statements; no HTTP or GraphQL):",
    "",
    phaseTable,
    "",
    `Candidate statement of matches (EXPLAIN ANALYZE execution time) by size: ${results.map((r) => `${thousands(r.size)}: ${fixed(r.plan.executionMs, 1)} ms`).join(", ")}` +
      (results.length > 1
        ? ` (×${fixed(last.plan.executionMs / (results[0] as SizeResult).plan.executionMs, 1)} for a directory ×${fixed(directory, 0)})`
        : ""),
    "",
    `Plan of the first candidate statement of matches at ${thousands(last.size)} (EXPLAIN ANALYZE, BUFFERS): execution ${fixed(last.plan.executionMs, 1)} ms, planning ${fixed(last.plan.planningMs, 1)} ms`,
    ...last.plan.plan.map((l) => `    ${l}`),
    "",
    "Notes:",
    `- SQL candidates: cooperatives whose cpv_prefixes overlap the class-level (4-digit) prefixes of the demand, i.e. the rows PostgreSQL must pre-rank ` +
      `(overlap depth and distance computed for each) before the LIMIT (${CANDIDATE_POOL} for matches, 60 per lot for consortia, summed over lots); opportunities: open tenders overlapping the cooperative's prefixes. ` +
      `scored: candidates loaded (loadProfiles) and scored.`,
    `- Data: one database grown in steps, ${results.map((r) => `${thousands(r.size)} in ${fixed(r.loadSeconds, 1)} s`).join(", ")} ` +
      `(bulk INSERT … SELECT FROM unnest, then VACUUM ANALYZE); at ${thousands(last.size)}: ${thousands(last.skills)} skills, ${thousands(last.references)} references. ` +
      `Communes of ≥ 2,000 people weighted by √population, skills of the seed's TRADES (2-6, levels 1-5).`,
    `- Scopgraph: bench/read/scopgraph-server.ts in its own process (from ${String(child.details.from)}/, NODE_ENV=${String(child.details.nodeEnv)}, LOG_LEVEL=${String(child.details.logLevel)}, MikroORM pool ${String(child.details.poolMax)}); ` +
      `signed in once as a MISSION_OFFICER; one request at a time from this process (fetch, keep-alive). Latency is client-side, request sent to body read.`,
    `- 1-minute load average before/after each size (${os.cpus().length} cores; anything well above 1 means other work shared the machine): ` +
      results.map((r) => `${thousands(r.size)}: ${fixed(r.loadAverage[0], 2)}/${fixed(r.loadAverage[1], 2)}`).join(", "),
  ];
  const json: Json = {
    section: "matching",
    settings: {
      sizes: settings.sizes,
      iterations: settings.iterations,
      warmup: settings.warmup,
      phaseRuns: settings.phaseRuns,
      scopgraphFrom: settings.scopgraphFrom,
    },
    queries: { matches: MATCHES_QUERY, opportunities: OPPORTUNITIES_QUERY, consortium: CONSORTIUM_QUERY },
    tenders: { five: { ...data.five }, twelve: { ...data.twelve }, openTenders: data.openTenders },
    cooperative: { ...cooperative, skills: cooperative.skills },
    results: results.map((r) => ({
      size: r.size,
      loadSeconds: r.loadSeconds,
      loadAverage: [...r.loadAverage],
      skills: r.skills,
      references: r.references,
      operations: r.operations.map((o) => ({
        key: o.key,
        label: o.label,
        latencyMs: { ...o.latencyMs },
        sqlCandidates: o.sqlCandidates,
        scored: o.scored,
        summary: o.summary,
      })),
      phases: {
        matches: { ...r.phases.matches },
        consortium5: { ...r.phases.consortium5 },
        consortium12: { ...r.phases.consortium12 },
      },
      candidatePlan: { sql: r.plan.sql, executionMs: r.plan.executionMs, planningMs: r.plan.planningMs, plan: r.plan.plan },
    })),
    growthP95: Object.fromEntries(matchingOps.map((op, i) => [op.key, growthRatios[i] ?? null])),
    targets: {
      matchesP95Under50: last.size >= 100_000 ? p95At("matches") < 50 : null,
      consortium5P95Under200: last.size >= 100_000 ? p95At("consortium5") < 200 : null,
      growthFarSlower: Number.isFinite(worstGrowth) ? worstGrowth <= directory / 10 : null,
    },
  };
  return { text: lines.join("\n"), json };
}

function settingsOf(options: MatchingOptions): Settings {
  return {
    sizes: options.sizes ?? DEFAULT_SIZES,
    iterations: options.iterations ?? DEFAULT_ITERATIONS,
    warmup: options.warmup ?? 5,
    scopgraphFrom: options.scopgraphFrom ?? "src",
    logLevel: options.logLevel ?? "warn",
    keepDatabase: options.keepDatabase ?? false,
    phaseRuns: options.phaseRuns ?? 7,
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Standalone: starts PostgreSQL (DATABASE_URL's, or embedded), prints the machine and the report, writes JSON under bench/results/. */
export async function runMatching(options: MatchingOptions = {}): Promise<void> {
  if (options.databaseUrl) process.env.DATABASE_URL = options.databaseUrl;
  const settings = settingsOf(options);
  const pg = await startPgServer(log);
  try {
    const machine = describeMachine(pg.version, pg.kind);
    console.log(machineLines(machine).join("\n"));
    console.log("");
    const result = await measureMatching({ pg, log, settings });
    console.log(result.text);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${machine.date.replace(/[:.]/g, "-")}-matching.json`);
    writeFileSync(file, `${JSON.stringify({ machine: { ...machine }, sections: { matching: result.json } }, null, 2)}\n`);
    console.log(`\nResults: ${path.relative(process.cwd(), file)}`);
  } finally {
    await pg.stop();
  }
}

/** For bench/run.ts's SECTIONS: `{ name: "matching", load: async () => (require("./matching") as { default: Section }).default }`. */
const matching: Section = {
  name: "matching",
  title: "Matching: matches, opportunities and consortium suggestions at 1k, 10k and 100k cooperatives",
  run(context) {
    return measureMatching({
      pg: context.pg,
      log: context.log,
      settings: settingsOf({ scopgraphFrom: context.scopgraphFrom, logLevel: context.options.logLevel, keepDatabase: context.options.keepDatabase }),
    });
  },
};

export default matching;
