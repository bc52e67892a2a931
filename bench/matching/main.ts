/**
 * Standalone: `npx ts-node --transpile-only bench/matching/main.ts [--sizes 1000,10000,100000]
 * [--iterations 40] [--warmup 5] [--from src|dist] [--phase-runs 7] [--keep-db]`.
 * DATABASE_URL: a PostgreSQL server to use (the bench creates and drops its own database there);
 * unset, the embedded PostgreSQL runs in a temporary folder.
 */
import "reflect-metadata";
import { runMatching, type MatchingOptions } from "./index";

function parse(argv: readonly string[]): MatchingOptions {
  const options: MatchingOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes("=") ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (v: string) => {
      const n = Number(v.replace(/_/g, ""));
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs positive integers, got ${v}`);
      return n;
    };
    switch (flag) {
      case "--sizes":
        options.sizes = value()
          .split(",")
          .map((s) => int(s.trim()));
        break;
      case "--iterations":
        options.iterations = int(value());
        break;
      case "--warmup":
        options.warmup = int(value());
        break;
      case "--phase-runs":
        options.phaseRuns = int(value());
        break;
      case "--from": {
        const from = value();
        if (from !== "src" && from !== "dist") throw new Error("--from is src or dist");
        options.scopgraphFrom = from;
        break;
      }
      case "--keep-db":
        options.keepDatabase = true;
        break;
      case "--database-url":
        options.databaseUrl = value();
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}

runMatching(parse(process.argv.slice(2))).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
