/**
 * Runs bench/live on its own: `npx ts-node --transpile-only bench/live/main.ts [--clients N]
 * [--rate R] [--duration S] [--rounds N] [--threads N] [--idle N] [--writers N] [--from dist|src]`, against DATABASE_URL (default: the local
 * PostgreSQL of the development machines).
 */
import { runLive } from "./index";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const number = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));

runLive({
  databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  clients: number("clients"),
  rate: number("rate"),
  durationMs: number("duration") === undefined ? undefined : number("duration")! * 1000,
  idleClients: number("idle"),
  rounds: number("rounds"),
  editorThreads: number("threads"),
  throughputClients: number("writers"),
  scopgraphFrom: arg("from") === "dist" ? "dist" : "src",
}).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
