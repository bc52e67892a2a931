/**
 * `npm run bench`: the benchmarks of bench/<section>/, one after the other, on one PostgreSQL
 * server (DATABASE_URL's, or the embedded one in a temporary folder). Prints the machine, then a
 * table per benchmark, and writes the same as JSON under bench/results/.
 *
 *   npm run bench -- --only read --duration 10
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs, USAGE, UsageError, type BenchOptions } from "./lib/args";
import { startPgServer, type PgServer } from "./lib/database";
import { describeMachine, machineLines } from "./lib/machine";
import { ensureBenchModules } from "./lib/modules";
import { RESULTS_DIR, ROOT_DIR } from "./lib/paths";
import type { Json, Section } from "./lib/section";

/** Every benchmark, in the order they run; a new one adds a line here and a folder bench/<name>/. */
const SECTIONS: { name: string; load: () => Promise<Section> }[] = [
  // require(), not import(): ts-node's CommonJS hook loads the section's TypeScript.
  { name: "read", load: async () => (require("./read") as { default: Section }).default },
  { name: "matching", load: async () => (require("./matching") as { default: Section }).default },
  { name: "live", load: async () => (require("./live") as { default: Section }).default },
  { name: "load", load: async () => (require("./load") as { default: Section }).default },
];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** dist/ as `npm start` runs it; src/ through ts-node when asked, or when the build fails. */
function prepareScopgraph(options: BenchOptions): "dist" | "src" {
  if (options.scopgraphFrom === "src" || options.scopgraphDir) return "src";
  if (!options.build) {
    if (existsSync(path.join(ROOT_DIR, "dist/src/server.js"))) return "dist";
    log("dist/src/server.js is missing and --no-build was given: running Scopgraph from src/ through ts-node.");
    return "src";
  }
  log("Building Scopgraph (npm run build) …");
  const started = Date.now();
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT_DIR, encoding: "utf8" });
  if (build.status === 0) return "dist";
  const output = `${build.stdout ?? ""}${build.stderr ?? ""}`.trim().split("\n");
  const errors = output.filter((line) => /error TS\d+/.test(line));
  const server = path.join(ROOT_DIR, "dist/src/server.js");
  // tsc writes its output despite type errors (elsewhere in a tree others are editing).
  if (errors.length && existsSync(server) && statSync(server).mtimeMs >= started) {
    log(`npm run build reported ${errors.length} type error(s), but emitted dist/; running Scopgraph from it. First errors:`);
    log(
      errors
        .slice(0, 5)
        .map((line) => `  ${line}`)
        .join("\n"),
    );
    return "dist";
  }
  log(`npm run build failed (exit ${build.status ?? build.signal}); running Scopgraph from src/ through ts-node instead:`);
  log(output.slice(-15).join("\n"));
  return "src";
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const unknown = options.only.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length) throw new UsageError(`unknown section ${unknown.join(", ")}; available: ${SECTIONS.map((s) => s.name).join(", ")}`);
  const selected = SECTIONS.filter((s) => options.only.length === 0 || options.only.includes(s.name));

  ensureBenchModules(log);
  const scopgraphFrom = prepareScopgraph(options);
  mkdirSync(RESULTS_DIR, { recursive: true });

  let pg: PgServer | null = null;
  const stopPg = async () => {
    const server = pg;
    pg = null;
    await server?.stop();
  };
  process.once("SIGINT", () => {
    void stopPg().finally(() => process.exit(130));
  });
  try {
    pg = await startPgServer(log);
    const machine = describeMachine(pg.version, pg.kind);
    const stamp = machine.date.replace(/[:.]/g, "-");
    const resultsPrefix = stamp;
    console.log(machineLines(machine).join("\n"));
    console.log("");

    const reports: Record<string, Json> = {};
    for (const entry of selected) {
      const section = await entry.load();
      log(`\n== ${section.title} ==`);
      const report = await section.run({ options, pg, machine, scopgraphFrom, resultsPrefix, log });
      console.log(report.text);
      console.log("");
      reports[section.name] = report.json;
    }

    const file = path.join(RESULTS_DIR, `${resultsPrefix}.json`);
    const json: Json = {
      machine: { ...machine },
      options: {
        only: options.only,
        duration: options.duration,
        warmup: options.warmup,
        connections: options.connections,
        rounds: options.rounds,
        scopgraphFrom,
        scopgraphDir: options.scopgraphDir,
        logLevel: options.logLevel,
      },
      sections: reports,
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(path.join(RESULTS_DIR, "latest.json"), `${JSON.stringify(json, null, 2)}\n`);
    console.log(`Results: ${path.relative(process.cwd(), file)}`);
  } finally {
    await stopPg();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
