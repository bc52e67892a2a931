import { timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApolloServerPlugin } from "@apollo/server";
import { getOperationAST } from "graphql";
import { Router, type Request, type Response } from "express";
import type { Context } from "../context";
import type { Metrics } from "./metrics";

/** Counts and times every HTTP GraphQL operation by name and outcome. */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      const started = performance.now();
      return {
        async willSendResponse({ errors, operationName, document }) {
          const codes = (errors ?? []).map((e) => (typeof e.extensions?.code === "string" ? e.extensions.code : "INTERNAL_SERVER_ERROR"));
          // A document that failed validation has no resolved operation: its name is still in it.
          const name = operationName ?? request.operationName ?? (document ? getOperationAST(document)?.name?.value : undefined);
          metrics.observe(name, "http", (performance.now() - started) / 1000, codes);
        },
      };
    },
  };
}

async function answer(metrics: Metrics, res: Response): Promise<void> {
  res.setHeader("content-type", metrics.registry.contentType);
  res.setHeader("cache-control", "no-store");
  res.send(await metrics.registry.metrics());
}

function tokenMatches(req: Request, token: string): boolean {
  const given = Buffer.from((req.headers.authorization ?? "").replace(/^Bearer\s+/i, ""));
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * `/metrics` on the API port, only when METRICS_TOKEN is set and sent as a bearer token (the
 * metrics name operations and volumes: not for everyone); otherwise the route does not exist.
 */
export function metricsRoutes(metrics: Metrics, token: string | null): Router {
  const router = Router();
  if (!token) return router;
  router.get("/metrics", (req, res, next) => {
    if (!tokenMatches(req, token)) {
      res
        .status(401)
        .setHeader("www-authenticate", 'Bearer realm="metrics"')
        .json({ errors: [{ message: "Send METRICS_TOKEN as a bearer token.", extensions: { code: "UNAUTHENTICATED" } }] });
      return;
    }
    answer(metrics, res).catch(next);
  });
  return router;
}

/** `/metrics` on a port of its own (METRICS_PORT, bound to METRICS_HOST), for a scraper on a private network. */
export async function startMetricsServer(metrics: Metrics, port: number, host: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    metrics.registry
      .metrics()
      .then((text) => res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" }).end(text))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
