import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";
import { fromGlobalId } from "../../src/common/node";
import { buildDoc, textOf } from "../../src/bids/sections/section-crdt";
import { AddBidSectionDocument, AnswerBidInvitationDocument, InviteBidMemberDocument } from "../generated/graphql";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "../helpers/server";
import { freePort, sleep, until } from "../helpers/wait";
import { createBid, createWorld, secondPerson } from "./bid-setup";
import WebSocket from "ws";
import { SectionProvider } from "../../src/client";

/**
 * Chaos, through the browser provider (src/client): five editors type into one section of a bid served by a real server process, which is
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
const opened: SectionProvider[] = [];
let child: ChildProcess | null = null;
let port = 0;

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
  // Not listening yet throws, and is tried again.
  await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
    label: "the server process to be ready",
    timeoutMs,
    intervalMs: 200,
  });
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
  opened.forEach((p) => p.destroy());
  await kill();
  await setup.close();
});

test("server killed and restarted, clients dropping and reconnecting: every acknowledged edit survives and all converge", async () => {
  const w = await createWorld(setup);
  const bid = await createBid(setup, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
  for (const [who, coop] of [
    ["partner", w.coopB.gid],
    ["third", w.coopC.gid],
  ] as const) {
    const invited = await setup.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: coop } }, w.lead.token);
    await setup.gql(AnswerBidInvitationDocument, { input: { memberId: invited.data!.inviteBidMember.id, accept: true } }, w[who].token);
  }
  // Assigned to the partner: the lead, the partner and a second person of the partner's cooperative
  // type into it (a member other than the lead types only into sections assigned to its people).
  const sectionId = (await setup.gql(AddBidSectionDocument, { input: { bidId: bid.id, title: "Chaos", assigneeId: w.partner.globalId } }, w.lead.token)).data!
    .addBidSection.id;
  const colleague = await secondPerson(setup, w.coopB.id);

  child = startChild();
  await waitReady();
  trace("child ready");
  const url = `http://127.0.0.1:${port}/graphql`;
  const people = [w.lead, w.partner, colleague, w.lead, w.partner];
  const acked = new Map<string, number>();
  const connections = people.map(() => 0);
  const clients = people.map((p, i) => {
    const provider = new SectionProvider({
      url,
      sectionId,
      token: p.token,
      WebSocket,
      name: `c${i}`,
      retryDelayMs: 100,
      maxRetryDelayMs: 1000,
      syncIntervalMs: 500,
    });
    provider.on("acknowledged", (ack) => acked.set(ack.clientMutationId, ack.seq));
    provider.on("status", (status) => status === "connected" && (connections[i] = connections[i]! + 1));
    provider.on("error", (error) => trace(`c${i} error ${error.code} ${error.message}`));
    return provider;
  });
  opened.push(...clients);
  const textOfClient = (c: SectionProvider) => c.doc.getText("content").toString();

  let typing = true;
  const typed: string[][] = clients.map(() => []);
  const writers = clients.map(async (c, n) => {
    for (let i = 0; typing; i++) {
      const token = `<${n}.${i}>`;
      const text = textOfClient(c);
      const ends = [0];
      for (let k = 0; k < text.length; k++) if (text[k] === ">") ends.push(k + 1);
      c.doc.getText("content").insert(ends[Math.floor(Math.random() * ends.length)]!, token);
      typed[n]!.push(token);
      if (Math.random() < 0.04) {
        c.disconnect();
        setTimeout(() => c.connect(), 50 + Math.random() * 200);
      }
      // The typing pace of a person (not a wait for anything).
      await sleep(30 + Math.random() * 60);
    }
  });

  // Each phase lasts until the editors have had 20 more edits acknowledged by the server of the time.
  const moreAcks = async (phase: string) => {
    const before = acked.size;
    await until(() => acked.size >= before + 20, { label: `20 more acknowledged edits (${phase})`, timeoutMs: 60_000 });
  };
  // Each server is killed only once every editor has connected to it: an editor still in its
  // backoff when 20 acknowledgements came from the others would otherwise skip that server.
  await until(() => connections.every((n) => n >= 1), { label: "every editor connected", timeoutMs: 30_000 });
  for (let round = 0; round < 2; round++) {
    await moreAcks(`before kill ${round}`);
    await kill();
    trace(`killed (round ${round}); acked ${acked.size}`);
    // The server stays down until every editor has seen its socket go.
    await until(() => clients.every((c) => c.status !== "connected"), { label: "every editor to see the server gone", timeoutMs: 30_000 });
    const before = [...connections];
    child = startChild();
    await waitReady();
    trace("restarted");
    await until(() => connections.every((n, i) => n > before[i]!), { label: "every editor connected to the restarted server", timeoutMs: 30_000 });
  }
  await moreAcks("after the last restart");
  typing = false;
  await Promise.all(writers);
  clients.forEach((c) => c.connect());
  // An editor that dropped at random near the end may still be waiting to reconnect.
  await until(() => clients.every((c) => c.status === "connected"), { label: "every editor connected again", timeoutMs: 30_000 });
  trace(`typing stopped; acked ${acked.size}`);
  await Promise.all(clients.map((c) => c.flush()));
  trace("flushed");

  const em = setup.orm.em.fork();
  const sid = fromGlobalId(sectionId)!.id;
  const databaseText = async () => {
    const [row] = await em.execute<{ snapshot: Buffer | null; snapshot_seq: number }[]>("SELECT snapshot, snapshot_seq FROM bid_sections WHERE id = ?", [sid]);
    const updates = await em.execute<{ u: string }[]>("SELECT payload->>'update' AS u FROM bid_events WHERE section_id = ? AND seq > ? ORDER BY seq", [
      sid,
      row!.snapshot_seq,
    ]);
    return textOf(
      buildDoc(
        row!.snapshot ? new Uint8Array(row!.snapshot) : null,
        updates.map((r) => new Uint8Array(Buffer.from(r.u, "base64"))),
      ),
    );
  };
  // Converged (durable events and the periodic sync exchange bring whatever a drop missed).
  await until(
    async () => {
      const texts = new Set(clients.map(textOfClient));
      if (texts.size !== 1) throw new Error(`${texts.size} texts among the editors`);
      if ((await databaseText()) !== textOfClient(clients[0]!)) throw new Error("the database's text differs from the editors'");
      return true;
    },
    { label: "convergence of the editors and the database", timeoutMs: 60_000, intervalMs: 200 },
  );
  trace("all converged");

  // Every acknowledged clientMutationId is in the log, once.
  expect(acked.size).toBeGreaterThan(0);
  const logged = await em.execute<{ client_mutation_id: string }[]>(
    "SELECT client_mutation_id FROM bid_events WHERE bid_id = ? AND client_mutation_id IS NOT NULL",
    [fromGlobalId(bid.id)!.id],
  );
  const inLog = new Set(logged.map((r) => r.client_mutation_id));
  expect([...acked.keys()].filter((id) => !inLog.has(id))).toEqual([]);
  expect(logged.length).toBe(inLog.size);
  // Seqs are gapless.
  const end = (await em.execute<{ head_seq: number }[]>("SELECT head_seq FROM bids WHERE id = ?", [fromGlobalId(bid.id)!.id]))[0]!.head_seq;
  const seqs = await em.execute<{ seq: number }[]>("SELECT seq FROM bid_events WHERE bid_id = ? ORDER BY seq", [fromGlobalId(bid.id)!.id]);
  expect(seqs.map((r) => r.seq)).toEqual(Array.from({ length: end }, (_, i) => i + 1));
  // Every token typed is there, for everyone and in the database.
  const text = textOfClient(clients[0]!);
  expect(typed.flat().filter((t) => !text.includes(t))).toEqual([]);
  expect(await databaseText()).toBe(text);
  // Every editor connected to each of the three servers (and more often when it dropped on its own).
  expect(connections.every((n) => n >= 3)).toBe(true);
  clients.forEach((c) => c.destroy());
});
