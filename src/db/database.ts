import { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { driverLog, ormConfig } from "./mikro-orm.config";

/** Connects and applies pending migrations. */
export async function openDatabase(url: string, log: Logger): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(url, driverLog(log)));
  const applied = await orm.getMigrator().up();
  if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, "migrations applied");
  return orm;
}

/** For /readyz: the database answers and no migration is pending. */
export async function databaseReady(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute("SELECT 1");
    const pending = await orm.getMigrator().getPendingMigrations();
    return pending.length === 0;
  } catch {
    return false;
  }
}
