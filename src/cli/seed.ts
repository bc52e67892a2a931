import "reflect-metadata";
import { createLogger } from "../common/logger";
import { loadConfig } from "../config";
import { openDatabase } from "../db/database";
import { startEmbeddedPostgres } from "../db/embedded";
import { seedIfEmpty } from "../db/seed";

/** `npm run seed`: loads the demo data into the configured (or embedded) database when empty. */
async function run(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: "scopgraph", log });
  const orm = await openDatabase(config.databaseUrl ?? (embedded?.url as string), log);
  try {
    await seedIfEmpty(orm.em.fork(), log);
  } finally {
    await orm.close();
    await embedded?.stop();
  }
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
