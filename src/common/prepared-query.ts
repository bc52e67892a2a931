import { createHash } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";

/** What this module uses of a pg client from MikroORM's pool. */
interface PgClient {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

interface Pool {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(client: PgClient): unknown;
}

/** Statement texts and their names; a directory has few shapes (filters × orders). */
const MAX_STATEMENTS = 256;
const names = new Map<string, { text: string; name: string }>();

/** `?` placeholders (MikroORM's style) as `$1`, `$2`…; the SQL of this module's callers has no other `?`. */
function statementOf(sql: string): { text: string; name: string } {
  const known = names.get(sql);
  if (known) return known;
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
  const statement = { text, name: `sg_${createHash("sha1").update(text).digest("base64url").slice(0, 20)}` };
  if (names.size >= MAX_STATEMENTS) names.clear();
  names.set(sql, statement);
  return statement;
}

/**
 * Runs a statement (a read, or a write outside any transaction) as a named prepared statement on
 * a connection of MikroORM's pool, its values bound, not inlined (a Buffer goes as binary):
 * PostgreSQL parses and plans each shape once per connection, and no query builder runs
 * (MikroORM's `execute` inlines every value into a new text, through knex, on each call:
 * bench/read found that a tenth of a directory page's CPU). Inside a transaction it goes through
 * the entity manager's own connection as before.
 */
export async function preparedRows<R>(em: EntityManager, sql: string, values: readonly unknown[]): Promise<R[]> {
  const connection = em.getConnection();
  if (em.isInTransaction()) return connection.execute<R[]>(sql, [...values]);
  const pool = connection.getKnex().client as Pool;
  const { text, name } = statementOf(sql);
  const started = Date.now();
  const client = await pool.acquireConnection();
  let rows: R[];
  try {
    rows = (await client.query<R>({ name, text, values: [...values] })).rows;
  } finally {
    await pool.releaseConnection(client);
  }
  // Still in MikroORM's query log (debug mode, tests counting statements), as execute() would be.
  const logger = em.config.getLogger();
  if (logger.isEnabled("query")) logger.logQuery({ query: text, params: [...values], took: Date.now() - started, results: rows.length, level: "info" });
  return rows;
}
