import { defineConfig, type Options } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import path from "node:path";
import type { Logger } from "pino";
import { ENTITIES } from "./entities";

/**
 * knex's own messages (a pooled connection that died during an outage, a deprecation) into the
 * app's log as structured lines, instead of knex's default `console.log`.
 */
export function driverLog(log: Logger): { driverOptions: Record<string, unknown> } {
  const line = (level: "debug" | "warn" | "error") => (message: unknown) => log[level]({ driver: message }, "database driver message");
  return { driverOptions: { log: { debug: line("debug"), warn: line("warn"), error: line("error"), deprecate: line("warn") } } };
}

/**
 * One configuration for the app, the tests and the MikroORM CLI. Migrations are TypeScript under
 * `migrations/`, compiled next to the app in `dist/migrations/`.
 */
export function ormConfig(clientUrl: string, overrides: Partial<Options> = {}): Options {
  const compiled = __filename.endsWith(".js");
  const root = path.resolve(__dirname, compiled ? "../../.." : "../..");
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    discovery: { requireEntitiesArray: true },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
    pool: { min: 0, max: 20 },
    migrations: {
      tableName: "mikro_orm_migrations",
      path: path.join(root, compiled ? "dist/migrations" : "migrations"),
      pathTs: path.join(root, "migrations"),
      glob: compiled ? "!(*.d).js" : "!(*.d).{js,ts}",
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: "ts",
      silent: true,
    },
    ...overrides,
  });
}

/** Used by `npx mikro-orm` (see package.json `mikro-orm.configPaths`). */
export default ormConfig(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/scopgraph_dev");
