import "reflect-metadata";
import { MikroORM } from "@mikro-orm/postgresql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type ExecutionResult, type GraphQLFormattedError } from "graphql";
import { createClient, type Client as WsClient } from "graphql-ws";
import pino, { type Logger } from "pino";
import WebSocket from "ws";
import { createAppServices } from "../../src/app";
import { loadConfig, type Config } from "../../src/config";
import type { AppServices } from "../../src/context";
import { driverLog, ormConfig } from "../../src/db/mikro-orm.config";
import { PgBus } from "../../src/realtime/bus";
import { createServer, type RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "./db";
import { until } from "./wait";

export interface GqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors: readonly GraphQLFormattedError[] | undefined;
}

export interface TestServer {
  url: string;
  wsUrl: string;
  /** The port of `/metrics` when METRICS_PORT is set. */
  metricsPort: number | null;
  orm: MikroORM;
  app: AppServices;
  db: TestDatabase;
  /** Requests the HTTP fast path answered, and those it handed on to Express (src/http/fast-graphql.ts). */
  fastPath: RunningServer["fastPath"];
  /** SQL statements sent by the app since the last reset. */
  queries: string[];
  gql<T, V extends Record<string, unknown>>(doc: TypedDocumentNode<T, V>, variables?: V, token?: string | null): Promise<GqlResult<T>>;
  /** Sends raw text, for malformed or hostile requests. */
  raw(body: string, headers?: Record<string, string>, method?: string): Promise<{ status: number; body: unknown }>;
  ws(token?: string | null): WsClient;
  close(): Promise<void>;
}

export const TEST_JWT_SECRET = "test-secret-test-secret-test-secret-0123";

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: "postgres://unused",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SEED_DEMO: "false",
    // Periodic jobs write in the background; the tests of jobs turn them on (JOBS_SCHEDULE: "true").
    JOBS_SCHEDULE: "false",
    ...overrides,
  });
}

/**
 * A real server on its own database and a free port: HTTP and WebSocket at /graphql. `log`: a
 * logger of the test's own, to read what the server logs.
 */
export async function startTestServer(options: { env?: Record<string, string>; db?: TestDatabase; log?: Logger } = {}): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase());
  const queries: string[] = [];
  const config = testConfig(options.env);
  const log = options.log ?? pino({ level: config.logLevel });
  const orm = await MikroORM.init(
    ormConfig(db.url, {
      debug: ["query"],
      logger: (message: string) => queries.push(message),
      pool: { min: 0, max: 10 },
      ...driverLog(log),
    }),
  );
  const bus = await PgBus.start(db.url, log);
  const app = createAppServices(orm, config, log, bus);
  await app.mailer.start();
  await app.jobs.start();
  const server: RunningServer = await createServer(app, { port: 0, host: "127.0.0.1" });
  const sockets: WsClient[] = [];
  const wsUrl = server.url.replace(/^http/, "ws");

  return {
    url: server.url,
    wsUrl,
    metricsPort: server.metricsPort,
    fastPath: server.fastPath,
    orm,
    app,
    db,
    queries,
    async gql(doc, variables, token) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query: print(doc), variables }),
      });
      const body = (await response.json()) as ExecutionResult;
      return { status: response.status, data: body.data as never, errors: body.errors };
    },
    async raw(body, headers = { "content-type": "application/json" }, method = "POST") {
      const response = await fetch(server.url + (method === "GET" ? body : ""), {
        method,
        headers,
        body: method === "GET" ? undefined : body,
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed };
    },
    ws(token) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
      sockets.push(client);
      return client;
    },
    async close() {
      await Promise.all(sockets.map(async (s) => s.dispose()));
      await server.close();
      await app.jobs.stop();
      await app.mailer.stop();
      await bus.stop();
      await orm.close(true);
      if (!options.db) await db.drop();
    },
  };
}

/** Runs one operation over a graphql-ws client and returns its first result. */
export function wsOnce<T, V extends Record<string, unknown>>(client: WsClient, doc: TypedDocumentNode<T, V>, variables?: V): Promise<ExecutionResult<T>> {
  return new Promise((resolve, reject) => {
    let result: ExecutionResult<T> | undefined;
    client.subscribe<T>(
      { query: print(doc), variables },
      {
        next: (value) => {
          result ??= value as ExecutionResult<T>;
        },
        // graphql-ws fails with the socket's CloseEvent (tests read its code), or with GraphQL errors.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => (result ? resolve(result) : reject(new Error("completed without a result"))),
      },
    );
  });
}

/** The codes of a result's errors, for compact assertions. */
export function codes(result: { errors?: readonly GraphQLFormattedError[] | undefined }): string[] {
  return (result.errors ?? []).map((e) => String(e.extensions?.code));
}

/**
 * Resolves once `count` subscribers hear the bus channel `channel` on this server (their LISTEN
 * done): a subscription made over graphql-ws is live from then on, with no delay to guess.
 */
export async function listening(server: TestServer, channel: string, count = 1): Promise<void> {
  await until(() => server.app.bus.listeners(channel) >= count, { label: `${count} subscriber(s) on the bus channel "${channel}"` });
}
