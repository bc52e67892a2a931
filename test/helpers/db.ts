import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { MikroORM } from "@mikro-orm/postgresql";
import { Client } from "pg";
import { ormConfig } from "../../src/db/mikro-orm.config";

const MIGRATIONS = path.resolve(__dirname, "../../migrations");

function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: jest's global setup should have set it");
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The template's name changes whenever a migration does, so a stale template is never used. */
function templateName(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(MIGRATIONS).sort()) {
    if (file.endsWith(".ts")) hash.update(file).update(readFileSync(path.join(MIGRATIONS, file)));
  }
  return `sgtest_tpl_${hash.digest("hex").slice(0, 12)}`;
}

async function ensureTemplate(admin: Client, name: string): Promise<void> {
  // One worker builds the template; the others wait on the lock.
  await admin.query("SELECT pg_advisory_lock(hashtext('scopgraph-test-template'))");
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount) return;
    const building = `${name}_building`;
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${building}`);
    const orm = await MikroORM.init(ormConfig(withDatabase(adminUrl(), building), { pool: { min: 0, max: 2 } }));
    try {
      await orm.getMigrator().up();
    } finally {
      await orm.close(true);
    }
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
  } finally {
    await admin.query("SELECT pg_advisory_unlock(hashtext('scopgraph-test-template'))");
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** The handle of a database made by this module: its URL, and a drop that ends its sessions first. */
function testDatabase(name: string): TestDatabase {
  return {
    name,
    url: withDatabase(adminUrl(), name),
    async drop() {
      const client = new Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A database of its own for one test file, cloned from the migrated template in a moment. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  const template = templateName();
  const name = `sgtest_${randomBytes(5).toString("hex")}`;
  try {
    await ensureTemplate(admin, template);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  return testDatabase(name);
}

/** An empty database (no tables), for restoring a backup into. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `sgtest_${randomBytes(5).toString("hex")}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  return testDatabase(name);
}
