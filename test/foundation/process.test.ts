import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, until } from "../helpers/wait";

/**
 * The real entry point, as `npm start` runs it, on the embedded PostgreSQL: it starts, answers
 * /readyz, survives a SIGKILL of the previous run (stale postmaster.pid), and stops cleanly on
 * SIGTERM, database included.
 */
const ROOT = path.resolve(__dirname, "../..");
let dataDir: string;

function start(port: number, pgPort: number): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    EMBEDDED_PG_PORT: String(pgPort),
    DATA_DIR: dataDir,
    SEED_DEMO: "false",
    LOG_LEVEL: "warn",
    NODE_ENV: "development",
  };
  delete env.DATABASE_URL;
  return spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
}

async function waitReady(port: number, timeoutMs = 60_000): Promise<void> {
  // Not listening yet throws, and is tried again.
  await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, { label: `/readyz on port ${port}`, timeoutMs, intervalMs: 250 });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
}

function postgresPid(): number | null {
  const file = path.join(dataDir, "pg", "postmaster.pid");
  return existsSync(file) ? Number(readFileSync(file, "utf8").split("\n")[0]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "scopgraph-process-"));
});
afterAll(() => {
  const pid = postgresPid();
  if (pid && alive(pid)) process.kill(pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

test("starts on the embedded database, restarts after SIGKILL, and stops cleanly on SIGTERM", async () => {
  const [port, pgPort] = [await freePort(), await freePort()];
  const first = start(port, pgPort);
  await waitReady(port, 120_000);
  expect(existsSync(path.join(dataDir, "jwt-secret"))).toBe(true);
  first.kill("SIGKILL");
  await exited(first);
  const orphan = postgresPid();
  expect(orphan).not.toBeNull();

  const second = start(port, pgPort);
  await waitReady(port);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  const pg = postgresPid();
  expect(pg).not.toBeNull();
  second.kill("SIGTERM");
  expect(await exited(second)).toBe(0);
  expect(alive(pg as number)).toBe(false);
}, 240_000);
