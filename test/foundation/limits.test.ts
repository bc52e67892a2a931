import { PlatformRole } from "../../src/auth/roles";
import { LIMITS } from "../../src/common/limits";
import { ViewerDocument } from "../generated/graphql";
import { createUser, type TestUser } from "../helpers/factories";
import { codes, startTestServer, wsOnce, type TestServer } from "../helpers/server";
import { parse } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";

let server: TestServer;
let user: TestUser;
beforeAll(async () => {
  server = await startTestServer();
  user = await createUser(server, PlatformRole.MEMBER);
});
afterAll(async () => {
  await server.close();
});

/**
 * Depth is checked on its own, before field existence matters, so nested selections of any
 * names make a document deeper than the limit (errors from other rules come alongside).
 */
function deepQuery(levels: number): string {
  return `query Deep { viewer { ${"f { ".repeat(levels)}id${" }".repeat(levels)} } }`;
}

const tooManyAliases = `query Aliased { ${Array.from({ length: LIMITS.aliases + 5 }, (_, i) => `a${i}: viewer { id }`).join(" ")} }`;

describe("operation limits, the same over HTTP and WebSocket", () => {
  test("a query deeper than the limit is refused over HTTP with GRAPHQL_VALIDATION_FAILED", async () => {
    const result = await server.raw(JSON.stringify({ query: deepQuery(LIMITS.depth + 2) }), {
      "content-type": "application/json",
      // Request errors are 400 in this media type (200 in application/json: the spec).
      accept: "application/graphql-response+json",
      authorization: `Bearer ${user.token}`,
    });
    expect(result.status).toBe(400);
    const body = result.body as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(body.errors[0]?.message).toMatch(/depth/i);
  });

  test("too many aliases are refused over HTTP", async () => {
    const result = await server.raw(JSON.stringify({ query: tooManyAliases }), {
      "content-type": "application/json",
      // Request errors are 400 in this media type (200 in application/json: the spec).
      accept: "application/graphql-response+json",
      authorization: `Bearer ${user.token}`,
    });
    const body = result.body as { errors: { message: string }[] };
    expect(result.status).toBe(400);
    expect(body.errors[0]?.message).toMatch(/aliases/i);
  });

  test("over WebSocket the same operations error alone, and the socket keeps working", async () => {
    const client = server.ws(user.token);
    type Outcome = { errors?: readonly { message: string }[]; data?: unknown };
    const run = (query: string) =>
      new Promise<Outcome>((resolve) => {
        let first: Outcome | undefined;
        client.subscribe(
          { query },
          {
            next: (value) => {
              first ??= value as Outcome;
            },
            error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
            complete: () => resolve(first ?? {}),
          },
        );
      });
    const deep = await run(deepQuery(LIMITS.depth + 2));
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    const aliased = await run(tooManyAliases);
    expect(aliased.errors?.[0]?.message).toMatch(/aliases/i);
    const ok = await run("query { viewer { email } }");
    expect(ok.errors).toBeUndefined();
    expect(ok.data).toEqual({ viewer: { email: user.email } });
  });

  test("more tokens than the limit is a parse error over HTTP", async () => {
    const query = `query { viewer { ${"id ".repeat(LIMITS.tokens)} } }`;
    const result = await server.raw(JSON.stringify({ query }), { "content-type": "application/json", accept: "application/graphql-response+json" });
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.body)).toMatch(/token/i);
  });

  test("batched requests and oversized bodies are refused; GET needs a preflight header (CSRF)", async () => {
    const batch = await server.raw(JSON.stringify([{ query: "{ viewer { id } }" }, { query: "{ viewer { id } }" }]));
    expect(batch.status).toBe(400);
    const huge = await server.raw(JSON.stringify({ query: `{ viewer { id } } # ${"x".repeat(LIMITS.bodyBytes)}` }));
    expect(huge.status).toBe(413);
    const csrf = await server.raw(`?query=${encodeURIComponent("{ viewer { id } }")}`, {}, "GET");
    expect(csrf.status).toBe(400);
    const get = await server.raw(`?query=${encodeURIComponent("{ viewer { id } }")}`, { "apollo-require-preflight": "1" }, "GET");
    expect(get.status).toBe(200);
    const mutationOverGet = await server.raw(
      `?query=${encodeURIComponent('mutation { signIn(input: {email: "a@b.fr", password: "x"}) { token } }')}`,
      { "apollo-require-preflight": "1" },
      "GET",
    );
    expect(mutationOverGet.status).toBe(405);
  });

  test("malformed JSON gets a 400 with a code, not a crash", async () => {
    const result = await server.raw("{not json");
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.body)).toContain("BAD_REQUEST");
  });

  test("/healthz and /readyz answer", async () => {
    const base = server.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  test("typed documents still work after limit rejections", async () => {
    const doc: TypedDocumentNode<{ viewer: { id: string } | null }, Record<string, never>> = parse("query { viewer { id } }");
    const result = await server.gql(doc, {}, user.token);
    expect(codes(result)).toEqual([]);
    expect((await server.gql(ViewerDocument, {}, user.token)).data?.viewer?.email).toBe(user.email);
  });
});

describe("cost, counted with the page sizes the variables ask for", () => {
  const nested = `query Costly($first: Int) {
    cooperatives(first: $first) { edges { node { name skills { code label level } members { role user { name } } references { title year } } } }
  }`;

  test("a large page of nested lists is refused over HTTP, a small one passes", async () => {
    const headers = { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${user.token}` };
    const small = await server.raw(JSON.stringify({ query: nested, variables: { first: 5 } }), headers);
    expect(small.status).toBe(200);
    const query = `query Costly { ${[1, 2, 3, 4, 5].map((i) => `c${i}: cooperatives(first: 100) { edges { node { name skills { code label level } members { role user { name email } } references { title year client } } } }`).join(" ")} }`;
    const big = await server.raw(JSON.stringify({ query }), headers);
    expect(big.status).toBe(400);
    const body = big.body as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "query", maxCost: LIMITS.cost });
    expect(body.errors[0]?.extensions.http).toBeUndefined();
  });

  test("the same costly operation errors alone over WebSocket", async () => {
    const client = server.ws(user.token);
    const query = `query { ${[1, 2, 3, 4, 5].map((i) => `c${i}: cooperatives(first: 100) { edges { node { name skills { code label level } members { role user { name email } } references { title year client } } } }`).join(" ")} }`;
    const errors = await new Promise<readonly { message: string }[]>((resolve) =>
      client.subscribe({ query }, { next: () => undefined, error: (e) => resolve(Array.isArray(e) ? e : []), complete: () => resolve([]) }),
    );
    expect(errors[0]?.message).toMatch(/cost/i);
    expect((await wsOnce(client, ViewerDocument, {})).data?.viewer?.email).toBe(user.email);
  });
});
