import { MikroORM } from "@mikro-orm/postgresql";
import { Client } from "pg";
import type { Logger } from "pino";
import { driverLog, ormConfig } from "./mikro-orm.config";

/**
 * Runs `work` while holding a session advisory lock on its own connection: instances starting
 * together (a rolling deploy, `compose up` with two replicas) take turns, so a migration or the
 * demo seed runs once and the others find it done.
 */
export async function withStartupLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const lock = new Client({ connectionString: url, application_name: "scopgraph-startup" });
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext('scopgraph-startup'))");
    return await work();
  } finally {
    await lock.end().catch(() => undefined);
  }
}

/** Connects and applies pending migrations, one instance at a time. */
export async function openDatabase(url: string, log: Logger): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(url, driverLog(log)));
  try {
    const applied = await withStartupLock(url, () => orm.getMigrator().up());
    if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, "migrations applied");
  } catch (error) {
    await orm.close(true);
    throw error;
  }
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
