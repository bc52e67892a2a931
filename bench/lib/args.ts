export interface BenchOptions {
  /** Sections to run; empty means all. */
  only: string[];
  /** Seconds of measured load per server. */
  duration: number;
  /** Seconds of unmeasured load first. */
  warmup: number;
  connections: number;
  /** Measured runs per server, interleaved; the run with the median req/s is reported. */
  rounds: number;
  /** Profile Scopgraph: "auto" when it is below PostGraphile. */
  profile: "auto" | "always" | "never";
  /** Load Scopgraph from dist/ (built with `npm run build`) or from src/ through ts-node. */
  scopgraphFrom: "dist" | "src";
  /** Another checkout of Scopgraph to benchmark (a worktree with a fix), run from its src/. */
  scopgraphDir: string | null;
  build: boolean;
  /** Scopgraph's LOG_LEVEL; `warn` drops its per-request log line, as PostGraphile's disableQueryLog does. */
  logLevel: string;
  keepDatabase: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --only <names>        sections to run, comma-separated (available: read)
  --duration <seconds>  measured load per server (default 10)
  --warmup <seconds>    unmeasured load before it (default 2)
  --connections <n>     concurrent connections (default 20)
  --rounds <n>          measured runs per server, interleaved; the median is reported (default 1)
  --profile             always profile Scopgraph (default: only when it is below PostGraphile)
  --no-profile          never profile
  --from-src            run Scopgraph from src/ through ts-node instead of dist/
  --no-build            use dist/ as it is, without \`npm run build\`
  --scopgraph-dir <dir> benchmark the Scopgraph of another checkout (e.g. a git worktree with a
                        fix, its node_modules installed or linked), from its src/ through ts-node
  --log-level <level>   Scopgraph's LOG_LEVEL (default warn: no per-request log line)
  --keep-db             keep the benchmark databases on DATABASE_URL's server

DATABASE_URL: a PostgreSQL server to use (the bench creates and drops scopgraph_bench there);
unset, the embedded PostgreSQL runs in a temporary folder.`;

/** A mistake on the command line: printed without a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

function positive(name: string, raw: string | undefined, integer: boolean): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${name} needs a positive ${integer ? "integer" : "number"}, got ${raw ?? "nothing"}`);
  }
  return value;
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    only: [],
    duration: 10,
    warmup: 2,
    connections: 20,
    rounds: 1,
    profile: "auto",
    scopgraphFrom: "dist",
    scopgraphDir: null,
    build: true,
    logLevel: "warn",
    keepDatabase: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes("=") ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--only":
        options.only.push(
          ...(value() ?? "")
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        );
        break;
      case "--duration":
        options.duration = positive("--duration", value(), false);
        break;
      case "--warmup":
        options.warmup = positive("--warmup", value(), false);
        break;
      case "--connections":
        options.connections = positive("--connections", value(), true);
        break;
      case "--rounds":
        options.rounds = positive("--rounds", value(), true);
        break;
      case "--profile":
        options.profile = "always";
        break;
      case "--no-profile":
        options.profile = "never";
        break;
      case "--from-src":
        options.scopgraphFrom = "src";
        break;
      case "--scopgraph-dir":
        options.scopgraphDir = value() ?? null;
        break;
      case "--no-build":
        options.build = false;
        break;
      case "--log-level":
        options.logLevel = value() ?? "warn";
        break;
      case "--keep-db":
        options.keepDatabase = true;
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  return options;
}
