import { spawn } from "node:child_process";
import { chmodSync, createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Y } from "../../src/bids/sections/yjs";
import { restoreBackup, RestoreError, writeBackup } from "../../src/ops/backup";
import { AddBidSectionDocument, ApplySectionUpdateDocument, BidDocument } from "../generated/graphql";
import { cmid, createBid, createWorld } from "../bids/bid-setup";
import { createEmptyDatabase, type TestDatabase } from "../helpers/db";
import { startTestServer, type TestServer } from "../helpers/server";
import { freePort, until } from "../helpers/wait";

/*
 * Backup and restore: a backup taken while people type holds every edit acknowledged before it
 * started; restored into an empty database, the server finds them all.
 */

let server: TestServer;
const dir = mkdtempSync(path.join(tmpdir(), "sg-backup-"));
const spare: TestDatabase[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  for (const db of spare) await db.drop();
});

test("a backup taken during live typing restores every edit acknowledged before it", async () => {
  const w = await createWorld(server);
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const added = await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Méthodologie" } }, w.lead.token);
  const sectionId = added.data!.addBidSection.id;

  // One editor types markers, each sent as a Yjs update and acknowledged (durable) in turn.
  const doc = new Y.Doc();
  const text = doc.getText("content");
  const acknowledged: string[] = [];
  let typing = true;
  const typist = (async () => {
    for (let i = 0; typing; i++) {
      const before = Y.encodeStateVector(doc);
      text.insert(text.length, `<${i}>`);
      const update = Buffer.from(Y.encodeStateAsUpdate(doc, before)).toString("base64");
      const result = await server.gql(ApplySectionUpdateDocument, { input: { sectionId, update, clientMutationId: cmid() } }, w.lead.token);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      acknowledged.push(`<${i}>`);
    }
  })();
  await until(() => acknowledged.length >= 15, { label: "15 acknowledged edits", timeoutMs: 30_000, intervalMs: 5 });

  const file = path.join(dir, "during-typing.sgbackup");
  const ackedBeforeBackup = [...acknowledged];
  const summary = await writeBackup(server.db.url, createWriteStream(file));
  const ackedDuringBackup = acknowledged.length - ackedBeforeBackup.length;
  typing = false;
  await typist;
  expect(summary.tables).toBeGreaterThan(10);
  expect(summary.rows).toBeGreaterThan(ackedBeforeBackup.length);

  const target = await createEmptyDatabase();
  spare.push(target);
  const restored = await restoreBackup(target.url, createReadStream(file));
  expect(restored.rows).toBe(summary.rows);

  const again = await startTestServer({ db: { ...target, drop: async () => undefined } });
  try {
    const read = await again.gql(BidDocument, { id: bid.id }, w.lead.token);
    expect(read.errors).toBeUndefined();
    const restoredText = read.data?.bid?.sections.find((s) => s.id === sectionId)?.text ?? "";
    const missing = ackedBeforeBackup.filter((marker) => !restoredText.includes(marker));
    expect({ missing, ackedBeforeBackup: ackedBeforeBackup.length, ackedDuringBackup }).toEqual({
      missing: [],
      ackedBeforeBackup: ackedBeforeBackup.length,
      ackedDuringBackup,
    });
    // The restored server takes new edits after the restored ones.
    const before = Y.encodeStateVector(doc);
    text.insert(text.length, "<after-restore>");
    const update = Buffer.from(Y.encodeStateAsUpdate(doc, before)).toString("base64");
    expect((await again.gql(ApplySectionUpdateDocument, { input: { sectionId, update, clientMutationId: cmid() } }, w.lead.token)).errors).toBeUndefined();
  } finally {
    await again.close();
  }
}, 120_000);

test("a restore refuses a database that is not empty, and a file that is not a backup", async () => {
  const file = path.join(dir, "plain.sgbackup");
  await writeBackup(server.db.url, createWriteStream(file));
  await expect(restoreBackup(server.db.url, createReadStream(file))).rejects.toThrow(RestoreError);
  await expect(restoreBackup(server.db.url, createReadStream(file))).rejects.toThrow(/not empty/);

  const target = await createEmptyDatabase();
  spare.push(target);
  const junk = path.join(dir, "junk.sgbackup");
  writeFileSync(junk, gzipSync("hello\n"));
  await expect(restoreBackup(target.url, createReadStream(junk))).rejects.toThrow(/Not a Scopgraph backup/);
  // A real backup cut in its first table: the restore says so and commits none of its rows.
  const truncated = path.join(dir, "truncated.sgbackup");
  const lines = gunzipSync(readFileSync(file)).toString("utf8").split("\n");
  writeFileSync(truncated, gzipSync(lines.slice(0, lines.findIndex((l) => l.startsWith("COPY ")) + 2).join("\n")));
  await expect(restoreBackup(target.url, createReadStream(truncated))).rejects.toThrow(/truncated/);
});

/** Runs a CLI of src/cli/ as `npm run` would (compiled on the fly), with its own environment. */
function cli(script: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.resolve(__dirname, `../../src/cli/${script}.ts`), ...args],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "development", LOG_LEVEL: "silent", ...env },
        cwd: path.resolve(__dirname, "../.."),
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/** The rows of a backup, table by table, without its header (which carries times). */
function rowsOf(file: string): string {
  return gunzipSync(readFileSync(file)).toString("utf8").split("\n").slice(1).join("\n");
}

test("npm run backup and npm run restore: from an external database into a new embedded data folder, and back out", async () => {
  const w = await createWorld(server);
  await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const first = path.join(dir, "cli-1.sgbackup");
  const backup = await cli("backup", [first], { DATABASE_URL: server.db.url });
  expect(backup).toEqual({ code: 0, out: expect.stringContaining(first) as unknown });

  const dataDir = mkdtempSync(path.join(tmpdir(), "sg-restore-"));
  chmodSync(dataDir, 0o755);
  const port = String(await freePort());
  const restore = await cli("restore", [first], { DATA_DIR: dataDir, EMBEDDED_PG_PORT: port });
  expect(restore.code).toBe(0);
  // A second restore into the same folder is refused: it holds a database now.
  const twice = await cli("restore", [first], { DATA_DIR: dataDir, EMBEDDED_PG_PORT: port });
  expect([twice.code, twice.out]).toEqual([1, expect.stringContaining("already holds a database") as unknown]);

  // The embedded copy, backed up in turn, holds the same rows.
  const second = path.join(dir, "cli-2.sgbackup");
  expect((await cli("backup", [second], { DATA_DIR: dataDir, EMBEDDED_PG_PORT: port })).code).toBe(0);
  expect(rowsOf(second)).toEqual(rowsOf(first));
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);
