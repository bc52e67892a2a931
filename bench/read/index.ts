import { randomBytes } from "node:crypto";
import path from "node:path";
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from "../../src/db/seed";
import { startServerChild, type ServerChild } from "../lib/children";
import { postJson } from "../lib/http";
import type { PgProcesses } from "../lib/cpu";
import { runLoad, type LoadResult, type LoadTarget } from "../lib/load";
import { benchModuleVersion } from "../lib/modules";
import { RESULTS_DIR, ROOT_DIR } from "../lib/paths";
import { summarizeProfile, type ProfileSummary } from "../lib/profile";
import type { Json, Section, SectionContext, SectionReport } from "../lib/section";
import { fixed, renderTable, thousands } from "../lib/table";
import { PAGE_SIZE, POSTGRAPHILE_QUERY, readPage, SCOPGRAPH_QUERY, type PageCooperative } from "./queries";
import { POSTGRAPHILE_TABLES, prepareReadDatabase, type ReadDatabase } from "./setup";

const DATABASE = "scopgraph_bench";
const PROFILE_SAMPLING_US = 500;

type ServerKey = "scopgraph" | "postgraphile" | "ceiling";

interface Contender {
  key: ServerKey;
  label: string;
  child: ServerChild;
  target: LoadTarget;
  page: PageCooperative[];
}

interface Measured {
  key: ServerKey;
  label: string;
  /** The round with the median req/s. */
  load: LoadResult;
  /** req/s of every round, in order. */
  rounds: number[];
  details: Record<string, string | number | boolean>;
}

async function signIn(url: string): Promise<string> {
  const response = await postJson(url, {
    query: "mutation SignIn($input: SignInInput!) { signIn(input: $input) { token } }",
    variables: { input: { email: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD } },
  });
  const parsed = JSON.parse(response.text) as { data?: { signIn?: { token?: string } } | null; errors?: unknown };
  const token = parsed.data?.signIn?.token;
  if (response.status !== 200 || !token) throw new Error(`signIn failed (${response.status}): ${response.text.slice(0, 300)}`);
  return token;
}

/** One request before any timing: 200, no errors, 50 edges; its body is what every timed response must be. */
async function reference(key: ServerKey, label: string, child: ServerChild, query: string, headers: Record<string, string>): Promise<Contender> {
  const body = JSON.stringify({ query });
  const response = await postJson(child.url, body, headers);
  if (response.status !== 200) throw new Error(`${label}: HTTP ${response.status}: ${response.text.slice(0, 500)}`);
  const page = readPage(response.text, key === "postgraphile" ? "postgraphile" : "scopgraph");
  return {
    key,
    label,
    child,
    page,
    target: { url: child.url, headers: { "content-type": "application/json", ...headers }, body, expectedBody: response.text },
  };
}

function sameData(contenders: Contender[]): string {
  const [first, ...others] = contenders;
  if (!first) throw new Error("no server");
  const expected = JSON.stringify(first.page);
  for (const other of others) {
    if (JSON.stringify(other.page) === expected) continue;
    const i = other.page.findIndex((c, n) => JSON.stringify(c) !== JSON.stringify(first.page[n]));
    throw new Error(
      `${other.label} does not return the same page as ${first.label}: first difference at cooperative ${i}:\n` +
        `  ${first.label}: ${JSON.stringify(first.page[i])}\n  ${other.label}: ${JSON.stringify(other.page[i])}`,
    );
  }
  const skills = first.page.reduce((n, c) => n + c.skills.length, 0);
  const labelled = first.page.reduce((n, c) => n + c.skills.filter((s) => s.label).length, 0);
  return (
    `Same data checked before timing: the ${contenders.length} servers return the same ${PAGE_SIZE} cooperatives ` +
    `(«${first.page[0]?.name}» … «${first.page.at(-1)?.name}») with the same ${skills} skills, levels and labels (${labelled} labelled), in the same order.`
  );
}

function pgProcesses(context: SectionContext): PgProcesses | null {
  return context.pg.postmasterPid === null ? null : { postmasterPid: context.pg.postmasterPid, database: DATABASE };
}

async function measure(contender: Contender, context: SectionContext, round: string): Promise<LoadResult> {
  const { options, log } = context;
  const settings = { connections: options.connections, serverPid: contender.child.pid, pg: pgProcesses(context) };
  log(`  ${contender.label}${round}: warm-up ${options.warmup} s, then ${options.duration} s measured …`);
  await runLoad(contender.target, { ...settings, seconds: options.warmup });
  const result = await runLoad(contender.target, { ...settings, seconds: options.duration });
  log(
    `  ${contender.label}${round}: ${fixed(result.requestsPerSecond, 0)} req/s, p50 ${fixed(result.latencyMs.p50, 1)} ms, ` +
      `p99 ${fixed(result.latencyMs.p99, 1)} ms, ${result.errors} errors; other processes used ${fixed(result.cpu.cores.other, 2)} cores`,
  );
  return result;
}

/** Every server `rounds` times, the order rotating each round so that no server always goes first. */
async function measureAll(contenders: Contender[], context: SectionContext): Promise<Measured[]> {
  const { rounds } = context.options;
  const runs = new Map<ServerKey, LoadResult[]>(contenders.map((c) => [c.key, []]));
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length] as Contender);
    for (const contender of order) {
      runs.get(contender.key)?.push(await measure(contender, context, rounds > 1 ? ` (round ${r + 1}/${rounds})` : ""));
    }
  }
  return contenders.map((c) => {
    const results = runs.get(c.key) ?? [];
    const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as LoadResult;
    return { key: c.key, label: c.label, load: median, rounds: results.map((x) => x.requestsPerSecond), details: c.child.details };
  });
}

async function profileScopgraph(contender: Contender, context: SectionContext): Promise<{ file: string; load: LoadResult; summary: ProfileSummary }> {
  const { options, log } = context;
  const file = path.join(RESULTS_DIR, `${context.resultsPrefix}-read-scopgraph.cpuprofile`);
  log(`  Scopgraph: profiling a ${options.duration} s run (V8 sampling profiler, ${PROFILE_SAMPLING_US} µs) …`);
  await contender.child.startProfile(PROFILE_SAMPLING_US);
  const load = await runLoad(contender.target, {
    connections: options.connections,
    seconds: options.duration,
    serverPid: contender.child.pid,
    pg: pgProcesses(context),
  });
  await contender.child.stopProfile(file);
  return { file, load, summary: summarizeProfile(file, 25) };
}

function cpuPerRequest(seconds: number | null, requests: number): string {
  return seconds === null || requests === 0 ? "n/a" : ((1000 * seconds) / requests).toFixed(2);
}

/** A Node server runs its JavaScript on one thread: 1 s / (CPU per request) bounds its req/s. */
function singleLoopLimits(measured: Measured[]): string[] {
  const parts = measured.flatMap((m) => {
    const cpu = m.load.cpu.seconds.server;
    if (cpu === null || m.load.requests === 0) return [];
    const ms = (1000 * cpu) / m.load.requests;
    return [`${m.label} ${ms.toFixed(1)} ms → at most ~${thousands(1000 / ms)} req/s`];
  });
  return parts.length ? [`CPU of the server process per request, and the throughput one event loop can reach with it: ${parts.join("; ")}.`] : [];
}

function noiseWarning(measured: Measured[], cores: number): string[] {
  const worst = Math.max(...measured.map((m) => m.load.cpu.cores.other ?? 0));
  return worst > 0.25
    ? [
        `WARNING: other processes on this machine used up to ${worst.toFixed(2)} of its ${cores} cores during the measurements: ` +
          `every req/s above is depressed and latencies inflated; the ratios and the CPU per request are the steadier figures. Rerun on a quiet machine.`,
      ]
    : [];
}

function report(
  context: SectionContext,
  db: ReadDatabase,
  measured: Measured[],
  sameDataLine: string,
  profile: { file: string; load: LoadResult; summary: ProfileSummary } | null,
): SectionReport {
  const { options } = context;
  const baseline = measured.find((m) => m.key === "postgraphile")?.load.requestsPerSecond ?? NaN;
  const table = renderTable(
    [
      { title: "Server", align: "left" },
      { title: "req/s", align: "right" },
      { title: "p50 ms", align: "right" },
      { title: "p99 ms", align: "right" },
      { title: "errors", align: "right" },
      { title: "vs PostGraphile", align: "right" },
    ],
    measured.map((m) => [
      m.label,
      thousands(m.load.requestsPerSecond),
      fixed(m.load.latencyMs.p50, 1),
      fixed(m.load.latencyMs.p99, 1),
      String(m.load.errors),
      `${fixed(m.load.requestsPerSecond / baseline, 2)}×`,
    ]),
  );
  const cpuTable = renderTable(
    [
      { title: "CPU ms per request", align: "left" },
      { title: "server process", align: "right" },
      { title: "PostgreSQL", align: "right" },
      { title: "load generator", align: "right" },
      { title: "cores busy: server + pg + load + other", align: "right" },
    ],
    measured.map((m) => {
      const { seconds, cores } = m.load.cpu;
      return [
        m.label,
        cpuPerRequest(seconds.server, m.load.requests),
        cpuPerRequest(seconds.postgres, m.load.requests),
        cpuPerRequest(seconds.loadGenerator, m.load.requests),
        `${fixed(cores.server, 2)} + ${fixed(cores.postgres, 2)} + ${fixed(cores.loadGenerator, 2)} + ${fixed(cores.other, 2)}`,
      ];
    }),
  );
  const scopgraph = measured.find((m) => m.key === "scopgraph");
  const ratio = scopgraph ? scopgraph.load.requestsPerSecond / baseline : NaN;
  const detailsOf = (key: ServerKey) => measured.find((m) => m.key === key)?.details ?? {};
  const sg = detailsOf("scopgraph");
  const lines = [
    `READ — a page of ${PAGE_SIZE} cooperatives (name, city, skills: code, label, level), by name, over HTTP POST /graphql`,
    `${thousands(db.cooperatives)} cooperatives, ${thousands(db.skills)} skills, ${thousands(db.users)} users (seedDemo); ` +
      `${options.connections} connections, ${options.warmup} s warm-up then ${options.duration} s measured per server (autocannon ${benchModuleVersion("autocannon")})`,
    "",
    table,
    "",
    cpuTable,
    "",
    `Target (at least PostGraphile's throughput): ${Number.isFinite(ratio) ? (ratio >= 1 ? `met, ${fixed(ratio, 2)}×` : `NOT met, ${fixed(ratio, 2)}×`) : "n/a"}`,
    ...singleLoopLimits(measured),
    ...noiseWarning(measured, context.machine.cores),
    "",
    "Notes:",
    `- ${sameDataLine} Every timed response was compared byte for byte with the checked one (a different body counts as an error).`,
    `- Scopgraph: createServer() from ${sg.dir === ROOT_DIR ? "" : `${String(sg.dir)}'s `}${sg.from === "dist" ? "dist/ (npm run build)" : "src/ through ts-node"}, NODE_ENV=${String(sg.nodeEnv)}, ` +
      `LOG_LEVEL=${String(sg.logLevel)} (no per-request log line), MikroORM pool ${String(sg.poolMax)}; signed in once as ${DEMO_ACCOUNTS.admin}, Bearer token on every request; the label comes from the in-memory CPV list.`,
    ...(Number(sg.queryCost) > Number(sg.costLimit)
      ? [
          `- WARNING: Scopgraph's cost limit rejects this query as it stands (HTTP 400: cost ${String(sg.queryCost)} > LIMITS.cost ${String(sg.costLimit)}; ` +
            `src/common/cost.ts multiplies the connection by first: ${PAGE_SIZE} and its edges list by ${"10"} again). For the benchmark, its child process raises LIMITS.cost to ${String(sg.queryCost)}; the cost is still computed on every request.`,
        ]
      : []),
    `- PostGraphile ${String(detailsOf("postgraphile").postgraphile)} (graphql ${String(detailsOf("postgraphile").graphql)}): library middleware on http.createServer, default settings plus disableQueryLog and watchPg: false, ` +
      `its own pg Pool (pg's default, ${String(detailsOf("postgraphile").poolMax)} connections). It is shown only the query's tables (${POSTGRAPHILE_TABLES.join(", ")}): ` +
      `the ${db.omittedFromPostGraphile.length} others carry an @omit smart comment in the bench database, as the app's schema otherwise breaks PostGraphile's naming (bid_events.client_mutation_id); the SQL it runs is the same. The label: a cpv_labels(code, label) table filled from cpvCodes() and a foreign key ` +
      `cooperative_skills.cpv → cpv_labels.code, in the bench database only — PostGraphile's idiomatic path for a lookup table (the relation cpvLabelByCpv, compiled into its single SQL statement), rather than a computed-column function PostgreSQL would call per row.`,
    `- Ceiling: http.createServer, one prepared SQL statement (json_agg of the page and its skills with labels, built by PostgreSQL) on a pg Pool of ${String(detailsOf("ceiling").poolMax)}, PostgreSQL's text sent as the body.`,
    `- Each server runs in its own child process; the load generator runs in this process. The machine's ${context.machine.cores} cores are shared by the server, ` +
      `PostgreSQL and the load generator; "other" is every other process on the machine during the window (anything above ~0.05 cores disturbed the figures).`,
    ...(options.rounds > 1
      ? [
          `- ${options.rounds} interleaved rounds per server; the table shows each server's median round (req/s of the rounds: ${measured.map((m) => `${m.label} ${m.rounds.map((r) => r.toFixed(0)).join("/")}`).join("; ")}).`,
        ]
      : []),
    `- Seeding took ${fixed(db.seedSeconds, 0)} s.`,
  ];
  if (profile) {
    const { summary } = profile;
    const entries = (list: { name: string; ms: number; percent: number }[]) => list.map((e) => `${e.percent.toFixed(1).padStart(5)}%  ${e.name}`);
    lines.push(
      "",
      `Profile of Scopgraph (a separate ${options.duration} s run under the sampling profiler: ${thousands(profile.load.requestsPerSecond)} req/s; ` +
        `busy ${fixed((100 * summary.busyMs) / summary.totalMs, 0)}% of the process's main thread). File: ${path.relative(process.cwd(), profile.file)}`,
      "",
      "Where the time goes — self time by activity (a sample counts for the innermost recognised library on its stack):",
      ...entries(summary.activities.filter((e) => e.percent >= 0.5)),
      "",
      "Self time by package:",
      ...entries(summary.areas.slice(0, 12)),
      "",
      "Top functions by self time:",
      ...entries(summary.functions.slice(0, 25)),
    );
  }
  const json: Json = {
    section: "read",
    query: { scopgraph: SCOPGRAPH_QUERY, postgraphile: POSTGRAPHILE_QUERY, pageSize: PAGE_SIZE },
    database: { ...db },
    options: { connections: options.connections, durationSeconds: options.duration, warmupSeconds: options.warmup, rounds: options.rounds },
    sameData: sameDataLine,
    results: measured.map((m) => ({
      server: m.label,
      key: m.key,
      requestsPerSecond: m.load.requestsPerSecond,
      ratioVsPostGraphile: m.load.requestsPerSecond / baseline,
      latencyMs: { ...m.load.latencyMs },
      requests: m.load.requests,
      seconds: m.load.seconds,
      errors: m.load.errors,
      errorDetail: { ...m.load.errorDetail },
      bytesPerSecond: m.load.bytesPerSecond,
      cpuSeconds: { ...m.load.cpu.seconds },
      roundsRequestsPerSecond: m.rounds,
      details: { ...m.details },
    })),
    targetMet: Number.isFinite(ratio) ? ratio >= 1 : null,
    profile: profile
      ? {
          file: profile.file,
          requestsPerSecond: profile.load.requestsPerSecond,
          totalMs: profile.summary.totalMs,
          busyMs: profile.summary.busyMs,
          areas: profile.summary.areas.map((e) => ({ ...e })),
          activities: profile.summary.activities.map((e) => ({ ...e })),
          functions: profile.summary.functions.map((e) => ({ ...e })),
        }
      : null,
  };
  return { text: lines.join("\n"), json };
}

const read: Section = {
  name: "read",
  title: "Read: a page of 50 cooperatives with their skills",
  async run(context) {
    const { pg, options, log } = context;
    log(`Database ${DATABASE}: recreating on ${pg.where}`);
    const url = await pg.recreateDatabase(DATABASE);
    const children: ServerChild[] = [];
    try {
      const db = await prepareReadDatabase(url, log);
      log(`  ${thousands(db.cooperatives)} cooperatives, ${thousands(db.skills)} skills, ${db.cpvLabels} CPV labels; seeded in ${fixed(db.seedSeconds, 0)} s`);

      log("Starting the servers, each in its own process …");
      const here = __dirname;
      const scopgraphChild = await startServerChild({
        name: "Scopgraph",
        script: path.join(here, "scopgraph-server.ts"),
        env: {
          BENCH_DATABASE_URL: url,
          BENCH_JWT_SECRET: randomBytes(32).toString("base64url"),
          BENCH_LOG_LEVEL: options.logLevel,
          BENCH_SCOPGRAPH_FROM: context.scopgraphFrom,
          ...(options.scopgraphDir ? { BENCH_SCOPGRAPH_DIR: path.resolve(options.scopgraphDir) } : {}),
          NODE_ENV: "production",
        },
      });
      children.push(scopgraphChild);
      const postgraphileChild = await startServerChild({
        name: "PostGraphile",
        script: path.join(here, "postgraphile-server.ts"),
        env: { BENCH_DATABASE_URL: url, NODE_ENV: "production" },
      });
      children.push(postgraphileChild);
      const ceilingChild = await startServerChild({
        name: "ceiling",
        script: path.join(here, "ceiling-server.ts"),
        env: { BENCH_DATABASE_URL: url, NODE_ENV: "production" },
      });
      children.push(ceilingChild);

      const token = await signIn(scopgraphChild.url);
      const contenders = [
        await reference("scopgraph", "Scopgraph", scopgraphChild, SCOPGRAPH_QUERY, { authorization: `Bearer ${token}` }),
        await reference("postgraphile", `PostGraphile ${benchModuleVersion("postgraphile")}`, postgraphileChild, POSTGRAPHILE_QUERY, {}),
        await reference("ceiling", "raw Node+pg ceiling", ceilingChild, SCOPGRAPH_QUERY, {}),
      ];
      const sameDataLine = sameData(contenders);
      log(sameDataLine);

      const measured = await measureAll(contenders, context);
      const scopgraph = measured.find((m) => m.key === "scopgraph");
      const postgraphile = measured.find((m) => m.key === "postgraphile");
      const below = !!scopgraph && !!postgraphile && scopgraph.load.requestsPerSecond < postgraphile.load.requestsPerSecond;
      let profile: Awaited<ReturnType<typeof profileScopgraph>> | null = null;
      if (options.profile === "always" || (options.profile === "auto" && below)) {
        const scopgraphContender = contenders.find((c) => c.key === "scopgraph");
        if (scopgraphContender) profile = await profileScopgraph(scopgraphContender, context);
      }
      return report(context, db, measured, sameDataLine, profile);
    } finally {
      for (const child of children.reverse()) await child.stop();
      if (pg.kind === "external" && !options.keepDatabase) await pg.dropDatabase(DATABASE);
    }
  },
};

export default read;
