/**
 * Child process: the ceiling — a bare `http.createServer` handler that runs one prepared SQL
 * statement on a pg Pool and sends PostgreSQL's text as the body: no GraphQL, no framework, no
 * JSON work in Node.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type * as Pg from "pg";
import { runServerChild } from "../lib/child-runtime";
import { benchModuleVersion, benchRequire } from "../lib/modules";
import { CEILING_SQL } from "./sql";

const POOL_MAX = 20;

runServerChild(async () => {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error("BENCH_DATABASE_URL is not set");
  const { Pool } = benchRequire<typeof Pg>("pg");
  const pool = new Pool({ connectionString: url, max: POOL_MAX });
  const statement = { name: "bench_read_page", text: CEILING_SQL };
  const server = createServer((req, res) => {
    if (req.method !== "POST" || !req.url?.startsWith("/graphql")) {
      res.writeHead(404).end();
      return;
    }
    req.resume();
    req.on("end", () => {
      pool.query<{ body: string }>(statement).then(
        ({ rows }) => {
          const body = rows[0]?.body ?? "";
          res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
          res.end(body);
        },
        (error: unknown) => {
          const body = JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] });
          res.writeHead(500, { "content-type": "application/json; charset=utf-8" }).end(body);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    details: { pg: benchModuleVersion("pg"), poolMax: POOL_MAX, sql: "one prepared statement, json_agg in PostgreSQL" },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
});
