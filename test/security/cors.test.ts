import { ConfigError } from "../../src/config";
import { originMatcher } from "../../src/http/origins";
import { startTestServer, testConfig, type TestServer } from "../helpers/server";

/*
 * CORS: outside production a front-end's dev server on any port of this machine, as localhost
 * or 127.0.0.1; in production only the configured origins.
 */

let dev: TestServer;
let production: TestServer;

beforeAll(async () => {
  [dev, production] = await Promise.all([
    startTestServer(),
    startTestServer({ env: { NODE_ENV: "production", CORS_ORIGINS: "https://app.example,http://127.0.0.1:*" } }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([dev?.close(), production?.close()]);
});

async function allowedOrigin(server: TestServer, origin: string): Promise<string | null> {
  const preflight = await fetch(server.url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
  });
  await preflight.arrayBuffer();
  return preflight.headers.get("access-control-allow-origin");
}

test("development: a page on 127.0.0.1 or localhost, any port, may call the API; other origins may not", async () => {
  for (const origin of ["http://127.0.0.1:5174", "http://localhost:5173", "http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173"]) {
    expect(await allowedOrigin(dev, origin)).toBe(origin);
  }
  for (const origin of ["https://evil.example", "http://localhost.evil.example:5173", "https://127.0.0.1:5174", "null"]) {
    expect(await allowedOrigin(dev, origin)).toBeNull();
  }
  // A real request from such a page, not only its preflight.
  const answer = await fetch(dev.url, {
    method: "POST",
    headers: { origin: "http://127.0.0.1:5174", "content-type": "application/json" },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
  expect(answer.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:5174");
  expect(await answer.json()).toEqual({ data: { __typename: "Query" } });
});

test("production: only CORS_ORIGINS, where `host:*` means any port of that host", async () => {
  expect(await allowedOrigin(production, "https://app.example")).toBe("https://app.example");
  expect(await allowedOrigin(production, "http://127.0.0.1:5174")).toBe("http://127.0.0.1:5174");
  expect(await allowedOrigin(production, "http://localhost:5173")).toBeNull();
  expect(await allowedOrigin(production, "https://app.example.evil")).toBeNull();
});

test("the defaults, the matcher and a bad CORS_ORIGINS", () => {
  expect(testConfig({ NODE_ENV: "development" }).corsOrigins).toEqual(["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"]);
  expect(testConfig({ NODE_ENV: "production" }).corsOrigins).toEqual(["http://localhost:3000", "http://localhost:5173"]);
  const allowed = originMatcher(["https://app.example", "http://127.0.0.1:*"]);
  expect([allowed("https://app.example"), allowed("http://127.0.0.1:1"), allowed("http://127.0.0.1")]).toEqual([true, true, true]);
  expect([allowed(undefined), allowed("https://app.example:444"), allowed("http://127.0.0.1.evil:80"), allowed("not a url")]).toEqual([
    false,
    false,
    false,
    false,
  ]);
  expect(() => testConfig({ CORS_ORIGINS: "http://localhost:5173/path" })).toThrow(ConfigError);
  expect(() => testConfig({ CORS_ORIGINS: "*" })).toThrow(/CORS_ORIGINS/);
});
