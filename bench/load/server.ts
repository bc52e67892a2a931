/**
 * Child process of bench/load: Scopgraph as `npm start` runs it (MikroORM, PgBus,
 * createAppServices, createServer), from dist/ or, with BENCH_SCOPGRAPH_FROM=src, from src/
 * through ts-node. Unlike bench/read's child, it changes no limit: the load section measures the
 * limits as they ship. Only type imports name src/ here, so that the app's decorators register
 * once, from the tree chosen.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type * as MikroOrmPostgres from "@mikro-orm/postgresql";
import type * as AppModule from "../../src/app";
import type * as LimitsModule from "../../src/common/limits";
import type * as LoggerModule from "../../src/common/logger";
import type * as ConfigModule from "../../src/config";
import type * as OrmConfigModule from "../../src/db/mikro-orm.config";
import type * as BusModule from "../../src/realtime/bus";
import type * as ServerModule from "../../src/server";
import { runServerChild } from "../lib/child-runtime";
import { ROOT_DIR } from "../lib/paths";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

runServerChild(async () => {
  const from = process.env.BENCH_SCOPGRAPH_FROM === "src" ? "src" : "dist";
  const dir = process.env.BENCH_SCOPGRAPH_DIR ?? ROOT_DIR;
  const base = from === "dist" ? path.join(dir, "dist") : dir;
  const requireFromApp = createRequire(path.join(dir, "package.json"));
  const rootRequire = <T>(id: string) => requireFromApp(id) as T;
  const app = <T>(module: string) => rootRequire<T>(path.join(base, module));
  rootRequire<object>("reflect-metadata");
  const { MikroORM } = rootRequire<typeof MikroOrmPostgres>("@mikro-orm/postgresql");
  const { ormConfig } = app<typeof OrmConfigModule>("src/db/mikro-orm.config");
  const { loadConfig } = app<typeof ConfigModule>("src/config");
  const { createLogger } = app<typeof LoggerModule>("src/common/logger");
  const { createAppServices } = app<typeof AppModule>("src/app");
  const { PgBus } = app<typeof BusModule>("src/realtime/bus");
  const { createServer } = app<typeof ServerModule>("src/server");
  const { LIMITS } = app<typeof LimitsModule>("src/common/limits");

  const url = env("BENCH_DATABASE_URL");
  const config = loadConfig({
    NODE_ENV: "production",
    DATABASE_URL: url,
    JWT_SECRET: env("BENCH_JWT_SECRET"),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
    HOST: "127.0.0.1",
    PORT: "0",
    SEED_DEMO: "false",
    // Every simulated client comes from 127.0.0.1.
    WS_SOCKETS_PER_ADDRESS: "5000",
  });
  const log = createLogger(config.logLevel);
  // As main.ts does, less the migrations (the section has applied them) and the seed.
  const orm = await MikroORM.init(ormConfig(url));
  const bus = await PgBus.start(url, log);
  const server = await createServer(createAppServices(orm, config, log, bus), { port: 0, host: "127.0.0.1" });
  const pool = orm.config.get("pool");
  return {
    url: server.url,
    details: {
      from,
      dir,
      nodeEnv: config.env,
      logLevel: config.logLevel,
      poolMax: pool?.max ?? "default",
      depth: LIMITS.depth,
      aliases: LIMITS.aliases,
      directives: LIMITS.directives,
      tokens: LIMITS.tokens,
      cost: LIMITS.cost,
      pageSize: LIMITS.pageSize,
      bodyBytes: LIMITS.bodyBytes,
    },
    async close() {
      await server.close();
      await bus.stop();
      await orm.close(true);
    },
  };
});
