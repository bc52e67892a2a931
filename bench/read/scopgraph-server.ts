/**
 * Child process: Scopgraph as `npm start` runs it (src/main.ts: MikroORM, PgBus,
 * createAppServices, createServer), from dist/ (compiled by `npm run build`) or, with BENCH_SCOPGRAPH_FROM=src, from
 * src/ through ts-node. Only type imports name src/ here: at run time every app module comes
 * from the one tree chosen, so its decorators register once.
 */
import path from "node:path";
import type * as AppModule from "../../src/app";
import type * as ConfigModule from "../../src/config";
import type * as LoggerModule from "../../src/common/logger";
import type * as OrmConfigModule from "../../src/db/mikro-orm.config";
import type * as CostModule from "../../src/common/cost";
import type * as LimitsModule from "../../src/common/limits";
import type * as BusModule from "../../src/realtime/bus";
import type * as SchemaModule from "../../src/schema";
import type * as ServerModule from "../../src/server";
import type * as MikroOrmPostgres from "@mikro-orm/postgresql";
import { runServerChild } from "../lib/child-runtime";
import { createRequire } from "node:module";
import { ROOT_DIR } from "../lib/paths";
import { SCOPGRAPH_QUERY } from "./queries";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

runServerChild(async () => {
  const from = process.env.BENCH_SCOPGRAPH_FROM === "src" ? "src" : "dist";
  // This repository, or another checkout given with --scopgraph-dir; its own node_modules.
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

  const url = env("BENCH_DATABASE_URL");
  const config = loadConfig({
    NODE_ENV: "production",
    DATABASE_URL: url,
    JWT_SECRET: env("BENCH_JWT_SECRET"),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
    HOST: "127.0.0.1",
    PORT: "0",
    SEED_DEMO: "false",
  });
  const log = createLogger(config.logLevel);

  // The cost limit must let the benchmark's query through: when the app's own cost function
  // prices it above LIMITS.cost, the limit is raised to that price in this process only (the
  // cost is still computed and checked on every request), and the report says so.
  const { LIMITS } = app<typeof LimitsModule>("src/common/limits");
  const { operationCost } = app<typeof CostModule>("src/common/cost");
  const { buildSchema } = app<typeof SchemaModule>("src/schema");
  // The app's graphql (the root's), not bench/node_modules' 15.x that PostGraphile uses.
  const { parse } = rootRequire<{ parse: (source: string) => Parameters<typeof CostModule.operationCost>[1] }>("graphql");
  const cost = operationCost(await buildSchema(), parse(SCOPGRAPH_QUERY), null, {});
  const costLimit = LIMITS.cost;
  if (cost > costLimit) (LIMITS as { cost: number }).cost = cost;

  // As main.ts does, less the migrations (the bench has applied them) and the seed.
  const orm = await MikroORM.init(ormConfig(url));
  const bus = await PgBus.start(url, log);
  const server = await createServer(createAppServices(orm, config, log, bus), { port: 0, host: "127.0.0.1" });
  const pool = orm.config.get("pool");
  return {
    url: server.url,
    details: { from, dir, nodeEnv: config.env, logLevel: config.logLevel, poolMax: pool?.max ?? "default", queryCost: cost, costLimit },
    async close() {
      await server.close();
      await bus.stop();
      await orm.close(true);
    },
  };
});
