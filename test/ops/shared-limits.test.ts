import { WebSocket } from "ws";
import { SignInDocument } from "../generated/graphql";
import { createUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";

/*
 * Limits shared by instances: two servers on one database enforce one sign-in limit and one
 * per-address socket cap between them, not one each.
 */

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer({ env: { WS_SOCKETS_PER_ADDRESS: "3" } });
  b = await startTestServer({ db: a.db, env: { WS_SOCKETS_PER_ADDRESS: "3" } });
});
afterAll(async () => {
  await b.close();
  await a.close();
});

interface Upgrade {
  acked: boolean;
  status?: number;
  socket: WebSocket;
}

function open(target: TestServer, token: string): Promise<Upgrade> {
  return new Promise((resolve) => {
    const socket = new WebSocket(target.wsUrl, "graphql-transport-ws");
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    socket.on("message", (data) => {
      if ((JSON.parse(new TextDecoder().decode(Array.isArray(data) ? Buffer.concat(data) : data)) as { type: string }).type === "connection_ack")
        resolve({ acked: true, socket });
    });
    socket.on("close", () => resolve({ acked: false, socket }));
    socket.on("unexpected-response", (_req, res) => resolve({ acked: false, status: res.statusCode, socket }));
    socket.on("error", () => undefined);
  });
}

async function closeAll(upgrades: Upgrade[]): Promise<void> {
  await Promise.all(
    upgrades.map(
      (u) =>
        new Promise<void>((resolve) => {
          if (u.socket.readyState === WebSocket.CLOSED) return resolve();
          u.socket.once("close", () => resolve());
          u.socket.close();
        }),
    ),
  );
}

/** Slots are given back asynchronously when the TCP socket closes: wait until the count says so. */
async function slotsOpen(): Promise<number> {
  const [row] = await a.orm.em.getConnection().execute<{ n: string }[]>("SELECT coalesce(sum(count), 0) AS n FROM socket_slots");
  return Number(row?.n ?? 0);
}
async function untilSlots(n: number): Promise<void> {
  await until(async () => (await slotsOpen()) === n, { label: `${n} socket slots`, timeoutMs: 5000 });
}

test("the sign-in limit per account counts attempts on both instances together", async () => {
  const email = "shared-target@example.coop";
  const answers: string[][] = [];
  // Ten attempts are allowed per account in five minutes; they alternate between the instances.
  for (let i = 0; i < 11; i++) {
    const target = i % 2 === 0 ? a : b;
    answers.push(codes(await target.gql(SignInDocument, { input: { email, password: `wrong guess ${i}` } })));
  }
  expect(answers.slice(0, 10).every((c) => !c.includes("RATE_LIMITED"))).toBe(true);
  expect(answers[10]).toEqual(["RATE_LIMITED"]);
  // And the other instance refuses too: the count is one.
  expect(codes(await a.gql(SignInDocument, { input: { email, password: "one more" } }))).toEqual(["RATE_LIMITED"]);
  // The table holds hashes, never the e-mail.
  const keys = await a.orm.em.getConnection().execute<{ key: string }[]>("SELECT key FROM rate_limits");
  expect(keys.some((k) => k.key.includes("shared-target"))).toBe(false);
});

test("one address opens at most WS_SOCKETS_PER_ADDRESS sockets across both instances", async () => {
  const user = await createUser(a);
  const first = await Promise.all([open(a, user.token), open(a, user.token), open(b, user.token)]);
  expect(first.map((u) => u.acked)).toEqual([true, true, true]);
  const fourthOnA = await open(a, user.token);
  const fourthOnB = await open(b, user.token);
  expect([fourthOnA.status, fourthOnB.status]).toEqual([429, 429]);
  // A socket closed on one instance frees a place on the other.
  await closeAll([first[0]]);
  await untilSlots(2);
  const again = await open(b, user.token);
  expect(again.acked).toBe(true);
  await closeAll([...first, again]);
  await untilSlots(0);
});

test("the sockets of an instance that stops stop counting", async () => {
  const c = await startTestServer({ db: a.db, env: { WS_SOCKETS_PER_ADDRESS: "3" } });
  const user = await createUser(a);
  const held = await Promise.all([open(c, user.token), open(c, user.token), open(c, user.token)]);
  expect(held.map((u) => u.acked)).toEqual([true, true, true]);
  expect((await open(a, user.token)).status).toBe(429);
  await c.close();
  await closeAll(held);
  const after = await open(a, user.token);
  expect(after.acked).toBe(true);
  await closeAll([after]);
});

test("the sockets of a crashed instance stop counting when its database connection goes", async () => {
  const c = await startTestServer({ db: a.db, env: { WS_SOCKETS_PER_ADDRESS: "3" } });
  try {
    const user = await createUser(a);
    const held = await Promise.all([open(c, user.token), open(c, user.token), open(c, user.token)]);
    expect(held.map((u) => u.acked)).toEqual([true, true, true]);
    expect((await open(a, user.token)).status).toBe(429);
    // What PostgreSQL sees of a crash: the instance's slot connection ends without a word. The
    // signal is asynchronous: waited for (up to 5 s) until the backend has left pg_stat_activity,
    // or a claim made meanwhile still counts the connection (seen under load).
    const [row] = await a.orm.em.getConnection().execute<{ instance_id: string }[]>("SELECT instance_id FROM socket_slots WHERE count = 3");
    const ended = await a.orm.em
      .getConnection()
      .execute<{ ended: boolean }[]>("SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_stat_activity WHERE application_name = ?", [
        `scopgraph-sockets:${row!.instance_id}`,
      ]);
    expect(ended.map((r) => r.ended)).toEqual([true]);
    const after = await open(a, user.token);
    expect(after.acked).toBe(true);
    await closeAll([after, ...held]);
  } finally {
    await c.close();
  }
});
