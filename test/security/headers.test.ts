import { LIMITS } from "../../src/common/limits";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * Security headers on every answer: GraphQL over POST and GET, health, and the errors raised
 * before Apollo (401, 413, malformed JSON, an unknown path). The development explorer has a policy
 * of its own; production serves no page.
 */

let server: TestServer;
let production: TestServer;
let user: TestUser;
let base: string;

beforeAll(async () => {
  server = await startTestServer();
  production = await startTestServer({ env: { NODE_ENV: "production", CORS_ORIGINS: "https://app.example" } });
  user = await createUser(server);
  base = server.url.replace(/\/graphql$/, "");
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.close(), production?.close()]);
});

const json = { "content-type": "application/json" };
const query = JSON.stringify({ query: "{ viewer { id } }" });

function answers(): Record<string, () => Promise<Response>> {
  return {
    "POST /graphql (signed in)": () => fetch(server.url, { method: "POST", headers: { ...json, authorization: `Bearer ${user.token}` }, body: query }),
    "POST /graphql (sign-in)": () =>
      fetch(server.url, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ query: `mutation { signIn(input: { email: "${user.email}", password: "correct horse battery" }) { token } }` }),
      }),
    "GET /graphql": () =>
      fetch(`${server.url}?query=${encodeURIComponent("{ viewer { id } }")}`, {
        headers: { "apollo-require-preflight": "1", authorization: `Bearer ${user.token}` },
      }),
    "GET /healthz": () => fetch(`${base}/healthz`),
    "401 (bad token)": () => fetch(server.url, { method: "POST", headers: { ...json, authorization: "Bearer nope" }, body: query }),
    "413 (body too large)": () =>
      fetch(server.url, { method: "POST", headers: json, body: JSON.stringify({ query: `{ viewer { id } } # ${"x".repeat(LIMITS.bodyBytes)}` }) }),
    "400 (malformed JSON)": () => fetch(server.url, { method: "POST", headers: json, body: "{not json" }),
    "400 (CSRF refusal)": () => fetch(server.url, { method: "POST", headers: { "content-type": "text/plain" }, body: query }),
    "404 (unknown path)": () => fetch(`${base}/nowhere`),
    "CORS preflight": () => fetch(server.url, { method: "OPTIONS", headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" } }),
  };
}

test.each(Object.keys(answers()))("%s carries the security headers", async (name) => {
  const response = await answers()[name]!();
  await response.arrayBuffer();
  const h = response.headers;
  expect({
    nosniff: h.get("x-content-type-options"),
    cache: h.get("cache-control"),
    referrer: h.get("referrer-policy"),
    frame: h.get("x-frame-options"),
    requestId: Boolean(h.get("x-request-id")),
  }).toEqual({ nosniff: "nosniff", cache: "no-store", referrer: "no-referrer", frame: "DENY", requestId: true });
  const csp = h.get("content-security-policy") ?? "";
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(csp).toMatch(/default-src 'none'/);
});

test("the statuses those answers have (the headers above are on errors too)", async () => {
  const statuses: Record<string, number> = {};
  for (const [name, send] of Object.entries(answers())) {
    const response = await send();
    await response.arrayBuffer();
    statuses[name] = response.status;
  }
  expect(statuses).toEqual({
    "POST /graphql (signed in)": 200,
    "POST /graphql (sign-in)": 200,
    "GET /graphql": 200,
    "GET /healthz": 200,
    "401 (bad token)": 401,
    "413 (body too large)": 413,
    "400 (malformed JSON)": 400,
    "400 (CSRF refusal)": 400,
    "404 (unknown path)": 404,
    "CORS preflight": 204,
  });
});

test("the development explorer is this server's own page, under its own policy: scripts by hash, connections to this origin only", async () => {
  const page = await fetch(server.url, { headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" } });
  const html = await page.text();
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/text\/html/);
  // No script from elsewhere: GraphiQL is inline (test/web/explorer.test.ts runs it in Chromium).
  expect(html).not.toMatch(/<script[^>]+src=|cdn\.apollographql/);
  const csp = page.headers.get("content-security-policy") ?? "";
  expect(csp).toMatch(/default-src 'self'/);
  expect(csp).toMatch(/script-src 'self' 'sha256-/);
  expect(csp).not.toMatch(/unsafe-eval|https?:/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(page.headers.get("x-content-type-options")).toBe("nosniff");
  expect(page.headers.get("cache-control")).toBe("no-store");
});

test("in production there is no explorer: a browser's GET gets the strict policy", async () => {
  const page = await fetch(production.url, { headers: { accept: "text/html,*/*;q=0.8", "apollo-require-preflight": "1" } });
  await page.arrayBuffer();
  expect(page.headers.get("content-type")).not.toMatch(/text\/html/);
  expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
});
