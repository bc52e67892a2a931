import { serverAudits, type AuditResult } from "graphql-http";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * The GraphQL-over-HTTP audit of `graphql-http` (the spec's reference implementation) against
 * the real server: no error and no warning. Its notices (MAY) are GET requests without any
 * header that a browser would preflight, which CSRF prevention refuses on purpose (README,
 * Security).
 */

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  user = await createUser(server);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe("graphql-http's server audit", () => {
  let results: AuditResult[] = [];

  beforeAll(async () => {
    results = await Promise.all(serverAudits({ url: server.url }).map((audit) => audit.fn()));
  });

  test("ran every audit", () => {
    expect(results.length).toBeGreaterThan(40);
  });

  test("no error (MUST) and no warning (SHOULD)", () => {
    const failed = results
      .filter((r) => r.status === "error" || r.status === "warn")
      .map((r) => `${r.status} ${r.id} ${r.name}: ${r.status === "ok" ? "" : r.reason}`);
    expect(failed).toEqual([]);
  });

  test("the only notices are GET requests refused by CSRF prevention", () => {
    const notices = results.filter((r) => r.status === "notice");
    for (const notice of notices) expect(`${notice.id} ${notice.name}`).toMatch(/ GETs? /);
  });
});

describe("status codes of request errors follow the response's media type", () => {
  const cases = [
    ["a parse error", { query: "{" }, "GRAPHQL_PARSE_FAILED"],
    ["a validation error", { query: "{ viewer { nope } }" }, "GRAPHQL_VALIDATION_FAILED"],
    ["a variable coercion error", { query: "query($n: Int) { cooperatives(first: $n) { totalCount } }", variables: { n: "ten" } }, "BAD_USER_INPUT"],
    ["an unknown operation name", { query: "query A { viewer { id } }", operationName: "B" }, "OPERATION_RESOLUTION_FAILURE"],
  ] as const;

  async function send(body: unknown, accept?: string) {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}`, ...(accept ? { accept } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    return { status: response.status, type: response.headers.get("content-type"), data: json.data, codes: json.errors?.map((e) => e.extensions?.code) };
  }

  test.each(cases)("%s: 200 in application/json (and without Accept), 400 in application/graphql-response+json", async (_label, body, code) => {
    expect(await send(body, "application/json")).toEqual({ status: 200, type: "application/json; charset=utf-8", data: undefined, codes: [code] });
    expect(await send(body)).toEqual({ status: 200, type: "application/json; charset=utf-8", data: undefined, codes: [code] });
    expect(await send(body, "application/graphql-response+json")).toEqual({
      status: 400,
      type: "application/graphql-response+json; charset=utf-8",
      data: undefined,
      codes: [code],
    });
  });

  test("errors that are not request errors keep their status: a bad token 401, a batch 400, a mutation over GET 405", async () => {
    const badToken = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: "Bearer nope" },
      body: JSON.stringify({ query: "{ viewer { id } }" }),
    });
    expect(badToken.status).toBe(401);
    const batch = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify([{ query: "{ viewer { id } }" }]),
    });
    expect(batch.status).toBe(400);
    const mutation = await fetch(`${server.url}?query=${encodeURIComponent('mutation { signIn(input: { email: "a@b.fr", password: "x" }) { token } }')}`, {
      headers: { accept: "application/json", "apollo-require-preflight": "1" },
    });
    expect(mutation.status).toBe(405);
  });
});

describe("CSRF prevention stays on", () => {
  test("a request a browser would send cross-site without a preflight is refused", async () => {
    const get = await fetch(`${server.url}?query=${encodeURIComponent("{ viewer { id } }")}`, { headers: { accept: "application/json" } });
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/Cross-Site Request Forgery/);
    const form = await fetch(server.url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ query: "{ viewer { id } }" }) });
    expect(form.status).toBe(400);
  });

  test("a GET with the preflight header, or a JSON POST, is served", async () => {
    const get = await fetch(`${server.url}?query=${encodeURIComponent("{ viewer { id } }")}`, {
      headers: { accept: "application/json", "apollo-require-preflight": "1", authorization: `Bearer ${user.token}` },
    });
    expect([get.status, await get.json()]).toEqual([200, { data: { viewer: { id: user.globalId } } }]);
  });
});
