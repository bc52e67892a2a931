import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import { parse } from "yaml";
import { openDatabase } from "../../src/db/database";
import { createLogger } from "../../src/common/logger";
import { clientAddress } from "../../src/websocket";
import { createEmptyDatabase } from "../helpers/db";

/*
 * What a deployment relies on: instances starting together migrate once, the client address
 * behind the proxy, and a compose file and image that say what the README says.
 */

const ROOT = path.resolve(__dirname, "../..");

test("two instances starting at once on an empty database apply each migration once, and both start", async () => {
  const db = await createEmptyDatabase();
  const log = createLogger("silent");
  try {
    const orms = await Promise.all([openDatabase(db.url, log), openDatabase(db.url, log)]);
    const [row] = await orms[0].em
      .getConnection()
      .execute<{ n: string; distinct_n: string }[]>("SELECT count(*) AS n, count(DISTINCT name) AS distinct_n FROM mikro_orm_migrations");
    const files = readdirSync(path.join(ROOT, "migrations")).filter((f) => f.endsWith(".ts")).length;
    expect([Number(row?.n), Number(row?.distinct_n)]).toEqual([files, files]);
    for (const orm of orms) await orm.close(true);
  } finally {
    await db.drop();
  }
});

test("behind TRUST_PROXY proxies the client is read from X-Forwarded-For, and only then", () => {
  const request = (peer: string, forwarded?: string) =>
    ({ socket: { remoteAddress: peer }, headers: forwarded ? { "x-forwarded-for": forwarded } : {} }) as unknown as IncomingMessage;
  expect(clientAddress(request("10.0.0.2", "203.0.113.7"))).toBe("10.0.0.2");
  expect(clientAddress(request("10.0.0.2", "203.0.113.7"), 1)).toBe("203.0.113.7");
  // A client that sends its own header cannot choose its address: the proxy appended the real one.
  expect(clientAddress(request("10.0.0.2", "1.2.3.4, 203.0.113.7"), 1)).toBe("203.0.113.7");
  expect(clientAddress(request("10.0.0.3", "1.2.3.4, 203.0.113.7, 10.0.0.2"), 2)).toBe("203.0.113.7");
  expect(clientAddress(request("10.0.0.2"), 1)).toBe("10.0.0.2");
});

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: unknown;
  stop_grace_period?: string;
}

test("compose.yaml: PostgreSQL, two API instances sharing it, and a proxy that passes WebSockets", () => {
  const compose = parse(readFileSync(path.join(ROOT, "compose.yaml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> };
  const { postgres, proxy, ...rest } = compose.services;
  expect(postgres?.healthcheck).toBeDefined();
  const apis = Object.values(rest);
  expect(apis).toHaveLength(2);
  for (const api of apis) {
    expect(api.environment?.NODE_ENV).toBe("production");
    expect(api.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(api.environment?.JWT_SECRET).toMatch(/JWT_SECRET:\?/);
    expect(api.environment?.TRUST_PROXY).toBe("1");
    expect(api.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(api.stop_grace_period).toBeDefined();
  }
  expect(proxy?.ports).toEqual(["8080:80"]);
  const nginx = readFileSync(path.join(ROOT, "deploy/nginx.conf"), "utf8");
  expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
  expect(nginx).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
  for (const name of Object.keys(rest)) expect(nginx).toContain(`server ${name}:4000`);
});

test("Dockerfile: multi-stage, Node 20, built dist/, runs as a non-root user", () => {
  const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
  expect(stages.length).toBeGreaterThanOrEqual(2);
  for (const stage of stages) expect(stage).toMatch(/^FROM node:20/);
  expect(dockerfile).toMatch(/RUN npm run build/);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/CMD \["node", "dist\/src\/main\.js"\]/);
});

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has. */
function composeCommand(): string[] | null {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) return ["docker-compose"];
  return null;
}

test("docker compose config accepts compose.yaml (where Docker Compose exists)", () => {
  const command = composeCommand();
  if (!command) {
    console.warn(
      "compose.yaml not validated by Docker Compose: neither `docker compose` nor `docker-compose` is installed here (.ci/run installs docker-compose).",
    );
    return;
  }
  const [bin, ...args] = command;
  const out = execFileSync(bin!, [...args, "-f", path.join(ROOT, "compose.yaml"), "config"], {
    env: { ...process.env, JWT_SECRET: "x".repeat(48) },
    encoding: "utf8",
  });
  expect(out).toContain("api-2");
  // Without JWT_SECRET the file refuses to start anything.
  const missing = spawnSync(bin!, [...args, "-f", path.join(ROOT, "compose.yaml"), "config"], { env: { PATH: process.env.PATH }, encoding: "utf8" });
  expect(missing.status).not.toBe(0);
  expect(missing.stderr).toContain("JWT_SECRET");
});
