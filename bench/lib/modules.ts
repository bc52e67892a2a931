import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { BENCH_DIR, ROOT_DIR } from "./paths";

/**
 * The bench's own tools (PostGraphile, autocannon, pg) live in bench/node_modules, installed from
 * bench/package.json and bench/package-lock.json; the root package.json never lists them.
 * They are loaded at run time, after `ensureBenchModules()`, and typed by the small interfaces
 * next to their use, so that `tsc -p tsconfig.json` passes on a clone where they are not
 * installed.
 */
const BENCH_MODULES = path.join(BENCH_DIR, "node_modules");
const benchRequireRaw = createRequire(path.join(BENCH_DIR, "package.json"));
const rootRequireRaw = createRequire(path.join(ROOT_DIR, "package.json"));

interface Manifest {
  dependencies?: Record<string, string>;
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, "utf8")) as Manifest;
}

/** The pinned versions that are missing or differ in bench/node_modules. */
export function missingBenchModules(): string[] {
  const wanted = readManifest(path.join(BENCH_DIR, "package.json")).dependencies ?? {};
  return Object.entries(wanted).flatMap(([name, version]) => {
    const file = path.join(BENCH_MODULES, name, "package.json");
    if (!existsSync(file)) return [`${name}@${version}`];
    const installed = (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version;
    return installed === version ? [] : [`${name}@${version} (found ${installed ?? "?"})`];
  });
}

/** Installs bench/package.json's pinned tools into bench/node_modules when any is missing. */
export function ensureBenchModules(log: (line: string) => void): void {
  const missing = missingBenchModules();
  if (missing.length === 0) return;
  const locked = existsSync(path.join(BENCH_DIR, "package-lock.json"));
  const args = [locked ? "ci" : "install", "--prefix", BENCH_DIR, "--no-audit", "--no-fund"];
  log(`Installing the bench tools into bench/node_modules (npm ${args.join(" ")}): ${missing.join(", ")}`);
  // npm's output goes to stderr with the progress lines: stdout carries only the report.
  const result = spawnSync("npm", args, { cwd: ROOT_DIR, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error(`npm ${args[0]} --prefix bench failed (exit ${result.status ?? result.signal})`);
  const still = missingBenchModules();
  if (still.length) throw new Error(`bench tools still missing after install: ${still.join(", ")}`);
}

/** Loads a module from bench/node_modules (never the root's), typed by the caller. */
export function benchRequire<T>(id: string): T {
  const resolved = benchRequireRaw.resolve(id);
  if (!resolved.startsWith(BENCH_MODULES + path.sep)) {
    throw new Error(`${id} resolved outside bench/node_modules (${resolved}): run npm ci --prefix bench`);
  }
  return benchRequireRaw(resolved) as T;
}

/** Loads a module as the app resolves it (the root node_modules, or a path under the root). */
export function rootRequire<T>(id: string): T {
  return rootRequireRaw(id) as T;
}

/** The version of a package installed for the bench. */
export function benchModuleVersion(name: string): string {
  const file = path.join(BENCH_MODULES, name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}
