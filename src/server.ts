import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express from "express";
import { GraphQLError, NoSchemaIntrospectionCustomRule, specifiedRules, type ExecutionArgs, type GraphQLSchema } from "graphql";
import type { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { resolveViewer } from "./auth/auth.service";
import type { Viewer } from "./auth/viewer";
import { assertCost } from "./common/cost";
import { DocumentCache } from "./common/document-cache";
import { formatError } from "./common/format-error";
import { guardTextArguments } from "./common/input-guard";
import { LIMITS, limitRules, PARSE_OPTIONS } from "./common/limits";
import { AppError, UnauthenticatedError } from "./common/errors";
import { createContext, type AppServices, type Context } from "./context";
import { databaseReady } from "./db/database";
import { httpErrorHandler, notFoundHandler } from "./http/errors";
import { graphqlOverHttpPlugin } from "./http/graphql-over-http";
import { securityHeaders } from "./http/headers";
import { RequestIds } from "./http/request-id";
import { sharedSubscribe } from "./realtime/shared-execution";
import { buildSchema, SHARED_SUBSCRIPTIONS } from "./schema";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? "unknown";
}

/** The codes Apollo gives the same failures over HTTP, so clients see one vocabulary. */
function withCode(error: GraphQLError, code: string, hideSuggestions: boolean): GraphQLError {
  const message = hideSuggestions ? error.message.replace(/ ?Did you mean .*$/, "") : error.message;
  return new GraphQLError(message, { nodes: error.nodes, extensions: { ...error.extensions, code } });
}

/** Once the token of a socket expires, its operations are refused (the socket is closed). */
function viewerStillValid(viewer: Viewer): boolean {
  return viewer.kind !== "USER" || viewer.expiresAt * 1000 > Date.now();
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
  const schema = guardTextArguments(await buildSchema());
  const { config, log } = app;
  const production = config.env === "production";
  // The same introspection policy over HTTP and WebSocket (README, Security).
  const extraRules = [...limitRules(), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const rules = [...specifiedRules, ...extraRules];
  const documents = new DocumentCache(schema, rules, PARSE_OPTIONS);
  const expressApp = express();
  expressApp.disable("x-powered-by");
  const requestIds = new RequestIds();
  expressApp.use(requestIds.assign, securityHeaders({ landingPage: !production }));
  const httpServer = createHttpServer(expressApp);
  let migrated = true;

  expressApp.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  expressApp.get("/readyz", async (_req, res) => {
    const ready = migrated && (await databaseReady(app.orm));
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable" });
  });

  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: LIMITS.frameBytes });
  const wsCleanup = useServer<Record<string, unknown>, { viewer: Viewer; subscriptions: number }>(
    {
      schema,
      subscribe: sharedSubscribe(SHARED_SUBSCRIPTIONS),
      connectionInitWaitTimeout: LIMITS.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const payload = ctx.connectionParams ?? {};
        const raw = payload.authorization ?? payload.Authorization ?? payload.token;
        const em = app.orm.em.fork();
        const viewer = await resolveViewer(em, app.auth, typeof raw === "string" ? raw : null);
        if (!viewer) {
          ctx.extra.socket.close(4403, "Forbidden");
          return false;
        }
        ctx.extra.viewer = viewer;
        if (viewer.kind === "USER") {
          // The socket's authority ends when its token does: clients reconnect with a new one.
          const timer = setTimeout(() => ctx.extra.socket.close(4401, "Token expired"), Math.max(0, viewer.expiresAt * 1000 - Date.now()));
          timer.unref();
          ctx.extra.socket.once("close", () => clearTimeout(timer));
        }
        ctx.extra.subscriptions = 0;
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        const viewer = ctx.extra.viewer ?? { kind: "ANONYMOUS" };
        if (!viewerStillValid(viewer)) {
          ctx.extra.socket.close(4401, "Token expired");
          return [new UnauthenticatedError("The token has expired; reconnect with a new one.")];
        }
        const prepared = documents.prepare(payload.query);
        if ("syntaxError" in prepared) {
          const error = prepared.syntaxError;
          return [withCode(error instanceof GraphQLError ? error : new GraphQLError("Syntax error"), "GRAPHQL_PARSE_FAILED", production)];
        }
        if ("errors" in prepared) return prepared.errors.map((e) => withCode(e, "GRAPHQL_VALIDATION_FAILED", production));
        const { document } = prepared;
        try {
          assertCost(schema, document, payload.operationName, payload.variables, LIMITS.cost);
        } catch (error) {
          return [error as GraphQLError];
        }
        if ((ctx.extra.subscriptions ?? 0) >= LIMITS.subscriptionsPerSocket) {
          return [new GraphQLError(`At most ${LIMITS.subscriptionsPerSocket} operations per socket.`, { extensions: { code: "RATE_LIMITED" } })];
        }
        ctx.extra.subscriptions = (ctx.extra.subscriptions ?? 0) + 1;
        const requestId = randomUUID();
        const contextValue = createContext(app, viewer, { requestId, clientAddress: clientAddress(ctx.extra.request) });
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
        return args;
      },
      onComplete: (ctx) => {
        ctx.extra.subscriptions = Math.max(0, (ctx.extra.subscriptions ?? 1) - 1);
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors?.length) return;
        const context = args.contextValue as Context;
        return {
          ...result,
          errors: result.errors.map((e) => formatError(e.toJSON(), e, context.log, context.requestId)),
        };
      },
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) => formatError(e.toJSON(), e, log)),
    },
    wsServer,
  );

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
    formatError: (formatted, error) => formatError(formatted, error, log, requestIds.current()),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
      graphqlOverHttpPlugin(),
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
      context: async ({ req, res }) => {
        const meta = { requestId: requestIds.of(res), clientAddress: clientAddress(req) };
        const probe = createContext(app, { kind: "ANONYMOUS" }, meta);
        const viewer = await resolveViewer(probe.em, app.auth, req.headers.authorization);
        if (!viewer) {
          throw new AppError("UNAUTHENTICATED", "The token is invalid or has expired.", { http: { status: 401 } });
        }
        return { ...probe, viewer };
      },
    }),
  );
  expressApp.use(notFoundHandler, httpErrorHandler(log, requestIds));

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
        // 1001 "going away": clients reconnect, to another instance if there is one.
        for (const client of wsServer.clients) client.close(1001 as CloseCode, "Server shutting down");
        await apollo.stop();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      })();
      return closing;
    },
  };
}
