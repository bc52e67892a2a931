import { randomUUID } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express from "express";
import { NoSchemaIntrospectionCustomRule, specifiedRules, type GraphQLSchema } from "graphql";
import { resolveViewer } from "./auth/auth.service";
import { assertCost } from "./common/cost";
import { DocumentCache } from "./common/document-cache";
import { formatError } from "./common/format-error";
import { LIMITS, limitRules, PARSE_OPTIONS } from "./common/limits";
import { AppError } from "./common/errors";
import { createContext, type AppServices, type Context } from "./context";
import { databaseReady } from "./db/database";
import { buildSchema } from "./schema";
import { clientAddress, createWebSocketEndpoint } from "./websocket";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Refuses operations whose cost, with their variables, passes the limit. */
function costPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          assertCost(schema, document, request.operationName, request.variables, LIMITS.cost);
        },
      };
    },
  };
}

/** Logs one line per request with its duration and viewer, never variables or content. */
function requestLogPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue, request }) {
      const started = performance.now();
      return {
        async willSendResponse({ errors }) {
          const viewer = contextValue.viewer;
          contextValue.log.info(
            {
              operation: request.operationName ?? null,
              ms: Math.round((performance.now() - started) * 10) / 10,
              viewer: viewer.kind === "USER" ? viewer.userId : viewer.kind === "API_TOKEN" ? `token:${viewer.tokenId}` : null,
              errors: errors?.length ?? 0,
            },
            "graphql request",
          );
        },
      };
    },
  };
}

/**
 * HTTP (Apollo on Express) and WebSocket (graphql-ws) on one port and one path, `/graphql`,
 * with the same schema, limits, authentication and error policy.
 */
export async function createServer(app: AppServices, listen: { port: number; host?: string }): Promise<RunningServer> {
  const schema = await buildSchema();
  const { config, log } = app;
  const production = config.env === "production";
  // The same introspection policy over HTTP and WebSocket (README, Security).
  const extraRules = [...limitRules(), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const rules = [...specifiedRules, ...extraRules];
  const documents = new DocumentCache(schema, rules, PARSE_OPTIONS);
  const expressApp = express();
  expressApp.disable("x-powered-by");
  const httpServer = createHttpServer(expressApp);
  let migrated = true;

  expressApp.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  expressApp.get("/readyz", async (_req, res) => {
    const ready = migrated && (await databaseReady(app.orm));
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable" });
  });

  const websocket = await createWebSocketEndpoint(app, httpServer, schema, documents);

  const apollo = new ApolloServer<Context>({
    schema,
    validationRules: extraRules,
    parseOptions: PARSE_OPTIONS,
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM: it stops the server, then the database, in that order.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    formatError: (formatted, error) => formatError(formatted, error, log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await websocket.dispose();
            },
          };
        },
      },
      costPlugin(schema),
      requestLogPlugin(),
      // No HTTP caching of GraphQL answers here; the plugin would run a hook on every field.
      ApolloServerPluginCacheControlDisabled(),
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();

  expressApp.use(
    "/graphql",
    cors({ origin: config.corsOrigins, credentials: false, maxAge: 600 }),
    express.json({ limit: LIMITS.bodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (req.headers["x-request-id"] as string | undefined)?.slice(0, 100) || randomUUID();
        const meta = { requestId, clientAddress: clientAddress(req) };
        const probe = createContext(app, { kind: "ANONYMOUS" }, meta);
        const viewer = await resolveViewer(probe.em, app.auth, req.headers.authorization);
        if (!viewer) {
          throw new AppError("UNAUTHENTICATED", "The token is invalid or has expired.", { http: { status: 401 } });
        }
        return { ...probe, viewer };
      },
    }),
  );
  // Malformed JSON bodies and oversized requests: a clear 4xx, not an HTML page.
  expressApp.use((error: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: error }, "http error");
    res.status(status).json({
      errors: [{ message: status === 413 ? "Request body too large." : status === 500 ? "Internal server error" : "Malformed request.", extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST" } }],
    });
  });

  await new Promise<void>((resolve) => httpServer.listen(listen.port, listen.host ?? "0.0.0.0", resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${listen.host && listen.host !== "0.0.0.0" ? listen.host : "localhost"}:${port}/graphql`;

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        migrated = false;
        websocket.goAway();
        await apollo.stop();
        await websocket.dispose();
      })();
      return closing;
    },
  };
}
