import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT_DIR } from "./paths";

/** The parts of a V8 .cpuprofile the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Busy time: every sample that is not (idle). */
  busyMs: number;
  /** Self time per function. */
  functions: ProfileEntry[];
  /** Self time per package (node_modules/<name>), Node's own code, the app's src/, GC, idle. */
  areas: ProfileEntry[];
  /**
   * Self time by activity: each sample goes to the innermost frame on its stack that an
   * ACTIVITIES rule recognises (so pg-protocol under MikroORM counts as the driver, MikroORM's
   * identity map under a resolver counts as hydration). Stacks restart at every await, which
   * makes "inclusive" time per caller meaningless; this view does not depend on callers.
   */
  activities: ProfileEntry[];
}

interface Frame {
  functionName: string;
  url: string;
}

/** Innermost first wins; order matters where rules overlap. */
const ACTIVITIES: [string, (f: Frame) => boolean][] = [
  ["GC", (f) => f.functionName === "(garbage collector)"],
  ["(idle)", (f) => f.functionName === "(idle)"],
  ["MikroORM: entity hydration, identity map, unit of work", (f) => /@mikro-orm\/core\/(entity|unit-of-work|hydration)\//.test(f.url)],
  ["MikroORM: query building (QueryBuilder, knex)", (f) => /@mikro-orm\/knex\/query|node_modules\/knex\//.test(f.url)],
  [
    "pg driver: protocol and row parsing",
    (f) => /node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-array|postgres-date|postgres-interval|postgres-bytea)\//.test(f.url),
  ],
  ["MikroORM: EntityManager, driver, utils", (f) => /@mikro-orm\//.test(f.url)],
  ["PostGraphile / graphile", (f) => /node_modules\/(postgraphile|graphile-[^/]+|pg-sql2|@graphile)\//.test(f.url)],
  ["DataLoader", (f) => /node_modules\/dataloader\//.test(f.url)],
  ["type-graphql resolver wrappers", (f) => /node_modules\/type-graphql\//.test(f.url)],
  [
    "Apollo: cache-control and field instrumentation (per field)",
    (f) => /@apollo\/server\/dist\/cjs\/(plugin\/cacheControl|utils\/schemaInstrumentation)/.test(f.url),
  ],
  ["Apollo: JSON.stringify of the response", (f) => f.functionName === "prettyJSONStringify"],
  ["graphql-js: parse, validate, execute", (f) => /node_modules\/graphql\//.test(f.url)],
  ["Apollo: request pipeline", (f) => /@apollo\//.test(f.url)],
  ["JWT verification (jose)", (f) => /node_modules\/jose\//.test(f.url)],
  [
    "express, body-parser, cors",
    (f) => /node_modules\/(express|body-parser|cors|router|raw-body|content-type|type-is|finalhandler|send|etag|@as-integrations\/[^/]+)\//.test(f.url),
  ],
  ["logging (pino)", (f) => /node_modules\/pino/.test(f.url)],
  ["Scopgraph src/", (f) => !f.url.includes("node_modules") && /\/(dist\/)?src\//.test(f.url)],
];

function activityOf(stack: Frame[]): string {
  for (const frame of stack) {
    for (const [name, test] of ACTIVITIES) if (test(frame)) return name;
  }
  const leaf = stack[0];
  if (!leaf) return "other";
  if (leaf.url.startsWith("node:")) return "Node core: http, net, streams";
  return leaf.url ? "other JavaScript" : `native: ${leaf.functionName || "?"}`;
}

function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === "(garbage collector)") return "GC";
    if (functionName === "(idle)") return "(idle)";
    if (functionName === "(program)") return "(program: V8/native outside JS)";
    return functionName ? `native: ${functionName}` : "native";
  }
  if (url.startsWith("node:")) return "Node core (http, net, streams, …)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? url);
  }
  const file = url.replace(/^file:\/\//, "");
  if (file.startsWith(ROOT_DIR)) {
    const relative = path.relative(ROOT_DIR, file);
    return relative.startsWith("dist/src/") || relative.startsWith("src/") ? "Scopgraph src/" : (relative.split("/")[0] ?? relative);
  }
  return "other";
}

function label(callFrame: { functionName: string; url: string; lineNumber: number }): string {
  const name = callFrame.functionName || "(anonymous)";
  if (!callFrame.url) return name;
  const file = callFrame.url.replace(/^file:\/\//, "");
  const modules = file.lastIndexOf("node_modules/");
  const short = modules >= 0 ? file.slice(modules + "node_modules/".length) : file.startsWith(ROOT_DIR) ? path.relative(ROOT_DIR, file) : file;
  return `${name} ${short}:${callFrame.lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, count: number): ProfileEntry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total }));
}

/** Self and inclusive time from a V8 CPU profile, by function and by package. */
export function summarizeProfile(file: string, count = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  // timeDeltas[i + 1] is the time between sample i and the next one: the time spent in sample i.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  const activities = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    if (area === "(idle)") idle += us;
    functions.set(label(node.callFrame), (functions.get(label(node.callFrame)) ?? 0) + us);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame && frame.callFrame.functionName !== "(root)") stack.push(frame.callFrame);
    }
    const activity = activityOf(stack);
    activities.set(activity, (activities.get(activity) ?? 0) + us);
  }
  return {
    totalMs: total / 1000,
    busyMs: (total - idle) / 1000,
    functions: top(functions, total, count),
    areas: top(areas, total, count),
    activities: top(activities, total, count),
  };
}
