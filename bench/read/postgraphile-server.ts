/**
 * Child process: PostGraphile 4.14.1 as its library, the `postgraphile` middleware on a plain
 * http server, on the same database, with its default settings except the query log (off, like
 * Scopgraph's request log in the bench) and schema watching (off).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { runServerChild } from "../lib/child-runtime";
import { benchModuleVersion, benchRequire } from "../lib/modules";

/** The part of postgraphile 4's API used here (typed by hand: bench/node_modules may be absent when tsc runs). */
interface PostGraphileMiddleware {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  getGraphQLSchema(): Promise<unknown>;
  release(): Promise<void>;
}

interface PostGraphileModule {
  postgraphile(
    poolOrUrl: string,
    schema: string,
    options: { disableQueryLog: boolean; watchPg: boolean; graphqlRoute: string; retryOnInitFail: boolean },
  ): PostGraphileMiddleware;
}

runServerChild(async () => {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error("BENCH_DATABASE_URL is not set");
  const { postgraphile } = benchRequire<PostGraphileModule>("postgraphile");
  // A connection string: PostGraphile makes its own pg Pool with pg's defaults (10 connections).
  const middleware = postgraphile(url, "public", {
    disableQueryLog: true,
    watchPg: false,
    graphqlRoute: "/graphql",
    retryOnInitFail: false,
  });
  await middleware.getGraphQLSchema();
  const server = createServer(middleware);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    details: {
      postgraphile: benchModuleVersion("postgraphile"),
      graphql: benchModuleVersion("graphql"),
      pg: benchModuleVersion("pg"),
      poolMax: 10,
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await middleware.release();
    },
  };
});
