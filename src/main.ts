import "reflect-metadata";
import { createAppServices } from "./app";
import { createLogger } from "./common/logger";
import { ConfigError, loadConfig } from "./config";
import { openDatabase, withStartupLock } from "./db/database";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded";
import { seedIfEmpty } from "./db/seed";
import { PgBus } from "./realtime/bus";
import { createServer } from "./server";

/** Process entry: config, database (embedded unless DATABASE_URL), migrations, server, signals. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: "scopgraph", log, gracefulSignals: true });
    url = embedded.url;
    log.info({ port: config.embeddedPgPort, dataDir: config.dataDir }, "embedded PostgreSQL started");
  }
  const orm = await openDatabase(url, log);
  if (config.seedDemo) await withStartupLock(url, () => seedIfEmpty(orm.em.fork(), log));
  const bus = await PgBus.start(url, log);
  const app = createAppServices(orm, config, log, bus);
  await app.mailer.start();
  await app.jobs.start();
  const server = await createServer(app, { port: config.port, host: config.host });
  log.info({ url: server.url }, `Scopgraph ready at ${server.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: finishing requests in flight");
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    try {
      await server.close();
      log.debug("server closed");
      // Jobs in flight finish (or are retried by another instance after they expire).
      await app.jobs.stop();
      await app.mailer.stop();
      await bus.stop();
      await orm.close();
      log.debug("database connections closed");
      await embedded?.stop();
      log.info("stopped");
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "unclean shutdown");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
