import { randomUUID } from "node:crypto";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * The HTTP fast path (src/http/fast-graphql.ts) answers known queries before Express. Every
 * request below is sent twice: to /graphql, and to /graphql?full, which the fast path never takes
 * (Apollo ignores the query string of a POST). The two answers must be the same — status, body
 * and every header but Date — and the fast path must have answered, handed on, or left alone the
 * first as expected.
 */

let dev: TestServer;
let production: TestServer;
let user: TestUser;
let officer: TestUser;

beforeAll(async () => {
  [dev, production] = await Promise.all([startTestServer(), startTestServer({ env: { NODE_ENV: "production", CORS_ORIGINS: "https://app.example" } })]);
  user = await createUser(dev);
  officer = await createUser(production);
}, 60_000);
afterAll(async () => {
  await Promise.all([dev?.close(), production?.close()]);
});

type Route = "answered" | "handedOn" | "untouched";

interface Case {
  headers: Record<string, string>;
  body: string | Blob;
  route: Route;
}

const json = { "content-type": "application/json" };

function post(query: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ query, ...extra });
}

async function send(url: string, c: Case, requestId: string) {
  const response = await fetch(url, { method: "POST", headers: { ...c.headers, "x-request-id": requestId }, body: c.body });
  const body = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "date") headers[name] = value;
  });
  return { status: response.status, headers, body };
}

async function compare(server: TestServer, c: Case) {
  const before = { ...server.fastPath };
  const requestId = randomUUID();
  const fast = await send(server.url, c, requestId);
  const after = { ...server.fastPath };
  const full = await send(`${server.url}?full`, c, requestId);
  expect(server.fastPath).toEqual(after);
  const route: Route = after.answered > before.answered ? "answered" : after.handedOn > before.handedOn ? "handedOn" : "untouched";
  return { fast, full, route };
}

function devCases(): Record<string, Case> {
  // Read when the test runs (the names are listed before beforeAll).
  const auth = { ...json, authorization: `Bearer ${user?.token}` };
  return {
    "a signed-in query": { headers: auth, body: post("{ viewer { id } }"), route: "answered" },
    "an anonymous query": { headers: json, body: post("{ __typename }"), route: "answered" },
    "an operation picked by name, with variables": {
      headers: auth,
      body: post("query A { viewer { id } } query B($n: Int) { cooperatives(first: $n) { edges { node { name } } } }", {
        operationName: "B",
        variables: { n: 2 },
      }),
      route: "answered",
    },
    "charset=utf-8 and an allowed origin": {
      headers: { ...auth, "content-type": "application/json; charset=utf-8", origin: "http://localhost:5173" },
      body: post("{ viewer { id } }"),
      route: "answered",
    },
    "an origin that is not allowed": { headers: { ...auth, origin: "https://evil.example" }, body: post("{ viewer { id } }"), route: "answered" },
    "Accept: application/graphql-response+json": {
      headers: { ...auth, accept: "application/graphql-response+json" },
      body: post("{ viewer { id } }"),
      route: "answered",
    },
    "a byte order mark": { headers: auth, body: new Blob([new Uint8Array([0xef, 0xbb, 0xbf]), post("{ __typename }")]), route: "answered" },
    "Accept: text/html": { headers: { ...auth, accept: "text/html" }, body: post("{ viewer { id } }"), route: "untouched" },
    "a token that is not valid": { headers: { ...json, authorization: "Bearer nope" }, body: post("{ viewer { id } }"), route: "handedOn" },
    "malformed JSON": { headers: json, body: "{not json", route: "handedOn" },
    "not an object": { headers: json, body: '"{ __typename }"', route: "handedOn" },
    "a batch": { headers: json, body: `[${post("{ __typename }")}]`, route: "handedOn" },
    "an empty body": { headers: json, body: "", route: "handedOn" },
    "an empty object": { headers: json, body: "{}", route: "handedOn" },
    "variables as a string": { headers: json, body: post("{ __typename }", { variables: "{}" }), route: "handedOn" },
    "a syntax error": { headers: json, body: post("{ viewer { id }"), route: "handedOn" },
    "a validation error": { headers: auth, body: post("{ nope }"), route: "handedOn" },
    "an unknown operation name": { headers: auth, body: post("query A { viewer { id } }", { operationName: "B" }), route: "handedOn" },
    "an error in a resolver": { headers: auth, body: post("{ cooperatives(first: 5000) { edges { node { name } } } }"), route: "handedOn" },
    "over the cost limit, fragments that double 40 times (never compiled)": {
      headers: auth,
      body: post(
        [
          "query { tenders(first: 1) { edges { node { ...F0 } } } }",
          ...Array.from({ length: 40 }, (_, i) => `fragment F${i} on Tender { ...F${i + 1} ...F${i + 1} }`),
          "fragment F40 on Tender { id }",
        ].join("\n"),
      ),
      route: "handedOn",
    },
    "a mutation": {
      headers: json,
      body: post('mutation { signIn(input: { email: "nobody@test.coop", password: "wrong password" }) { token } }'),
      route: "handedOn",
    },
    "a subscription": { headers: auth, body: post('subscription { bidEvents(bidId: "x") { __typename } }'), route: "handedOn" },
    introspection: { headers: json, body: post("{ __schema { queryType { name } } }"), route: "handedOn" },
    "a persisted query": {
      headers: json,
      body: post("{ __typename }", { extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }),
      route: "handedOn",
    },
    "text/plain (CSRF prevention)": { headers: { "content-type": "text/plain" }, body: post("{ __typename }"), route: "untouched" },
    "another charset": { headers: { "content-type": "application/json; charset=latin1" }, body: post("{ __typename }"), route: "untouched" },
  };
}

test.each(Object.keys(devCases()))("%s: the same answer as the full path", async (name) => {
  const c = devCases()[name]!;
  const { fast, full, route } = await compare(dev, c);
  expect(fast).toEqual(full);
  expect(route).toBe(c.route);
});

test("production: the same answers, CORS and introspection included", async () => {
  const auth = { ...json, authorization: `Bearer ${officer.token}` };
  const cases: Case[] = [
    { headers: { ...auth, origin: "https://app.example" }, body: post("{ viewer { id } }"), route: "answered" },
    { headers: { ...auth, origin: "http://localhost:5173" }, body: post("{ viewer { id } }"), route: "answered" },
    { headers: auth, body: post("{ __schema { queryType { name } } }"), route: "handedOn" },
    { headers: auth, body: post("{ nope }"), route: "handedOn" },
  ];
  for (const c of cases) {
    const { fast, full, route } = await compare(production, c);
    expect(fast).toEqual(full);
    expect(route).toBe(c.route);
  }
});

test("a signed-out session is refused on the fast path at once", async () => {
  const someone = await createUser(dev);
  const auth = { ...json, authorization: `Bearer ${someone.token}` };
  const ok = await compare(dev, { headers: auth, body: post("{ viewer { id } }"), route: "answered" });
  expect(ok.route).toBe("answered");
  expect(JSON.parse(ok.fast.body)).toEqual({ data: { viewer: { id: someone.globalId } } });
  const out = await fetch(dev.url, { method: "POST", headers: auth, body: post("mutation { signOut }") });
  expect(out.status).toBe(200);
  const after = await compare(dev, { headers: auth, body: post("{ viewer { id } }"), route: "handedOn" });
  expect(after.fast.status).toBe(401);
  expect(after.fast).toEqual(after.full);
  expect(after.route).toBe("handedOn");
});
