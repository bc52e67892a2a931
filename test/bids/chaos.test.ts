import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fromGlobalId } from "../../src/common/node";
import { buildDoc, textOf } from "../../src/bids/sections/section-crdt";
import { AddBidSectionDocument, AnswerBidInvitationDocument, BidBriefDocument, InviteBidMemberDocument } from "../generated/graphql";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "../helpers/server";
import { createBid, createWorld, secondPerson } from "./bid-setup";
import { LiveClient } from "./live-client";

/**
 * Chaos: five clients type into one section of a bid served by a real server process, which is
 * killed (SIGKILL, mid-transaction for some) and restarted twice, while clients also drop and
 * reconnect on their own. At the end, every edit a client saw acknowledged is in the log, every
 * client has every other's acknowledged text, and the database agrees.
 */
const ROOT = path.resolve(__dirname, "../..");
const trace = (line: string) => {
  if (process.env.CHAOS_TRACE) appendFileSync(process.env.CHAOS_TRACE, `${new Date().toISOString()} ${line}\n`);
};
jest.setTimeout(240_000);

let setup: TestServer;
const opened: LiveClient[] = [];
let child: ChildProcess | null = null;
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function startChild(): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: setup.db.url,
    PORT: String(port),
    HOST: "127.0.0.1",
    JWT_SECRET: TEST_JWT_SECRET,
    SEED_DEMO: "false",
    LOG_LEVEL: "error",
    NODE_ENV: "development",
  };
  return spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
}

async function waitReady(timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the server process did not become ready");
}

function kill(): Promise<void> {
  const victim = child;
  child = null;
  if (!victim || victim.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    victim.once("exit", () => resolve());
    victim.kill("SIGKILL");
  });
}

beforeAll(async () => {
  setup = await startTestServer();
  port = await freePort();
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await kill();
  await setup.close();
});

test("server killed and restarted, clients dropping and reconnecting: every acknowledged edit survives and all converge", async () => {
  const w = await createWorld(setup);
  const bid = await createBid(setup, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  for (const [who, coop] of [["partner", w.coopB.gid], ["third", w.coopC.gid]] as const) {
    const invited = await setup.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: coop } }, w.lead.token);
    await setup.gql(AnswerBidInvitationDocument, { input: { memberId: invited.data!.inviteBidMember.id, accept: true } }, w[who].token);
  }
  // Assigned to the partner: the lead, the partner and a second person of the partner's cooperative
  // type into it (a member other than the lead types only into sections assigned to its people).
  const sectionId = (await setup.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Chaos", assigneeId: w.partner.globalId } }, w.lead.token)).data!.addBidSection.id;
  const colleague = await secondPerson(setup, w.coopB.id);
  const start = (await setup.gql(BidBriefDocument, { id: bid.id }, w.lead.token)).data!.bid.headSeq;

  child = startChild();
  await waitReady();
  trace("child ready");
  const url = `http://127.0.0.1:${port}/graphql`;
  const people = [w.lead, w.partner, colleague, w.lead, w.partner];
  const clients = people.map(
    (p, i) => new LiveClient({ url, token: p.token, bidId: bid.id, sectionId, afterSeq: start, name: `c${i}`, autoReconnect: true, transport: i % 2 ? "http" : "ws" }),
  );
  opened.push(...clients);
  clients.forEach((c) => c.connect());

  let typing = true;
  const typed: string[][] = clients.map(() => []);
  const writers = clients.map(async (c, n) => {
    for (let i = 0; typing; i++) {
      const token = `<${n}.${i}>`;
      const ends = [0];
      for (let k = 0; k < c.text.length; k++) if (c.text[k] === ">") ends.push(k + 1);
      c.insert(ends[Math.floor(Math.random() * ends.length)]!, token);
      typed[n]!.push(token);
      if (Math.random() < 0.04) void c.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 60));
    }
  });

  for (let round = 0; round < 2; round++) {
    await new Promise((r) => setTimeout(r, 1500));
    await kill();
    trace(`killed (round ${round}); acked ${clients.map((c) => c.acked.size).join(",")}`);
    await new Promise((r) => setTimeout(r, 500));
    child = startChild();
    await waitReady();
    trace("restarted");
  }
  await new Promise((r) => setTimeout(r, 1500));
  typing = false;
  await Promise.all(writers);
  trace(`typing stopped; queued ${clients.map((c) => c.acked.size).join(",")}`);
  await Promise.all(clients.map((c) => c.flush(60_000)));
  trace("flushed");

  const em = setup.orm.em.fork();
  const end = (await em.execute<{ head_seq: number }[]>("SELECT head_seq FROM bids WHERE id = ?", [fromGlobalId(bid.id)!.id]))[0]!.head_seq;
  trace(`head ${end}; clients at ${clients.map((c) => c.lastSeq).join(",")}`);
  await Promise.all(clients.map((c) => c.waitForSeq(end, 60_000)));
  trace("all caught up");

  // Every acknowledged clientMutationId is in the log, once.
  const acked = clients.flatMap((c) => [...c.acked.keys()]);
  expect(acked.length).toBeGreaterThan(0);
  const logged = await em.execute<{ client_mutation_id: string }[]>("SELECT client_mutation_id FROM bid_events WHERE bid_id = ? AND client_mutation_id IS NOT NULL", [fromGlobalId(bid.id)!.id]);
  const inLog = new Set(logged.map((r) => r.client_mutation_id));
  expect(acked.filter((id) => !inLog.has(id))).toEqual([]);
  expect(logged.length).toBe(inLog.size);
  // Seqs are gapless and every client saw each once, in order.
  const seqs = await em.execute<{ seq: number }[]>("SELECT seq FROM bid_events WHERE bid_id = ? ORDER BY seq", [fromGlobalId(bid.id)!.id]);
  expect(seqs.map((r) => r.seq)).toEqual(Array.from({ length: end }, (_, i) => i + 1));
  expect(clients.flatMap((c) => c.anomalies)).toEqual([]);
  // Converged, with every token typed, and the database agrees.
  const texts = new Set(clients.map((c) => c.text));
  expect(texts.size).toBe(1);
  const text = clients[0]!.text;
  expect(typed.flat().filter((t) => !text.includes(t))).toEqual([]);
  const sid = fromGlobalId(sectionId)!.id;
  const [row] = await em.execute<{ snapshot: Buffer | null; snapshot_seq: number }[]>("SELECT snapshot, snapshot_seq FROM bid_sections WHERE id = ?", [sid]);
  const updates = await em.execute<{ u: string }[]>("SELECT payload->>'update' AS u FROM bid_events WHERE section_id = ? AND seq > ? ORDER BY seq", [sid, row!.snapshot_seq]);
  expect(textOf(buildDoc(row!.snapshot ? new Uint8Array(row!.snapshot) : null, updates.map((r) => new Uint8Array(Buffer.from(r.u, "base64")))))).toBe(text);
  expect(clients.every((c) => c.connections >= 3)).toBe(true);
  await Promise.all(clients.map((c) => c.close()));
});
