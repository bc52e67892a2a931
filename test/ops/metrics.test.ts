import { print } from "graphql";
import { PlatformRole } from "../../src/auth/roles";
import { InvitationsDocument, ViewerDocument } from "../generated/graphql";
import { createUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";

/*
 * /metrics in the Prometheus text format: behind METRICS_TOKEN on the API port, or on METRICS_PORT;
 * the names listed in the README are there and move with the traffic.
 */

const TOKEN = "metrics-token-0123456789abcdef";
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { METRICS_TOKEN: TOKEN, METRICS_PORT: "0" } });
});
afterAll(async () => {
  await server.close();
});

const base = () => server.url.replace(/\/graphql$/, "");

async function scrape(): Promise<string> {
  const res = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

/** The value of one sample line, `name{labels} value`, or null when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || line.startsWith("#")) continue;
    const match = /^([a-z_:]+)(\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map([...(match[3] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[4]);
  }
  return null;
}

/** Every metric name documented in the README, section Operations. */
const NAMES = [
  "scopgraph_graphql_requests_total",
  "scopgraph_graphql_errors_total",
  "scopgraph_graphql_request_duration_seconds",
  "scopgraph_ws_sockets",
  "scopgraph_ws_subscriptions",
  "scopgraph_bus_connected",
  "scopgraph_bus_lag_seconds",
  "scopgraph_bus_notifications_total",
  "scopgraph_mail_outbox",
  "scopgraph_db_pool_connections",
  "scopgraph_jobs",
  "scopgraph_process_cpu_seconds_total",
  "scopgraph_nodejs_eventloop_lag_seconds",
];

test("the API port answers /metrics only with the token", async () => {
  expect((await fetch(`${base()}/metrics`)).status).toBe(401);
  expect((await fetch(`${base()}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  const text = await scrape();
  const declared = new Set([...text.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]));
  for (const name of NAMES) expect([name, declared.has(name)]).toEqual([name, true]);
});

test("requests, errors and latency per operation and code; sockets and subscriptions", async () => {
  const user = await createUser(server, PlatformRole.MEMBER);
  const before = await scrape();
  const okBefore = sample(before, "scopgraph_graphql_requests_total", { operation: "Viewer", transport: "http", code: "OK" }) ?? 0;
  for (let i = 0; i < 3; i++) expect((await server.gql(ViewerDocument, {}, user.token)).errors).toBeUndefined();
  // A validation error: counted with its code.
  await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ query: "query Broken { nope }" }),
  });

  const client = server.ws(user.token);
  const events: unknown[] = [];
  const stop = client.subscribe({ query: print(InvitationsDocument) }, { next: (e) => events.push(e), error: () => undefined, complete: () => undefined });
  const text = await until(
    async () => {
      const scraped = await scrape();
      return (sample(scraped, "scopgraph_ws_subscriptions") ?? 0) >= 1 ? scraped : undefined;
    },
    { label: "scopgraph_ws_subscriptions >= 1 on /metrics", timeoutMs: 5000, intervalMs: 25 },
  );
  expect(sample(text, "scopgraph_graphql_requests_total", { operation: "Viewer", transport: "http", code: "OK" })).toBe(okBefore + 3);
  expect(sample(text, "scopgraph_graphql_errors_total", { operation: "Broken", code: "GRAPHQL_VALIDATION_FAILED" })).toBe(1);
  expect(sample(text, "scopgraph_graphql_request_duration_seconds_count", { operation: "Viewer", transport: "http" })).toBeGreaterThanOrEqual(3);
  expect(sample(text, "scopgraph_ws_sockets")).toBeGreaterThanOrEqual(1);
  expect(sample(text, "scopgraph_ws_subscriptions")).toBeGreaterThanOrEqual(1);
  expect(sample(text, "scopgraph_bus_connected")).toBe(1);
  expect(sample(text, "scopgraph_db_pool_connections", { state: "max" })).toBeGreaterThan(0);
  stop();
  await client.dispose();
});

test("the bus round trip and notifications are measured; the outbox is counted by status", async () => {
  const text = await until(
    async () => {
      const scraped = await scrape();
      return sample(scraped, "scopgraph_bus_notifications_total", { channel: "metrics_ping" }) === null ? undefined : scraped;
    },
    { label: "the metrics_ping bus round trip on /metrics", timeoutMs: 5000, intervalMs: 25 },
  );
  expect(sample(text, "scopgraph_bus_notifications_total", { channel: "metrics_ping" })).toBeGreaterThanOrEqual(1);
  expect(sample(text, "scopgraph_bus_lag_seconds")).toBeGreaterThan(0);
  await server.orm.em.getConnection().execute("INSERT INTO mail_outbox (id, recipient, subject, text) VALUES (gen_random_uuid(), 'a@b.coop', 's', 't')");
  expect(sample(await scrape(), "scopgraph_mail_outbox", { status: "PENDING" })).toBeGreaterThanOrEqual(1);
});

test("METRICS_PORT serves /metrics without a token, and nothing else", async () => {
  expect(server.metricsPort).toEqual(expect.any(Number));
  const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("scopgraph_graphql_requests_total");
  expect((await fetch(`http://127.0.0.1:${server.metricsPort}/graphql`)).status).toBe(404);
});

test("without METRICS_TOKEN the API port has no /metrics", async () => {
  const plain = await startTestServer({ db: server.db });
  try {
    const res = await fetch(`${plain.url.replace(/\/graphql$/, "")}/metrics`);
    expect(res.status).toBe(404);
    expect(plain.metricsPort).toBeNull();
  } finally {
    await plain.close();
  }
});
