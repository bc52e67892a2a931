import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MikroORM } from "@mikro-orm/postgresql";
import { createClient } from "graphql-ws";
import { print } from "graphql";
import { Client } from "pg";
import WebSocket from "ws";
import { ormConfig } from "../../src/db/mikro-orm.config";
import { fromGlobalId } from "../../src/common/node";
import { AddBidSectionDocument, BidBriefDocument, CreateCooperativeDocument, SectionStateDocument, ViewerDocument } from "../generated/graphql";
import { createBid, createWorld } from "../bids/bid-setup";
import { LiveClient } from "../bids/live-client";
import { PlatformRole } from "../../src/auth/roles";
import { createUser, validSiret } from "../helpers/factories";
import { codes, startTestServer, TEST_JWT_SECRET, type TestServer } from "../helpers/server";
import { freePort, sleep, until, within } from "../helpers/wait";

/**
 * Faults against a PostgreSQL of its own, which these tests kill and restart: requests fail with
 * a retryable error and recover within seconds, /readyz follows the outage, the bus listens
 * again, and no acknowledged write is lost. Run with `npm run test:faults`.
 */
const ROOT = path.resolve(__dirname, "../..");
let dir: string;
let port: number;
let pg: ChildProcess | null = null;
let url: string;
let server: TestServer;

function startPostgres(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, "pg-instance.mjs"), dir, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
    pg = child;
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`postgres exited with ${code}`)));
  });
}

async function stopPostgres(): Promise<void> {
  const child = pg;
  pg = null;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Tried every 200 ms for 20 s: the database comes back in seconds. */
const RECOVERY = { timeoutMs: 20_000, intervalMs: 200 };

const readyz = async () => (await fetch(server.url.replace(/graphql$/, "readyz"))).status;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "scopgraph-faults-"));
  port = await freePort();
  url = await startPostgres();
  const orm = await MikroORM.init(ormConfig(url));
  await orm.getMigrator().up();
  await orm.close(true);
  server = await startTestServer({ db: { url, name: "faults", drop: async () => undefined } });
}, 120_000);

afterAll(async () => {
  await server?.close().catch(() => undefined);
  await stopPostgres();
  rmSync(dir, { recursive: true, force: true });
});

/** A verified member's session (sign-up itself mails a link first: test/auth covers it). */
async function signUp(email: string): Promise<string> {
  return (await createUser(server, PlatformRole.MEMBER, email)).token;
}

async function createCooperative(token: string, name: string) {
  return server.gql(CreateCooperativeDocument, { input: { name, legalForm: "SCOP_SARL", siret: validSiret(), location: { communeCode: "76540" } } }, token);
}

async function cooperativeNames(): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ name: string }>("SELECT name FROM cooperatives ORDER BY name")).rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

test("killed connections: requests fail with a retryable error at worst, then succeed, and nothing acknowledged is lost", async () => {
  const token = await signUp("terminated@faults.coop");
  expect((await createCooperative(token, "Avant la coupure")).errors).toBeUndefined();
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'faults' AND pid <> pg_backend_pid()");
  await admin.end();

  const seen: string[] = [];
  const viewer = await until(
    async () => {
      const result = await server.gql(ViewerDocument, {}, token);
      seen.push(...codes(result));
      return result.data?.viewer ? result.data.viewer : undefined;
    },
    { label: "a successful request after pg_terminate_backend", ...RECOVERY },
  );
  expect(viewer.email).toBe("terminated@faults.coop");
  expect(seen.filter((c) => c !== "SERVICE_UNAVAILABLE")).toEqual([]);
  expect(await cooperativeNames()).toContain("Avant la coupure");
}, 60_000);

test("PostgreSQL restarted: /readyz reports the outage, errors are retryable, service and live subscriptions come back", async () => {
  const token = await signUp("restart@faults.coop");
  const acknowledged = await createCooperative(token, "Acquittée avant le redémarrage");
  expect(acknowledged.errors).toBeUndefined();

  await stopPostgres();
  expect(await until(async () => (await readyz()) === 503, { label: "/readyz to report the outage", ...RECOVERY })).toBe(true);
  const during = await server.gql(ViewerDocument, {}, token);
  expect(codes(during)).toEqual(["SERVICE_UNAVAILABLE"]);
  expect(during.errors?.[0]?.extensions?.retryable).toBe(true);
  const failedWrite = await createCooperative(token, "Pendant la panne");
  expect(failedWrite.data ?? null).toBeNull();

  await startPostgres();
  expect(await until(async () => (await readyz()) === 200, { label: "/readyz to recover", ...RECOVERY })).toBe(true);
  const after = await until(
    async () => {
      const result = await createCooperative(token, "Après le redémarrage");
      return result.data?.createCooperative ? result : undefined;
    },
    { label: "a write after the restart", ...RECOVERY },
  );
  expect(after.errors).toBeUndefined();
  const names = await cooperativeNames();
  expect(names).toEqual(expect.arrayContaining(["Acquittée avant le redémarrage", "Après le redémarrage"]));
  expect(names).not.toContain("Pendant la panne");
}, 90_000);

test("text typed live while PostgreSQL restarts: the editors retry, every update lands once, and they converge with the database", async () => {
  const w = await createWorld(server);
  const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  const section = await server.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Méthodologie" } }, w.lead.token);
  const sectionId = section.data!.addBidSection.id;
  const head = (await server.gql(BidBriefDocument, { id: bid.id }, w.lead.token)).data!.bid!.headSeq;
  const editors = [w.lead.token, w.lead.token].map(
    (token, n) => new LiveClient({ url: server.url, token, bidId: bid.id, sectionId, afterSeq: head, name: `fault${n}`, autoReconnect: true }),
  );
  editors.forEach((e) => e.connect());
  const type = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      editors.forEach((e, n) => e.insert(0, `<${n}.${i}>`));
      // The typing pace of a person (not a wait for anything).
      await sleep(20);
    }
  };
  await type(0, 10);
  await stopPostgres();
  await type(10, 20); // queued and retried by the editors while the database is away
  await startPostgres();
  await type(20, 30);
  await Promise.all(editors.map((e) => e.flush(60_000)));
  const end = (
    await until(async () => (await server.gql(BidBriefDocument, { id: bid.id }, w.lead.token)).data?.bid, { label: "the bid after the restart", ...RECOVERY })
  ).headSeq;
  await Promise.all(editors.map((e) => e.waitForSeq(end, 30_000)));
  // Every update acknowledged once: one event per clientMutationId, none lost, none doubled.
  const client = new Client({ connectionString: url });
  await client.connect();
  const rows = (
    await client.query<{ cmid: string }>(
      "SELECT client_mutation_id AS cmid FROM bid_events WHERE section_id = (SELECT id FROM bid_sections WHERE title = 'Méthodologie' AND bid_id = $1)",
      [fromGlobalId(bid.id)!.id],
    )
  ).rows;
  await client.end();
  const acked = editors.flatMap((e) => [...e.acked.keys()]);
  expect(rows.map((r) => r.cmid).sort()).toEqual([...acked].sort());
  const text = editors[0]!.text;
  expect(editors[1]!.text).toBe(text);
  for (let n = 0; n < 2; n++) for (let i = 0; i < 30; i++) expect(text).toContain(`<${n}.${i}>`);
  const read = await server.gql(SectionStateDocument, { id: sectionId }, w.lead.token);
  expect((read.data?.node as { text: string }).text).toBe(text);
  await Promise.all(editors.map((e) => e.close()));
}, 120_000);

test("the bus listens again after a restart: a notification sent afterwards reaches the subscriber", async () => {
  const received: string[] = [];
  const stop = await server.app.bus.on("faults_probe", (payload) => received.push(payload));
  await stopPostgres();
  await startPostgres();
  // Notified again at each try until one arrives: the bus listens again some time after the restart.
  await until(
    async () => {
      if (received.includes("after-restart")) return true;
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query("SELECT pg_notify('faults_probe', 'after-restart')");
      await client.end();
      return received.includes("after-restart");
    },
    { label: "the bus to deliver after the restart", ...RECOVERY },
  );
  stop();
}, 60_000);

test("SIGTERM under load: acknowledged mutations are committed, sockets close with 1001", async () => {
  const appPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    PORT: String(appPort),
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: "warn",
    SEED_DEMO: "false",
  };
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
  const base = `http://127.0.0.1:${appPort}`;
  await until(async () => (await fetch(`${base}/readyz`)).status === 200, { label: "the server to start", timeoutMs: 60_000, intervalMs: 200 });
  const post = async (body: object, token?: string) => {
    const response = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { data?: Record<string, { token?: string; name?: string }> | null };
  };
  // The same database and signing secret as this file's server: its factory's session works there.
  const token = await signUp("sigterm@faults.coop");

  // The close is asserted below: graphql-ws's default would also print it on the console.
  const ws = createClient({
    url: `ws://127.0.0.1:${appPort}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const closeCode = new Promise<number>((resolve) => ws.on("closed", (event) => resolve((event as { code: number }).code)));
  await new Promise<void>((resolve) =>
    ws.subscribe({ query: "{ viewer { id } }" }, { next: () => undefined, error: () => resolve(), complete: () => resolve() }),
  );

  const names = Array.from({ length: 30 }, (_, i) => `Sous charge ${String(i).padStart(2, "0")}`);
  const inFlight = names.map((name) =>
    post({ query: print(CreateCooperativeDocument), variables: { input: { name, legalForm: "SCOP_SARL", siret: validSiret() } } }, token)
      .then((r) => (r.data?.createCooperative?.name ? name : null))
      .catch(() => null),
  );
  // Under load: SIGTERM once a first mutation is acknowledged, the others still in flight.
  await within(new Promise<void>((resolve) => inFlight.forEach((p) => void p.then((name) => name !== null && resolve()))), {
    label: "a first acknowledged mutation",
    timeoutMs: 30_000,
  });
  child.kill("SIGTERM");
  const acknowledged = (await Promise.all(inFlight)).filter((n): n is string => n !== null);
  const exitCode = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve)));
  expect(exitCode).toBe(0);
  expect(acknowledged.length).toBeGreaterThan(0);
  expect(await closeCode).toBe(1001);
  const stored = await cooperativeNames();
  for (const name of acknowledged) expect(stored).toContain(name);
  await ws.dispose();
}, 120_000);
