import "reflect-metadata";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { createLogger } from "../common/logger";
import { loadConfig } from "../config";
import { startEmbeddedPostgres } from "../db/embedded";
import { restoreBackup, RestoreError } from "../ops/backup";

/**
 * `npm run restore -- <file>`: brings a backup back into an empty database: DATABASE_URL (a
 * database with no tables), or, without it, a new embedded cluster in DATA_DIR (which must not
 * hold one yet). Start the server on it afterwards.
 */
async function run(): Promise<void> {
  const file = process.argv[2];
  if (!file || !existsSync(file)) throw new RestoreError("Usage: npm run restore -- <backup file> (the file must exist).");
  const config = loadConfig();
  const log = createLogger(config.logLevel === "silent" ? "silent" : "info");
  if (!config.databaseUrl && existsSync(path.join(config.dataDir, "pg")) && readdirSync(path.join(config.dataDir, "pg")).length > 0) {
    throw new RestoreError(`${config.dataDir} already holds a database: restore into a new DATA_DIR (or move this one away).`);
  }
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: "scopgraph", log });
  try {
    const summary = await restoreBackup(config.databaseUrl ?? embedded?.url ?? "", createReadStream(path.resolve(file)));
    log.info({ file, ...summary }, "backup restored");
  } finally {
    await embedded?.stop();
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof RestoreError ? error.message : error);
  process.exit(1);
});
