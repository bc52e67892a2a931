import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { MikroORM } from "@mikro-orm/postgresql";
import { Client } from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { ormConfig } from "../db/mikro-orm.config";

/**
 * A logical backup of the application's data, consistent while the server runs: every table of
 * the `public` schema copied (COPY, text format) inside one REPEATABLE READ READ ONLY transaction,
 * so it is the database as of one instant: every edit acknowledged before the backup started is
 * in it. The schema is not copied: the backup records the migrations it was taken at, and the
 * restore rebuilds the schema with those migrations, then loads the rows.
 *
 * Works the same on the embedded PostgreSQL (which ships no pg_dump) and an external one, and
 * across their versions. Left out on purpose: UNLOGGED tables (rate-limit counters, socket slots:
 * ephemeral by design) and the `pgboss` schema (jobs are re-scheduled at start; mails live in the
 * outbox table, which is copied).
 *
 * File: gzip of a header line (JSON), then per table `COPY <table>` and its rows ending with `\.`,
 * then `LO <oid> <base64>` lines for large objects, then `END`.
 */
export const BACKUP_FORMAT = "scopgraph-backup/1";
const MIGRATIONS_TABLE = "mikro_orm_migrations";

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  server: string;
  /** Migrations applied when the backup was taken, in order: the restore applies exactly these. */
  migrations: string[];
  tables: { name: string; columns: string[] }[];
}

export interface BackupSummary {
  tables: number;
  rows: number;
  largeObjects: number;
  migrations: number;
}

const ident = (client: Client, name: string) => client.escapeIdentifier(name);

async function tablesOf(client: Client): Promise<{ name: string; columns: string[] }[]> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND c.relname <> $1
      GROUP BY c.relname ORDER BY c.relname`,
    [MIGRATIONS_TABLE],
  );
  return rows;
}

/** Writes a backup of the database at `url` to `out` (gzip). */
export async function writeBackup(url: string, out: Writable): Promise<BackupSummary> {
  const client = new Client({ connectionString: url, application_name: "scopgraph-backup" });
  await client.connect();
  const gzip = createGzip();
  const done = pipeline(gzip, out);
  const write = async (text: string | Buffer) => {
    if (!gzip.write(text)) await once(gzip, "drain");
  };
  let rows = 0;
  let largeObjects = 0;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const migrations = (await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)).rows.map((r) => r.name);
    const tables = await tablesOf(client);
    const server = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? "";
    const header: BackupHeader = { format: BACKUP_FORMAT, createdAt: new Date().toISOString(), server, migrations, tables };
    await write(`${JSON.stringify(header)}\n`);
    for (const table of tables) {
      await write(`COPY ${table.name}\n`);
      const columns = table.columns.map((c) => ident(client, c)).join(", ");
      const copy = client.query(copyTo(`COPY ${ident(client, table.name)} (${columns}) TO STDOUT`));
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        for (const byte of chunk) if (byte === 10) rows += 1;
        await write(chunk);
      }
      await write("\\.\n");
    }
    const oids = (await client.query<{ oid: string }>("SELECT oid::text AS oid FROM pg_largeobject_metadata ORDER BY oid")).rows;
    for (const { oid } of oids) {
      const { rows: data } = await client.query<{ data: Buffer }>("SELECT lo_get($1::oid) AS data", [oid]);
      await write(`LO ${oid} ${data[0]?.data.toString("base64") ?? ""}\n`);
      largeObjects += 1;
    }
    await write("END\n");
    await client.query("COMMIT");
    gzip.end();
    await done;
    return { tables: tables.length, rows, largeObjects, migrations: migrations.length };
  } catch (error) {
    gzip.destroy(error as Error);
    await done.catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

export class RestoreError extends Error {}

/** The backup's first line: its header, checked for the format this code reads. */
async function readHeader(lines: AsyncIterator<string>): Promise<BackupHeader> {
  const first = await lines.next();
  let header: BackupHeader;
  try {
    header = JSON.parse(first.done ? "" : first.value) as BackupHeader;
  } catch {
    throw new RestoreError("Not a Scopgraph backup: the first line is not its header.");
  }
  const format: unknown = header.format;
  if (format !== BACKUP_FORMAT) throw new RestoreError(`Unknown backup format "${String(format)}" (expected ${BACKUP_FORMAT}).`);
  return header;
}

/** The schema as it was: the backup's migrations, no later one; refused when one is unknown here. */
async function migrateAsTheBackup(url: string, migrations: readonly string[]): Promise<void> {
  const orm = await MikroORM.init(ormConfig(url, { debug: false }));
  try {
    const migrator = orm.getMigrator();
    const known = new Set((await migrator.getPendingMigrations()).map((m) => m.name));
    const unknown = migrations.filter((name) => !known.has(name));
    if (unknown.length) throw new RestoreError(`The backup was taken by a newer version of Scopgraph (unknown migrations: ${unknown.join(", ")}).`);
    const last = migrations.at(-1);
    if (last) await migrator.up({ to: last });
  } finally {
    await orm.close(true);
  }
}

/**
 * Restores a backup into the empty database at `url`: applies the backup's migrations, loads
 * every table in one transaction (foreign keys and triggers off while loading, when the role may
 * do so; otherwise in the order of the foreign keys), the large objects, then the migrations
 * written since. Refuses a database that already holds tables.
 */
export async function restoreBackup(url: string, input: Readable): Promise<BackupSummary> {
  const lines = createInterface({ input: input.pipe(createGunzip()), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const header = await readHeader(lines);
  const client = new Client({ connectionString: url, application_name: "scopgraph-restore" });
  await client.connect();
  try {
    const { rows: present } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'");
    if (Number(present[0]?.n ?? 0) > 0) throw new RestoreError("The target database is not empty: restore into a new database (or a new data folder).");

    await migrateAsTheBackup(url, header.migrations);
    await client.query("BEGIN");
    const replica = await client
      .query("SET LOCAL session_replication_role = replica")
      .then(() => true)
      .catch(async () => false);
    if (!replica) await client.query("ROLLBACK; BEGIN");
    // Migrations may insert reference rows: the backup's rows replace them.
    if (header.tables.length) await client.query(`TRUNCATE ${header.tables.map((t) => ident(client, t.name)).join(", ")} CASCADE`);
    const sections = new Map<string, string[]>();
    let rows = 0;
    let largeObjects = 0;
    for (;;) {
      const next = await lines.next();
      if (next.done) throw new RestoreError("The backup is truncated (no END line).");
      const line = next.value;
      if (line === "END") break;
      if (line.startsWith("COPY ")) {
        const name = line.slice(5);
        const table = header.tables.find((t) => t.name === name);
        if (!table) throw new RestoreError(`The backup holds a table its header does not list: ${name}.`);
        // With foreign keys on, a table waits (in memory) until the tables it points to are loaded.
        const copy = replica
          ? client.query(copyFrom(`COPY ${ident(client, name)} (${table.columns.map((c) => ident(client, c)).join(", ")}) FROM STDIN`))
          : null;
        const finished = copy ? once(copy, "finish") : null;
        const data: string[] = [];
        for (;;) {
          const row = await lines.next();
          if (row.done) throw new RestoreError(`The backup is truncated in table ${name}.`);
          if (row.value === "\\.") break;
          rows += 1;
          if (!copy) data.push(row.value);
          else if (!copy.write(`${row.value}\n`)) await once(copy, "drain");
        }
        if (copy) {
          copy.end();
          await finished;
        } else sections.set(name, data);
      } else if (line.startsWith("LO ")) {
        const [, oid, data] = line.split(" ");
        await client.query("SELECT lo_from_bytea($1::oid, decode($2, 'base64'))", [oid, data ?? ""]);
        largeObjects += 1;
      } else {
        throw new RestoreError(`Unexpected line in the backup: ${line.slice(0, 40)}`);
      }
    }
    if (!replica) for (const table of await foreignKeyOrder(client, header.tables)) await load(client, table, sections.get(table.name) ?? []);
    await client.query("COMMIT");

    const latest = await MikroORM.init(ormConfig(url, { debug: false }));
    try {
      await latest.getMigrator().up();
    } finally {
      await latest.close(true);
    }
    return { tables: header.tables.length, rows, largeObjects, migrations: header.migrations.length };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function load(client: Client, table: { name: string; columns: string[] }, data: string[]): Promise<void> {
  if (data.length === 0) return;
  const columns = table.columns.map((c) => ident(client, c)).join(", ");
  const copy = client.query(copyFrom(`COPY ${ident(client, table.name)} (${columns}) FROM STDIN`));
  const done = once(copy, "finish");
  for (const row of data) if (!copy.write(`${row}\n`)) await once(copy, "drain");
  copy.end();
  await done;
}

/** Tables ordered so that each comes after the tables its foreign keys point to. */
async function foreignKeyOrder<T extends { name: string }>(client: Client, tables: T[]): Promise<T[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid`,
  );
  const clean = (name: string) => name.replace(/^"|"$/g, "");
  const ordered: T[] = [];
  const placed = new Set<string>();
  let left = [...tables];
  while (left.length) {
    const ready = left.filter((t) =>
      rows.every((fk) => clean(fk.child) !== t.name || placed.has(clean(fk.parent)) || !tables.some((x) => x.name === clean(fk.parent))),
    );
    if (ready.length === 0) throw new RestoreError("The foreign keys form a cycle: restore as a role that may set session_replication_role.");
    for (const t of ready) {
      ordered.push(t);
      placed.add(t.name);
    }
    left = left.filter((t) => !placed.has(t.name));
  }
  return ordered;
}
