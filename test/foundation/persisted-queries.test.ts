import { createHash } from "node:crypto";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * The README's "Persisted queries and GET" section, step by step: automatic persisted queries
 * (a sha256 hash instead of the text, once the server knows it), over POST and GET; GET serves
 * queries only and, like any request a browser could send cross-site, needs a preflight header.
 */

let server: TestServer;
let user: TestUser;
beforeAll(async () => {
  server = await startTestServer();
  user = await createUser(server);
});
afterAll(async () => {
  await server.close();
});

const query = "query Me { viewer { email } }";
const sha256Hash = createHash("sha256").update(query).digest("hex");
const extensions = { persistedQuery: { version: 1, sha256Hash } };

async function post(body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function get(
  params: Record<string, string>,
  headers: Record<string, string> = { "apollo-require-preflight": "1" },
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}?${new URLSearchParams(params).toString()}`, { headers: { authorization: `Bearer ${user.token}`, ...headers } });
  return { status: response.status, body: await response.json() };
}

test("the hash alone first answers PERSISTED_QUERY_NOT_FOUND; sent once with its text, the hash alone then runs, over POST and GET", async () => {
  const unknown = await post({ extensions });
  expect(unknown.status).toBe(200);
  expect(JSON.stringify(unknown.body)).toMatch(/PERSISTED_QUERY_NOT_FOUND/);
  expect(await post({ query, extensions })).toEqual({ status: 200, body: { data: { viewer: { email: user.email } } } });
  expect(await post({ extensions })).toEqual({ status: 200, body: { data: { viewer: { email: user.email } } } });
  expect(await get({ extensions: JSON.stringify(extensions) })).toEqual({ status: 200, body: { data: { viewer: { email: user.email } } } });
});

test("GET runs queries with ?query= and ?variables=, refuses mutations (405), and wants a preflight header", async () => {
  const byGet = await get({ query: "query One($first: Int) { cooperatives(first: $first) { totalCount } }", variables: JSON.stringify({ first: 1 }) });
  expect(byGet).toEqual({ status: 200, body: { data: { cooperatives: { totalCount: 0 } } } });
  const mutation = await get({ query: "mutation { signOut }" });
  expect(mutation.status).toBe(405);
  const simple = await get({ query }, {});
  expect(simple.status).toBe(400);
  expect(JSON.stringify(simple.body)).toMatch(/apollo-require-preflight|CSRF/i);
});
