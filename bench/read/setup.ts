import { Client } from "pg";
import pino from "pino";
import { cpvCodes } from "../../src/common/reference/reference";
import { openDatabase } from "../../src/db/database";
import { seedDemo } from "../../src/db/seed";

export const COOPERATIVES = 5000;

/** The tables the read query touches: all that PostGraphile is shown. */
export const POSTGRAPHILE_TABLES = ["cooperatives", "cooperative_skills", "cpv_labels"];

export interface ReadDatabase {
  /** Tables and functions hidden from PostGraphile with `@omit` smart comments. */
  omittedFromPostGraphile: string[];
  cooperatives: number;
  skills: number;
  users: number;
  cpvLabels: number;
  seedSeconds: number;
}

/**
 * Migrates and seeds the benchmark database with the app's own code, then adds what PostGraphile
 * needs to serve the CPV label, which Scopgraph keeps in memory: a `cpv_labels` table from the
 * same reference list, and a foreign key from cooperative_skills.cpv to it (bench database
 * only), which PostGraphile turns into the `cpvLabelByCpv` relation.
 */
export async function prepareReadDatabase(url: string, log: (line: string) => void): Promise<ReadDatabase> {
  const started = performance.now();
  const orm = await openDatabase(url, pino({ level: "warn" }));
  try {
    log(`  migrated; seeding ${COOPERATIVES.toLocaleString("en-US")} cooperatives with seedDemo() …`);
    await seedDemo(orm.em.fork(), { cooperatives: COOPERATIVES });
  } finally {
    await orm.close(true);
  }
  const seedSeconds = (performance.now() - started) / 1000;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const codes = cpvCodes();
    await client.query("CREATE TABLE cpv_labels (code text PRIMARY KEY, label text NOT NULL)");
    await client.query("INSERT INTO cpv_labels (code, label) SELECT * FROM unnest($1::text[], $2::text[])", [
      codes.map((c) => c.code),
      codes.map((c) => c.label),
    ]);
    await client.query("ALTER TABLE cooperative_skills ADD CONSTRAINT cooperative_skills_cpv_label_fkey FOREIGN KEY (cpv) REFERENCES cpv_labels (code)");
    const omitted = await omitOtherTables(client);
    await client.query("VACUUM (ANALYZE)");
    const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
    return {
      omittedFromPostGraphile: omitted,
      cooperatives: await count("cooperatives"),
      skills: await count("cooperative_skills"),
      users: await count("users"),
      cpvLabels: await count("cpv_labels"),
      seedSeconds,
    };
  } finally {
    await client.end();
  }
}

/**
 * PostGraphile builds a schema from every table and function it sees, and the app's other
 * tables can break it (bid_events.client_mutation_id collides with its `clientMutationId`):
 * `@omit` smart comments, in the bench database only, hide everything but the read query's
 * tables. The query it runs for the benchmark is the same either way.
 */
async function omitOtherTables(client: Client): Promise<string[]> {
  const relations = await client.query<{ name: string; kind: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT (c.relname = ANY ($1))
      ORDER BY c.relname`,
    [POSTGRAPHILE_TABLES],
  );
  const keyword: Record<string, string> = { r: "TABLE", p: "TABLE", v: "VIEW", m: "MATERIALIZED VIEW", f: "FOREIGN TABLE" };
  for (const { name, kind } of relations.rows) await client.query(`COMMENT ON ${keyword[kind] ?? "TABLE"} ${name} IS '@omit'`);
  const functions = await client.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype`,
  );
  for (const { signature } of functions.rows) await client.query(`COMMENT ON FUNCTION ${signature} IS '@omit'`);
  return [...relations.rows.map((r) => r.name.replace(/^public\./, "")), ...functions.rows.map((f) => f.signature)];
}
