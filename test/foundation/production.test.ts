import { PlatformRole } from "../../src/auth/roles";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/** Production mode with introspection turned off: the same answers over HTTP and WebSocket. */
let server: TestServer;
let user: TestUser;
beforeAll(async () => {
  server = await startTestServer({ env: { NODE_ENV: "production", INTROSPECTION: "false" } });
  user = await createUser(server, PlatformRole.MEMBER);
});
afterAll(async () => {
  await server.close();
});

// Request errors are 400 in this media type (200 in application/json: the spec).
const headers = () => ({ "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${user.token}` });

function overSocket(query: string): Promise<readonly { message: string; extensions?: Record<string, unknown> }[]> {
  const client = server.ws(user.token);
  return new Promise((resolve) =>
    client.subscribe({ query }, { next: (v) => resolve(v.errors ?? []), error: (e) => resolve(Array.isArray(e) ? e : []), complete: () => resolve([]) }),
  );
}

test("no field suggestions and no stack traces, over HTTP and WebSocket", async () => {
  const query = "{ viewer { emial } }";
  const http = await server.raw(JSON.stringify({ query }), headers());
  const text = JSON.stringify(http.body);
  expect(http.status).toBe(400);
  expect(text).not.toMatch(/Did you mean/);
  expect(text).not.toMatch(/stacktrace|at .*\.ts:/);
  const ws = await overSocket(query);
  expect(ws[0]?.message).toMatch(/Cannot query field "emial"/);
  expect(JSON.stringify(ws)).not.toMatch(/Did you mean/);
});

test("introspection off is refused over HTTP and WebSocket alike", async () => {
  const query = "{ __schema { types { name } } }";
  const http = await server.raw(JSON.stringify({ query }), headers());
  expect(http.status).toBe(400);
  expect(JSON.stringify(http.body)).toMatch(/introspection/i);
  const ws = await overSocket(query);
  expect(ws[0]?.message).toMatch(/introspection/i);
});

test("an unexpected error carries no internals", async () => {
  const result = await server.raw(JSON.stringify({ query: '{ cooperative(id: "Q29vcGVyYXRpdmU6bm90LWEtdXVpZA") { id } }' }), headers());
  const text = JSON.stringify(result.body);
  expect(text).not.toMatch(/select|sql|node_modules/i);
});
