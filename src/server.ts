import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
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
import { ANONYMOUS, type Viewer } from "./auth/viewer";
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
import { FastGraphql } from "./http/fast-graphql";
import { securityHeaderList, securityHeaders } from "./http/headers";
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
  /** Requests the fast path answered, and those it read then handed on to Express (live counts). */
  fastPath: { readonly answered: number; readonly handedOn: number };
  close(): Promise<void>;
}

/**
 * Refuses operations whose cost, with their variables, passes the limit; a known operation is
 * priced once per document and page sizes (CostCache), not on every request.
 */
function costPlugin(costs: CostCache): ApolloServerPlugin<Context> {
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

/** The request's log line: its duration and viewer, never variables or content. */
function logRequest(context: Context, operationName: string | null | undefined, started: number, errors: number): void {
  const viewer = context.viewer;
  context.log.info(
    {
      operation: operationName ?? null,
      ms: Math.round((performance.now() - started) * 10) / 10,
      viewer: viewer.kind === "USER" ? viewer.userId : viewer.kind === "API_TOKEN" ? `token:${viewer.tokenId}` : null,
      errors,
    },
    "graphql request",
  );
}

/** Logs one line per request (logRequest). */
function requestLogPlugin(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue, request }) {
      // Below the info level there is no line to write: no per-request child logger either.
      if (!log.isLevelEnabled("info")) return {};
      const started = performance.now();
      return {
        async willSendResponse({ errors }) {
          logRequest(contextValue, request.operationName, started, errors?.length ?? 0);
        },
      };
    },
  };
}

/**
 * The context of an HTTP request, for Apollo and for the fast path. A request the fast path
 * authenticated, then handed on, keeps the viewer it found (one session read per request).
 */
function httpContexts(app: AppServices) {
  const viewers = new WeakMap<IncomingMessage, Viewer | null>();
  return async (req: IncomingMessage, meta: { requestId: string; clientAddress: string }): Promise<Context | null> => {
    const context = createContext(app, ANONYMOUS, meta);
    let viewer = viewers.get(req);
    if (viewer === undefined) {
      viewer = await resolveViewer(context.em, app.auth, req.headers.authorization);
      viewers.set(req, viewer);
    }
    if (!viewer) return null;
    // Set, not spread: the context's entity manager, loaders and logger are getters of its prototype.
    context.viewer = viewer;
    return context;
  };
}

/** The fast path of known queries before Express (src/http/fast-graphql.ts), on the same parts as Apollo's. */
function fastGraphql(
  app: AppServices,
  parts: { documents: DocumentCache; queries: CompiledQueries; costs: CostCache; requestIds: RequestIds; contextOf: ReturnType<typeof httpContexts> },
): FastGraphql<Context> {
  const { config, log } = app;
  return new FastGraphql<Context>({
    ...parts,
    maxCost: LIMITS.cost,
    bodyBytes: LIMITS.bodyBytes,
    headers: securityHeaderList(),
    allowedOrigin: originMatcher(config.corsOrigins),
    context: (req, requestId) => parts.contextOf(req, { requestId, clientAddress: clientAddress(req, config.trustProxy) }),
    answered(context, { operationName, resolvedName, started }) {
      // What metricsPlugin and requestLogPlugin do for Apollo's answers.
      app.metrics.observe(resolvedName ?? operationName, "http", (performance.now() - started) / 1000, []);
      if (log.isLevelEnabled("info")) logRequest(context, operationName, started, 0);
    },
  });
}

/**
 * HTTP (Apollo on Express) and WebSocket (graphql-ws) on one port and one path, `/graphql`,
 * with the same schema, limits, authentication and error policy.
 */
/** Apollo over the same schema and rules as the WebSocket endpoint, with the house's plugins. */
function apolloServer(
  app: AppServices,
  parts: {
    schema: GraphQLSchema;
    extraRules: ValidationRule[];
    httpServer: HttpServer;
    websocket: WebSocketEndpoint;
    requestIds: RequestIds;
    costs: CostCache;
    queries: CompiledQueries;
  },
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
      costPlugin(parts.costs),
      requestLogPlugin(log),
      // Last of the hooks that may answer an operation: queries run compiled (graphql-jit).
      compiledExecutionPlugin<Context>(parts.queries),
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
  const costs = new CostCache(schema);
  const queries = new CompiledQueries(schema);
  const contextOf = httpContexts(app);
  const fast = fastGraphql(app, { documents, queries, costs, requestIds, contextOf });
  const httpServer = createHttpServer((req, res) => fast.handle(req, res, expressApp));
  let migrated = true;

  expressApp.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  expressApp.get("/readyz", async (_req, res) => {
    const ready = migrated && (await databaseReady(app.orm));
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable" });
  });

  const websocket = await createWebSocketEndpoint(app, httpServer, schema, documents, costs, queries);

  const apollo = apolloServer(app, { schema, extraRules, httpServer, websocket, requestIds, costs, queries });
  await apollo.start();

  const allowedOrigin = originMatcher(config.corsOrigins);
  expressApp.get("/graphql", explorerRoute(config.explorer));
  expressApp.use(editorRoutes(config.explorer));
  expressApp.use(
    "/graphql",
    cors({ origin: (origin, done) => done(null, allowedOrigin(origin)), credentials: false, maxAge: 600 }),
    fast.restoreBody,
    express.json({ limit: LIMITS.bodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const context = await contextOf(req, { requestId: requestIds.of(res), clientAddress: clientAddress(req, config.trustProxy) });
        if (!context) {
          throw new AppError("UNAUTHENTICATED", "The token is invalid or has expired.", { http: { status: 401 } });
        }
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
    fastPath: fast.counts,
    close() {
      closing ??= (async () => {
        migrated = false;
        fast.close();
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
