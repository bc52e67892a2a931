import { PlatformRole } from "../../src/auth/roles";
import { encodeCursor } from "../../src/common/pagination";
import { TenderKind } from "../../src/tenders/tender.enums";
import { buildTender, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/** Bugs the security suites found, kept found. */
let server: TestServer;
let owner: TestUser, officer: TestUser, client: TestUser;
let coop: { gid: string };
let openTender: { id: string; gid: string };
let directOrder: { gid: string };

async function post(query: string, variables: Record<string, unknown>, token?: string) {
  const result = await server.raw(JSON.stringify({ query, variables }), {
    "content-type": "application/json",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  return result.body as { data?: Record<string, unknown> | null; errors?: { message: string; extensions: { code: string; field?: string } }[] };
}

async function insertTender(kind: TenderKind, clientId: string | null) {
  const t = await buildTender(server.orm.em.fork(), {
    kind,
    title: kind === TenderKind.DIRECT_ORDER ? "Commande directe : flyers" : "Impression des rapports",
    buyerName: "Client",
    clientId: clientId ?? undefined,
    lat: 49.44,
    lon: 1.1,
    deadline: new Date(Date.now() + 10 * 86400_000),
    lots: [{ title: "Impression", cpv: ["79810000"] }],
  });
  return { id: t.id, gid: t.gid };
}

beforeAll(async () => {
  server = await startTestServer();
  [owner, officer, client] = await Promise.all([
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.CLIENT),
  ]);
  coop = await insertCooperative(server.orm.em.fork(), { owner, skills: [["79810000", 5]], lat: 49.44, lon: 1.1 });
  openTender = await insertTender(TenderKind.PUBLIC_TENDER, null);
  directOrder = await insertTender(TenderKind.DIRECT_ORDER, client.id);
});
afterAll(async () => {
  await server.close();
});

test("a client's direct order is not among another cooperative's opportunities", async () => {
  const result = await post(
    "query($id: ID!) { cooperative(id: $id) { opportunities(first: 100) { edges { node { tender { id } } } } } }",
    { id: coop.gid },
    owner.token,
  );
  const ids = (result.data?.cooperative as { opportunities: { edges: { node: { tender: { id: string } } }[] } }).opportunities.edges.map(
    (e) => e.node.tender.id,
  );
  expect(ids).toContain(openTender.gid);
  expect(ids).not.toContain(directOrder.gid);
});

test("a NUL byte in the sign-in email is a wrong email, not an outage", async () => {
  const result = await post("mutation($i: SignInInput!) { signIn(input: $i) { token } }", { i: { email: "abc\u0000def@x.fr", password: "whatever12" } });
  expect(result.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
});

test.each([
  ["cooperatives", "{ cooperatives(first: 5, after: $after) { totalCount } }", ["x", "not-a-uuid"]],
  ["tenders", "{ tenders(first: 5, after: $after) { totalCount } }", ["garbage", "00000000-0000-4000-8000-000000000000"]],
  ["tenders by value", "{ tenders(first: 5, after: $after, orderBy: VALUE) { totalCount } }", [1e30, "00000000-0000-4000-8000-000000000000"]],
  ["bids", "{ bids(first: 5, after: $after) { totalCount } }", ["garbage", "x"]],
])("a forged cursor on %s is BAD_USER_INPUT on `after`", async (_label, selection, parts) => {
  const result = await post(`query($after: String) ${selection}`, { after: encodeCursor(parts) }, officer.token);
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
});

test("the lots of a tender with bids cannot be rewritten", async () => {
  const bid = await post(
    "mutation($i: CreateBidInput!) { createBid(input: $i) { id } }",
    { i: { tenderId: openTender.gid, leadCooperativeId: coop.gid, groupType: "CONJOINT" } },
    owner.token,
  );
  expect(bid.errors).toBeUndefined();
  const [before] = await server.orm.em.getConnection().execute<{ id: string }[]>("SELECT id FROM lots WHERE tender_id = ?", [openTender.id]);
  const result = await post(
    "mutation($id: ID!, $i: UpdateTenderInput!) { updateTender(id: $id, input: $i) { id } }",
    { id: openTender.gid, i: { lots: [{ number: 1, title: "Impression", cpvCodes: ["79810000"] }] } },
    officer.token,
  );
  expect(result.errors?.[0]?.extensions.code).toBe("INVALID_STATE");
  const [after] = await server.orm.em.getConnection().execute<{ id: string }[]>("SELECT id FROM lots WHERE tender_id = ?", [openTender.id]);
  expect(after?.id).toBe(before?.id);
});

test("submitDirectOrder refuses a clientId instead of ignoring it", async () => {
  const result = await post(
    "mutation($i: CreateTenderInput!) { submitDirectOrder(input: $i) { id } }",
    { i: { kind: "DIRECT_ORDER", title: "Flyers", clientId: owner.globalId, lots: [{ number: 1, title: "Impression", cpvCodes: ["79810000"] }] } },
    client.token,
  );
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.clientId" });
});
