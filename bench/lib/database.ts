import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import pino from "pino";
import { startEmbeddedPostgres } from "../../src/db/embedded";
import { parentPid } from "./cpu";

/** The PostgreSQL server the benchmarks run on; each benchmark gets a database of its own. */
export interface PgServer {
  kind: "external" | "embedded";
  /** `PostgreSQL 17.6 on x86_64-pc-linux-gnu, …` */
  version: string;
  /** Where it is, without the password. */
  where: string;
  /** The postmaster's pid when it runs on this machine (to count its backends' CPU), else null. */
  postmasterPid: number | null;
  urlOf(database: string): string;
  /** Drops (with force) and creates `database`; returns its URL. */
  recreateDatabase(database: string): Promise<string>;
  dropDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Version, and the postmaster's pid: the parent of our backend's process, when /proc shows it. */
async function inspect(adminUrl: string): Promise<{ version: string; postmasterPid: number | null }> {
  return withClient(adminUrl, async (client) => {
    const row = (await client.query<{ v: string; pid: number }>("SELECT version() AS v, pg_backend_pid() AS pid")).rows[0];
    const local = ["127.0.0.1", "localhost", "[::1]", ""].includes(new URL(adminUrl).hostname);
    return { version: row?.v ?? "?", postmasterPid: local && row ? parentPid(row.pid) : null };
  });
}

function pgServer(kind: PgServer["kind"], adminUrl: string, found: { version: string; postmasterPid: number | null }, stop: () => Promise<void>): PgServer {
  const ident = (name: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    return name;
  };
  return {
    kind,
    version: found.version,
    postmasterPid: found.postmasterPid,
    where: redacted(adminUrl),
    urlOf: (database) => withDatabase(adminUrl, database),
    async recreateDatabase(database) {
      await withClient(adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${ident(database)} WITH (FORCE)`);
        await client.query(`CREATE DATABASE ${ident(database)}`);
      });
      return withDatabase(adminUrl, database);
    },
    async dropDatabase(database) {
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${ident(database)} WITH (FORCE)`));
    },
    stop,
  };
}

/**
 * DATABASE_URL's server when it is set (the benchmarks create their own databases there and
 * never touch the one the URL names), otherwise the app's embedded PostgreSQL in a temporary
 * folder, removed at the end.
 */
export async function startPgServer(log: (line: string) => void): Promise<PgServer> {
  const given = process.env.DATABASE_URL?.trim();
  if (given) {
    const adminUrl = withDatabase(given, "postgres");
    return pgServer("external", adminUrl, await inspect(adminUrl), async () => {});
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "scopgraph-bench-"));
  const port = await freePort();
  log(`Starting the embedded PostgreSQL (DATABASE_URL is not set) on 127.0.0.1:${port}, data in ${dataDir}`);
  const embedded = await startEmbeddedPostgres({ dataDir, port, database: "postgres", log: pino({ level: "warn" }) });
  const adminUrl = embedded.url;
  try {
    return pgServer("embedded", adminUrl, await inspect(adminUrl), async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
  } catch (error) {
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
