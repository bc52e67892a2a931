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
  /** Inclusive time of the stacks that run through each package: who calls the time. */
  inclusiveAreas: ProfileEntry[];
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
    return relative.startsWith("dist/src/") || relative.startsWith("src/") ? "Scopgraph src/" : relative.split("/")[0] ?? relative;
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
  const inclusive = new Map<string, number>();
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
    // Every area on the stack gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame || frame.callFrame.functionName === "(root)") continue;
      seen.add(areaOf(frame.callFrame.url, frame.callFrame.functionName));
    }
    for (const a of seen) inclusive.set(a, (inclusive.get(a) ?? 0) + us);
  }
  return {
    totalMs: total / 1000,
    busyMs: (total - idle) / 1000,
    functions: top(functions, total, count),
    areas: top(areas, total, count),
    inclusiveAreas: top(inclusive, total, count),
  };
}
