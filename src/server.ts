import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import type { Logger } from "pino";
import express from "express";
import { NoSchemaIntrospectionCustomRule, specifiedRules, type GraphQLSchema, type ValidationRule } from "graphql";
import { resolveViewer } from "./auth/auth.service";
import { CompiledQueries, compiledExecutionPlugin } from "./common/compiled-execution";
import { CostCache } from "./common/cost";
import { DocumentCache } from "./common/document-cache";
import { formatError } from "./common/format-error";
import { guardTextArguments } from "./common/input-guard";
import { LIMITS, limitRules, PARSE_OPTIONS } from "./common/limits";
import { AppError } from "./common/errors";
import { createContext, type AppServices, type Context } from "./context";
import { databaseReady } from "./db/database";
import { httpErrorHandler, notFoundHandler } from "./http/errors";
import { graphqlOverHttpPlugin } from "./http/graphql-over-http";
import { securityHeaders } from "./http/headers";
import { originMatcher } from "./http/origins";
import { RequestIds } from "./http/request-id";
import { buildSchema } from "./schema";
import { bidExportRoutes } from "./bids/exports/export.routes";
import { metricsPlugin, metricsRoutes, startMetricsServer } from "./ops/metrics.routes";
import { savedSearchFeedRoutes } from "./alerts/feed.routes";
import { explorerRoute } from "./web/explorer";
import { editorRoutes } from "./web/editor-page";
import { fileRoutes } from "./files/file.routes";
import { clientAddress, createWebSocketEndpoint, type WebSocketEndpoint } from "./websocket";

export interface RunningServer {
  url: string;
  port: number;
  /** The port of `/metrics` when METRICS_PORT is set. */
  metricsPort: number | null;
  close(): Promise<void>;
}

/**
 * Refuses operations whose cost, with their variables, passes the limit; a known operation is
 * priced once per document and page sizes (CostCache), not on every request.
 */
function costPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  const costs = new CostCache(schema);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          costs.assert(document, request.operationName, request.variables, LIMITS.cost);
        },
      };
    },
  };
}

/** Logs one line per request with its duration and viewer, never variables or content. */
function requestLogPlugin(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue, request }) {
      // Below the info level there is no line to write: no per-request child logger either.
      if (!log.isLevelEnabled("info")) return {};
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
/** Apollo over the same schema and rules as the WebSocket endpoint, with the house's plugins. */
function apolloServer(
  app: AppServices,
  parts: { schema: GraphQLSchema; extraRules: ValidationRule[]; httpServer: HttpServer; websocket: WebSocketEndpoint; requestIds: RequestIds },
): ApolloServer<Context> {
  const { config, log } = app;
  const { schema, extraRules, httpServer, websocket, requestIds } = parts;
  const production = config.env === "production";
  return new ApolloServer<Context>({
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
    formatError: (formatted, error) => formatError(formatted, error, log, requestIds.current()),
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
      graphqlOverHttpPlugin(),
      costPlugin(schema),
      requestLogPlugin(log),
      // Last of the hooks that may answer an operation: queries run compiled (graphql-jit).
      compiledExecutionPlugin<Context>(new CompiledQueries(schema)),
      metricsPlugin(app.metrics),
      // No HTTP caching of GraphQL answers here; the plugin would run a hook on every field.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing page loads from a CDN: browsers get the local explorer instead.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
}

export async function createServer(app: AppServices, listen: { port: number; host?: string }): Promise<RunningServer> {
  const schema = guardTextArguments(await buildSchema());
  const { config, log } = app;
  // The same introspection policy over HTTP and WebSocket (README, Security).
  const extraRules = [...limitRules(), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const rules = [...specifiedRules, ...extraRules];
  const documents = new DocumentCache(schema, rules, PARSE_OPTIONS);
  const expressApp = express();
  expressApp.disable("x-powered-by");
  const requestIds = new RequestIds();
  expressApp.use(requestIds.assign, securityHeaders());
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

  const apollo = apolloServer(app, { schema, extraRules, httpServer, websocket, requestIds });
  await apollo.start();

  const allowedOrigin = originMatcher(config.corsOrigins);
  expressApp.get("/graphql", explorerRoute(config.explorer));
  expressApp.use(editorRoutes(config.explorer));
  expressApp.use(
    "/graphql",
    cors({ origin: (origin, done) => done(null, allowedOrigin(origin)), credentials: false, maxAge: 600 }),
    express.json({ limit: LIMITS.bodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const meta = { requestId: requestIds.of(res), clientAddress: clientAddress(req, config.trustProxy) };
        const context = createContext(app, { kind: "ANONYMOUS" }, meta);
        const viewer = await resolveViewer(context.em, app.auth, req.headers.authorization);
        if (!viewer) {
          throw new AppError("UNAUTHENTICATED", "The token is invalid or has expired.", { http: { status: 401 } });
        }
        // Set, not spread: a spread reads every lazy getter of the context (every DataLoader, a
        // child logger). Apollo still clones the context with Object.assign, which reads them too
        // (bench/README.md, read): left for a lazier context.
        context.viewer = viewer;
        return context;
      },
    }),
  );
  expressApp.use(bidExportRoutes(app, (req, res) => ({ requestId: requestIds.of(res), clientAddress: clientAddress(req, config.trustProxy) })));
  expressApp.use(metricsRoutes(app.metrics, config.metrics.token));
  expressApp.use(savedSearchFeedRoutes(app));
  expressApp.use(fileRoutes(app, (req, res) => ({ requestId: requestIds.of(res), clientAddress: clientAddress(req, config.trustProxy) })));
  expressApp.use(notFoundHandler, httpErrorHandler(log, requestIds));

  await new Promise<void>((resolve) => httpServer.listen(listen.port, listen.host ?? "0.0.0.0", resolve));
  const port = (httpServer.address() as AddressInfo).port;
  await app.metrics.start();
  const metricsServer = config.metrics.port === null ? null : await startMetricsServer(app.metrics, config.metrics.port, config.metrics.host);
  const url = `http://${listen.host && listen.host !== "0.0.0.0" ? listen.host : "localhost"}:${port}/graphql`;

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    metricsPort: metricsServer?.port ?? null,
    close() {
      closing ??= (async () => {
        migrated = false;
        websocket.goAway();
        await apollo.stop();
        await websocket.dispose();
        app.metrics.stop();
        app.live.hub.stop();
        await metricsServer?.close();
      })();
      return closing;
    },
  };
}
