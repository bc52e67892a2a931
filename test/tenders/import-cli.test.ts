import { spawnSync } from "node:child_process";
import path from "node:path";
import { Client } from "pg";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const ROOT = path.resolve(__dirname, "../..");
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function runImport(...args: string[]) {
  return spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "src/cli/import.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, NODE_ENV: "test", JWT_SECRET: "x".repeat(40), LOG_LEVEL: "silent" },
    encoding: "utf8",
    timeout: 120_000,
  });
}

async function count(sql: string): Promise<number> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

test("npm run import on the fixtures folder imports every notice in issue order and prints a summary; a second run changes nothing", async () => {
  const first = runImport("test/fixtures/eforms");
  expect(first.stderr).toBe("");
  expect(first.stdout).toContain("13 notices: 9 created, 2 updated, 0 unchanged, 2 rejected");
  // The invalid notices are rejected with their reasons.
  expect(first.stdout).toMatch(/rejected test\/fixtures\/eforms\/INVALID_cn_24_empty\.xml: xml: not an importable eForms notice: .*missing notice identifier/);
  expect(first.stdout).toMatch(/rejected test\/fixtures\/eforms\/INVALID_cn_24_multiple\.xml: xml: .*at most one is allowed/);
  expect(first.stdout).toMatch(/UPDATED\s+test\/fixtures\/eforms\/change-cn_24_void\.xml/);
  expect(first.status).toBe(1); // some notices were rejected
  expect(await count("SELECT count(*) AS n FROM tenders")).toBe(9);
  expect(await count("SELECT count(*) AS n FROM tenders WHERE status = 'CANCELLED'")).toBe(1);
  expect(await count("SELECT count(*) AS n FROM tenders WHERE status = 'AWARDED'")).toBe(2);

  const second = runImport("test/fixtures/eforms/cn_24_open.xml", "test/fixtures/eforms/can_81_FRA.xml");
  expect(second.stdout).toContain("2 notices: 0 created, 0 updated, 2 unchanged, 0 rejected");
  expect(second.status).toBe(0);
  expect(await count("SELECT count(*) AS n FROM tenders")).toBe(9);
}, 180_000);

test("usage errors exit with 2", () => {
  const none = runImport();
  expect(none.status).toBe(2);
  expect(none.stderr).toMatch(/usage: npm run import/);
  const missing = runImport("no/such/folder");
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/not found: no\/such\/folder/);
}, 60_000);
