import { randomUUID } from "node:crypto";
import { createClient, type Client as WsClient } from "graphql-ws";
import WebSocket from "ws";
import { PlatformRole } from "../../src/auth/roles";
import { LIMITS } from "../../src/common/limits";
import { toGlobalId } from "../../src/common/node";
import { createWorld, type BidWorld } from "../bids/bid-setup";
import { buildMember, createUser, sessionToken } from "../helpers/factories";
import { MemberRole } from "../../src/cooperatives/cooperative.enums";
import { startTestServer, type TestServer } from "../helpers/server";
import { nextEvent, settledWithin, until } from "../helpers/wait";
import { changedTables, codeOf, doc, snapshot, type Vars } from "./harness";
import { yUpdate } from "./world";

/*
 * Access on open sockets (issue 14): a person who loses access stops reading at once, on every
 * instance; a replay by clientMutationId is checked like a first call; a record of someone else's
 * bid reads like a missing one; and the socket rules (no anonymous socket, idle sockets closed,
 * sockets per address, operations per socket).
 */

let server: TestServer;
let server2: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server2 = await startTestServer({ db: server.db });
});
afterAll(async () => {
  await server2.close();
  await server.close();
});

async function call(target: TestServer, token: string | null, text: string, variables: Vars = {}) {
  return target.gql(doc(text), variables, token);
}

async function ok<T = Record<string, unknown>>(target: TestServer, token: string, text: string, variables: Vars = {}): Promise<T> {
  const result = await call(target, token, text, variables);
  if (result.errors?.length || !result.data) throw new Error(`${text.slice(0, 60)}: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** A running subscription: its results, and a promise of how it ended (complete, error or socket close). */
interface Watch {
  results: unknown[];
  ended: Promise<{ how: "complete" | "error" | "closed"; code?: number; errors?: unknown }>;
  first: Promise<void>;
}

function watch(client: WsClient, query: string, variables: Vars): Watch {
  const results: unknown[] = [];
  let gotFirst: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (gotFirst = resolve));
  const ended = new Promise<Awaited<Watch["ended"]>>((resolve) => {
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          results.push(value);
          gotFirst();
        },
        error: (error) => {
          if (Array.isArray(error)) resolve({ how: "error", errors: error });
          else if (typeof error === "object" && error && "code" in error) resolve({ how: "closed", code: Number(error.code) });
          else resolve({ how: "error", errors: error });
        },
        complete: () => resolve({ how: "complete" }),
      },
    );
  });
  return { results, ended, first };
}

/** What `ended` settles to within `ms`, or "running". Long enough for a notification; far below the old 15 s recheck. */
function outcome(w: Watch, ms = 5000) {
  return settledWithin(w.ended, ms);
}

/** Another owner, so that the one the test names may leave the cooperative. */
async function addOwner(cooperativeId: string): Promise<void> {
  await buildMember(server, cooperativeId, { role: MemberRole.OWNER });
}

const BID_EVENTS = `subscription($bidId: ID!) { bidEvents(bidId: $bidId, afterSeq: 0) { seq type } }`;
const BID_PRESENCE = `subscription($bidId: ID!) { bidPresence(bidId: $bidId) { online { name } } }`;
const BID_QUERY = `query($id: ID!) { bid(id: $id) { id title } }`;

/** A bid led by A with B invited, and its section. */
async function scene(): Promise<{ w: BidWorld; bidId: string; sectionId: string; memberB: string }> {
  const w = await createWorld(server);
  const created = await ok<{ createBid: { id: string } }>(server, w.lead.token, `mutation($input: CreateBidInput!) { createBid(input: $input) { id } }`, {
    input: { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" },
  });
  const bidId = created.createBid.id;
  const invited = await ok<{ inviteBidMember: { id: string } }>(
    server,
    w.lead.token,
    `mutation($input: InviteBidMemberInput!) { inviteBidMember(input: $input) { id } }`,
    {
      input: { bidId, cooperativeId: w.coopB.gid },
    },
  );
  const section = await ok<{ addBidSection: { id: string } }>(
    server,
    w.lead.token,
    `mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }`,
    {
      input: { bidId, title: "Mémoire technique" },
    },
  );
  return { w, bidId, sectionId: section.addBidSection.id, memberB: invited.inviteBidMember.id };
}

describe("a person who loses access stops reading at once, on every instance", () => {
  test("leaving the cooperative ends bidEvents and bidPresence at once, on this instance and the other; the socket stays open", async () => {
    const s = await scene();
    await addOwner(s.w.coopB.id);
    const here = server.ws(s.w.partner.token);
    const there = server2.ws(s.w.partner.token);
    const events = watch(here, BID_EVENTS, { bidId: s.bidId });
    const presence = watch(there, BID_PRESENCE, { bidId: s.bidId });
    await Promise.all([events.first, presence.first]);
    // The partner leaves cooperative B (through the first instance).
    await ok(server, s.w.partner.token, `mutation($c: ID!, $u: ID!) { removeCooperativeMember(cooperativeId: $c, userId: $u) { id } }`, {
      c: s.w.coopB.gid,
      u: s.w.partner.globalId,
    });
    expect(await outcome(events)).toEqual({ how: "complete" });
    expect(await outcome(presence)).toEqual({ how: "complete" });
    // Nothing more was delivered after the change, and the sockets still serve what the person may read.
    const seen = events.results.length;
    await ok(server, s.w.lead.token, `mutation($input: AddSectionInput!) { addBidSection(input: $input) { id } }`, {
      input: { bidId: s.bidId, title: "Après" },
    });
    expect(events.results.length).toBe(seen);
    const again = watch(here, `query { viewer { id } }`, {});
    await again.first;
    expect(again.results).toHaveLength(1);
    await Promise.all([here.dispose(), there.dispose()]);
  });

  test("a role change closes the person's sockets on every instance, with no operation sent; the old token is refused", async () => {
    const s = await scene();
    const officer = await createUser(server, PlatformRole.MISSION_OFFICER);
    // An officer reads any bid: both instances stream A's bid to them.
    const here = server.ws(officer.token);
    const there = server2.ws(officer.token);
    const a = watch(here, BID_EVENTS, { bidId: s.bidId });
    const b = watch(there, BID_EVENTS, { bidId: s.bidId });
    await Promise.all([a.first, b.first]);
    await ok(server, s.w.admin.token, `mutation($u: ID!) { setUserRole(userId: $u, role: MEMBER) { id } }`, { u: officer.globalId });
    expect(await outcome(a)).toEqual({ how: "closed", code: 4401 });
    expect(await outcome(b)).toEqual({ how: "closed", code: 4401 });
    // A new socket with the old token is refused, and so is HTTP.
    const reopened = watch(server.ws(officer.token), BID_QUERY, { id: s.bidId });
    expect((await outcome(reopened)).how).toBe("closed");
    expect((await call(server, officer.token, BID_QUERY, { id: s.bidId })).status).toBe(401);
  });

  test("signing out closes that session's sockets, and signing out everywhere closes them all", async () => {
    const s = await scene();
    const other = await sessionToken(server, s.w.lead.id, PlatformRole.MEMBER);
    const a = watch(server.ws(s.w.lead.token), BID_EVENTS, { bidId: s.bidId });
    const b = watch(server2.ws(other), BID_EVENTS, { bidId: s.bidId });
    await Promise.all([a.first, b.first]);
    // This session only: its socket closes, the other session's goes on.
    await ok(server2, s.w.lead.token, `mutation { signOut(everywhere: false) }`);
    expect(await outcome(a)).toEqual({ how: "closed", code: 4401 });
    expect(await outcome(b, 500)).toEqual({ how: "running" });
    await ok(server, other, `mutation { signOut(everywhere: true) }`);
    expect(await outcome(b)).toEqual({ how: "closed", code: 4401 });
  });

  test("a revoked API token's socket closes at once", async () => {
    const admin = await createUser(server, PlatformRole.ADMIN);
    const created = await ok<{ createApiToken: { secret: string; apiToken: { id: string } } }>(
      server,
      admin.token,
      `mutation { createApiToken(input: { name: "feed", scopes: [READ] }) { secret apiToken { id } } }`,
    );
    // A socket held open (not lazy), as an integrator's long-lived connection is.
    const client = createClient({
      url: server2.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${created.createApiToken.secret}` },
      lazy: false,
      retryAttempts: 0,
    });
    const closed = new Promise<number>((resolve) => client.on("closed", (event) => resolve(Number((event as { code: number }).code))));
    const q = watch(client, `query { cooperatives(first: 1) { totalCount } }`, {});
    await q.first;
    await ok(server, admin.token, `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, { id: created.createApiToken.apiToken.id });
    expect(await closed).toBe(4401);
    await client.dispose();
  });

  test("every operation on an open socket checks access as it is now, even when no announcement came", async () => {
    const s = await scene();
    const client = server.ws(s.w.lead.token);
    // A running subscription holds the socket open (the test client is lazy).
    const held = watch(client, BID_EVENTS, { bidId: s.bidId });
    await held.first;
    // The token's version moves behind the bus's back (as a change on another database client would).
    await server.orm.em.getConnection().execute("UPDATE users SET token_version = token_version + 1 WHERE id = ?", [s.w.lead.id]);
    const next = watch(client, BID_QUERY, { id: s.bidId });
    const ended = await outcome(next);
    // The socket closes with 4401; the operation's refusal may reach the client before the close.
    const label = ended.how === "closed" ? `closed:${ended.code}` : ended.how === "error" ? `error:${codeOf(ended.errors as never)}` : ended.how;
    expect(["closed:4401", "error:UNAUTHENTICATED"]).toContain(label);
    expect(next.results).toHaveLength(0);
    await client.dispose();
  });
});

describe("a replay by clientMutationId is checked like a first call", () => {
  test("someone who left the lead cooperative does not get the bid back by replaying createBid", async () => {
    const w = await createWorld(server);
    const id = randomUUID();
    const input = { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT", clientMutationId: id };
    const create = `mutation($input: CreateBidInput!) { createBid(input: $input) { id title sections { id } } }`;
    const first = await call(server, w.lead.token, create, { input });
    expect(first.errors).toBeUndefined();
    // A second owner keeps cooperative A; the first leaves it.
    await addOwner(w.coopA.id);
    await ok(server, w.lead.token, `mutation($c: ID!, $u: ID!) { removeCooperativeMember(cooperativeId: $c, userId: $u) { id } }`, {
      c: w.coopA.gid,
      u: w.lead.globalId,
    });
    const replay = await call(server, w.lead.token, create, { input });
    expect(replay.data?.createBid ?? null).toBeNull();
    expect(codeOf(replay.errors)).toBe("FORBIDDEN");
  });

  test("the same id with another payload is a CONFLICT and writes nothing; the same payload replays", async () => {
    const s = await scene();
    const id = randomUUID();
    const add = `mutation($input: AddSectionInput!) { addBidSection(input: $input) { id title } }`;
    const first = await ok<{ addBidSection: { id: string } }>(server, s.w.lead.token, add, {
      input: { bidId: s.bidId, title: "Références", clientMutationId: id },
    });
    const same = await ok<{ addBidSection: { id: string } }>(server2, s.w.lead.token, add, {
      input: { bidId: s.bidId, title: "Références", clientMutationId: id },
    });
    expect(same.addBidSection.id).toBe(first.addBidSection.id);
    const before = await snapshot(server);
    const other = await call(server, s.w.lead.token, add, { input: { bidId: s.bidId, title: "Autre chose", clientMutationId: id } });
    expect(codeOf(other.errors)).toBe("CONFLICT");
    expect(other.errors?.[0]?.message).toMatch(/clientMutationId/);
    // Another mutation under the same id is another payload too.
    const bid = await ok<{ bid: { version: number } }>(server, s.w.lead.token, `query($id: ID!) { bid(id: $id) { version } }`, { id: s.bidId });
    const update = await call(server, s.w.lead.token, `mutation($input: UpdateBidInput!) { updateBid(input: $input) { id } }`, {
      input: { bidId: s.bidId, title: "Nouveau titre", expectedVersion: bid.bid.version, clientMutationId: id },
    });
    expect(codeOf(update.errors)).toBe("CONFLICT");
    expect(changedTables(before, await snapshot(server))).toEqual([]);
  });

  test("a text update whose clientMutationId was used for other content is a CONFLICT, not a silent replay", async () => {
    const s = await scene();
    const id = randomUUID();
    const apply = `mutation($input: ApplySectionUpdateInput!) { applySectionUpdate(input: $input) { seq } }`;
    const update = yUpdate("bonjour");
    const first = await ok<{ applySectionUpdate: { seq: number } }>(server, s.w.lead.token, apply, {
      input: { sectionId: s.sectionId, update, clientMutationId: id },
    });
    const retry = await ok<{ applySectionUpdate: { seq: number } }>(server, s.w.lead.token, apply, {
      input: { sectionId: s.sectionId, update, clientMutationId: id },
    });
    expect(retry.applySectionUpdate.seq).toBe(first.applySectionUpdate.seq);
    const other = await call(server, s.w.lead.token, apply, { input: { sectionId: s.sectionId, update: yUpdate("au revoir"), clientMutationId: id } });
    expect(codeOf(other.errors)).toBe("CONFLICT");
  });
});

describe("a record of someone else's bid reads exactly like a missing one", () => {
  test("price lines, sections and members of a competitor's bid: the same message as for ids that do not exist", async () => {
    const s = await scene();
    const line = await ok<{ addBidPriceLine: { id: string } }>(
      server,
      s.w.lead.token,
      `mutation($input: AddPriceLineInput!) { addBidPriceLine(input: $input) { id } }`,
      {
        input: { bidId: s.bidId, lotId: s.w.lots[0]!.gid, memberId: (await leadMember(s)).id, description: "Impression", quantity: 1, unitPrice: 14500 },
      },
    );
    const cases: [string, string, (id: string) => Vars][] = [
      [
        "BidPriceLine",
        `mutation($input: UpdatePriceLineInput!) { updateBidPriceLine(input: $input) { id } }`,
        (id) => ({ input: { priceLineId: id, expectedVersion: 1, unitPrice: 1 } }),
      ],
      [
        "BidPriceLine",
        `mutation($input: RemovePriceLineInput!) { removeBidPriceLine(input: $input) { id } }`,
        (id) => ({ input: { priceLineId: id, expectedVersion: 1 } }),
      ],
      [
        "BidSection",
        `mutation($input: UpdateSectionInput!) { updateBidSection(input: $input) { id } }`,
        (id) => ({ input: { sectionId: id, expectedVersion: 1, title: "x" } }),
      ],
      [
        "BidSection",
        `mutation($input: RemoveSectionInput!) { removeBidSection(input: $input) { id } }`,
        (id) => ({ input: { sectionId: id, expectedVersion: 1 } }),
      ],
      [
        "BidSection",
        `mutation($input: ApplySectionUpdateInput!) { applySectionUpdate(input: $input) { seq } }`,
        (id) => ({ input: { sectionId: id, update: yUpdate("x") } }),
      ],
      [
        "BidMember",
        `mutation($input: AnswerBidInvitationInput!) { answerBidInvitation(input: $input) { id } }`,
        (id) => ({ input: { memberId: id, accept: true } }),
      ],
      [
        "BidMember",
        `mutation($input: RemoveBidMemberInput!) { removeBidMember(input: $input) { id } }`,
        (id) => ({ input: { memberId: id, expectedVersion: 1 } }),
      ],
    ];
    const real: Record<string, string> = { BidPriceLine: line.addBidPriceLine.id, BidSection: s.sectionId, BidMember: s.memberB };
    const before = await snapshot(server);
    for (const [kind, text, vars] of cases) {
      const missing = toGlobalId(kind, randomUUID());
      for (const transport of ["http", "ws"] as const) {
        const ask = async (id: string) => {
          if (transport === "http") return (await call(server, s.w.rival.token, text, vars(id))).errors;
          const client = server.ws(s.w.rival.token);
          const w = watch(client, text, vars(id));
          await w.ended;
          await client.dispose();
          // Execution errors come in the operation's result.
          return (w.results[0] as { errors?: { message: string; extensions?: Record<string, unknown> }[] } | undefined)?.errors;
        };
        const a = await ask(real[kind]!);
        const b = await ask(missing);
        const strip = (errors: { message: string; extensions?: Record<string, unknown> }[] | undefined, id: string) =>
          (errors ?? []).map((e) => ({ message: e.message.replaceAll(id, "<id>"), code: e.extensions?.code }));
        expect([kind, transport, strip(a as never, real[kind]!)]).toEqual([kind, transport, strip(b as never, missing)]);
        expect(codeOf(a as never)).toBe("NOT_FOUND");
      }
    }
    expect(changedTables(before, await snapshot(server))).toEqual([]);
  });

  async function leadMember(s: { w: BidWorld; bidId: string }) {
    const data = await ok<{ bid: { members: { id: string; role: string }[] } }>(
      server,
      s.w.lead.token,
      `query($id: ID!) { bid(id: $id) { members { id role } } }`,
      { id: s.bidId },
    );
    return data.bid.members.find((m) => m.role === "LEAD")!;
  }
});

describe("socket rules", () => {
  /** Opens a raw graphql-ws socket and sends connection_init; resolves with how it was answered. */
  function rawInit(
    target: TestServer,
    payload: Record<string, unknown>,
  ): Promise<{ acked: boolean; code?: number; reason?: string; status?: number; socket: WebSocket }> {
    return new Promise((resolve) => {
      const socket = new WebSocket(target.wsUrl, "graphql-transport-ws");
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload })));
      socket.on("message", (data) => {
        if ((JSON.parse(new TextDecoder().decode(Array.isArray(data) ? Buffer.concat(data) : data)) as { type: string }).type === "connection_ack")
          resolve({ acked: true, socket });
      });
      socket.on("close", (code, reason) => resolve({ acked: false, code, reason: reason.toString(), socket }));
      socket.on("unexpected-response", (_req, res) => resolve({ acked: false, status: res.statusCode, socket }));
      socket.on("error", () => undefined);
    });
  }

  test("an anonymous connection_init is refused with 4401", async () => {
    const answers = await Promise.all([rawInit(server, {}), rawInit(server, { authorization: "" }), rawInit(server, { authorization: "Bearer " })]);
    expect(answers.map((a) => [a.acked, a.code])).toEqual([
      [false, 4401],
      [false, 4401],
      [false, 4401],
    ]);
  });

  test("a token sent under connection_init's headers (as over HTTP) is refused with 4401 and a reason naming payload.authorization", async () => {
    const user = await createUser(server);
    const misplaced = await Promise.all([
      rawInit(server, { headers: { Authorization: `Bearer ${user.token}` } }),
      rawInit(server, { headers: { authorization: `Bearer ${user.token}` } }),
    ]);
    for (const answer of misplaced) {
      expect([answer.acked, answer.code]).toEqual([false, 4401]);
      expect(answer.reason).toMatch(/payload\.authorization, not in payload\.headers/);
    }
    const none = await rawInit(server, {});
    expect(none.reason).toMatch(/\{"authorization": "Bearer <token>"\}/);
    // The right place works.
    const right = await rawInit(server, { authorization: `Bearer ${user.token}` });
    expect(right.acked).toBe(true);
    right.socket.close();
  });

  test("the protocol's own rules: no connection_init within the wait closes with 4408, text that is not JSON with 4400, a second init with 4429", async () => {
    const user = await createUser(server);
    const silent = new WebSocket(server.wsUrl, "graphql-transport-ws");
    silent.on("error", () => undefined);
    const started = Date.now();
    const closed = await new Promise<[number, string]>((resolve) => silent.once("close", (code, reason) => resolve([code, reason.toString()])));
    expect(closed).toEqual([4408, "Connection initialisation timeout"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LIMITS.connectionInitTimeoutMs - 100);
    // A socket that sends its init in time is acknowledged and stays past the wait's end.
    const prompt = await rawInit(server, { authorization: `Bearer ${user.token}` });
    expect(prompt.acked).toBe(true);
    const garbled = await rawInit(server, { authorization: `Bearer ${user.token}` });
    garbled.socket.send("{not json");
    expect(await nextEvent<number>(garbled.socket, "close", { label: "the garbled socket's close" })).toBe(4400);
    const twice = await rawInit(server, { authorization: `Bearer ${user.token}` });
    twice.socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${user.token}` } }));
    expect(await nextEvent<number>(twice.socket, "close", { label: "the second init's close" })).toBe(4429);
    expect(prompt.socket.readyState).toBe(WebSocket.OPEN);
    prompt.socket.close();
  });

  test("a socket that holds no operation is closed after the idle time; one that holds a subscription is not", async () => {
    const quick = await startTestServer({ db: server.db, env: { WS_IDLE_TIMEOUT_MS: "300" } });
    try {
      const user = await createUser(quick);
      const idle = await rawInit(quick, { authorization: `Bearer ${user.token}` });
      expect(idle.acked).toBe(true);
      const closed = await nextEvent<number>(idle.socket, "close", { label: "the idle socket's close" });
      expect(closed).toBe(4408);
      // A subscription keeps its socket: it outlives several idle periods.
      const s = await createWorld(quick);
      const created = await ok<{ createBid: { id: string } }>(quick, s.lead.token, `mutation($input: CreateBidInput!) { createBid(input: $input) { id } }`, {
        input: { tenderId: s.tender.gid, leadCooperativeId: s.coopA.gid, groupType: "CONJOINT" },
      });
      const client = quick.ws(s.lead.token);
      const live = watch(client, BID_EVENTS, { bidId: created.createBid.id });
      await live.first;
      expect(await outcome(live, 1200)).toEqual({ how: "running" });
      await client.dispose();
    } finally {
      await quick.close();
    }
  });

  test("one address opens at most WS_SOCKETS_PER_ADDRESS sockets: the next upgrade answers 429", async () => {
    const capped = await startTestServer({ db: server.db, env: { WS_SOCKETS_PER_ADDRESS: "3" } });
    try {
      const user = await createUser(capped);
      const open = await Promise.all([1, 2, 3].map(() => rawInit(capped, { authorization: `Bearer ${user.token}` })));
      expect(open.map((o) => o.acked)).toEqual([true, true, true]);
      const fourth = await rawInit(capped, { authorization: `Bearer ${user.token}` });
      expect([fourth.acked, fourth.status]).toEqual([false, 429]);
      // A closed socket frees its place.
      const closing = nextEvent(open[0]!.socket, "close", { label: "the first socket's close" });
      open[0]!.socket.close();
      await closing;
      // The place is given back when the server sees the close: until then an upgrade is refused.
      const reopened = await until(
        async () => {
          const attempt = await rawInit(capped, { authorization: `Bearer ${user.token}` });
          return attempt.acked ? attempt : undefined;
        },
        { label: "a fourth socket to be admitted once one closed", timeoutMs: 5000 },
      );
      expect(reopened.acked).toBe(true);
      reopened.socket.close();
      for (const o of open) o.socket.close();
    } finally {
      await capped.close();
    }
  });

  test("more than 50 operations at once on one socket answer RATE_LIMITED, not INTERNAL_SERVER_ERROR", async () => {
    const s = await scene();
    const client = server.ws(s.w.lead.token);
    const running = Array.from({ length: 50 }, () => watch(client, BID_EVENTS, { bidId: s.bidId }));
    await Promise.all(running.map((r) => r.first));
    const extra = watch(client, BID_QUERY, { id: s.bidId });
    const ended = await extra.ended;
    expect(ended.how).toBe("error");
    expect(codeOf(ended.errors as never)).toBe("RATE_LIMITED");
    await client.dispose();
  });
});
