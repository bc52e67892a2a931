import "reflect-metadata";
import { createWriteStream, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { createLogger } from "../common/logger";
import { loadConfig } from "../config";
import { runningEmbeddedUrl, startEmbeddedPostgres } from "../db/embedded";
import { writeBackup } from "../ops/backup";

/**
 * `npm run backup [-- <file>]`: a consistent backup of the configured database (DATABASE_URL, or
 * the embedded one under DATA_DIR, started for the occasion when no server runs on it), written
 * to `<file>` or `backups/scopgraph-<time>.sgbackup`. The server may keep running meanwhile.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === "silent" ? "silent" : "info");
  const file = path.resolve(process.argv[2] ?? path.join("backups", `scopgraph-${new Date().toISOString().replace(/[:.]/g, "-")}.sgbackup`));
  mkdirSync(path.dirname(file), { recursive: true });
  let url = config.databaseUrl ?? runningEmbeddedUrl(config.dataDir, config.embeddedPgPort, "scopgraph");
  const embedded = url ? null : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: "scopgraph", log });
  url ??= embedded?.url ?? "";
  try {
    // Written beside, then renamed: a file named like a backup is always a whole one.
    const partial = `${file}.partial`;
    const summary = await writeBackup(url, createWriteStream(partial));
    renameSync(partial, file);
    log.info({ file, ...summary }, "backup written");
    console.log(file);
  } finally {
    await embedded?.stop();
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
