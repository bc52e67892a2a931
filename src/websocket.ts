import type { Server as HttpServer } from "node:http";
import type { GraphQLSchema } from "graphql";
import type { Socket } from "node:net";
import { WebSocketServer } from "ws";
import { resolveViewerAgain } from "./auth/auth.service";
import { SocketSlots } from "./auth/socket-slots";
import { LiveAccess } from "./auth/live-access";
import { compiledMutations, type CompiledQueries } from "./common/compiled-execution";
import type { CostCache } from "./common/cost";
import type { DocumentCache } from "./common/document-cache";
import { LIMITS } from "./common/limits";
import type { AppServices } from "./context";
import { serveGraphqlWs } from "./realtime/graphql-ws-server";
import { SharedExecution } from "./realtime/shared-execution";
import { SHARED_SUBSCRIPTIONS } from "./schema";
import { LIVE_MUTATIONS } from "./bids/sections/section.live";
import { clientAddress, SocketHooks, type SocketState } from "./websocket-hooks";

export { clientAddress };

/** A ping this often; a socket that has not answered the previous one is terminated (graphql-ws's default). */
const KEEP_ALIVE_MS = 12_000;

/**
 * The address's slot is given back when the socket closes, or at once if the upgrade never
 * completes. Its own function: a listener made inside verifyClient would keep the upgrade's
 * request and callbacks alive for the socket's life.
 */
function releaseOnClose(socket: Socket, slots: SocketSlots, address: string): void {
  // `close` is emitted once: a plain listener costs less than a `once` wrapper.
  socket.on("close", () => void slots.release(address));
}

export interface WebSocketEndpoint {
  /** Closes every socket with 1001: clients reconnect, to another instance if there is one. */
  goAway(): void;
  /** Ends graphql-ws's operations and closes the WebSocket server (Apollo's drain, then once more at the end). */
  dispose(): Promise<void>;
}

/**
 * graphql-ws on the HTTP server's `/graphql`, with the same schema, limits and error policy as
 * HTTP, and the socket rules: every socket belongs to a person or an API token (an anonymous
 * `connection_init` is refused with 4401), access is checked again on every operation and the
 * moment it changes (auth/live-access.ts), a socket that holds no operation for
 * `sockets.idleMs` is closed (4408), and one address opens at most `sockets.perAddress` sockets
 * (429 at the upgrade).
 */
export async function createWebSocketEndpoint(
  app: AppServices,
  httpServer: HttpServer,
  schema: GraphQLSchema,
  documents: DocumentCache,
  costs: CostCache,
  queries: CompiledQueries,
): Promise<WebSocketEndpoint> {
  const { config, log } = app;
  const access = new LiveAccess(app.bus, (socket) => resolveViewerAgain(app.orm.em.fork(), app.auth, socket.viewer, socket.apiBearer), log);
  await access.start();
  // A socket's cached decisions on the sections it types into go with any change of its access.
  access.onRecheck((socket) => app.live.sectionAccess.forget(socket));

  // The per-address cap is shared by every instance (auth/socket-slots.ts).
  const slots = new SocketSlots(app.orm.config.get("clientUrl") ?? "", config.sockets.perAddress, log);
  await slots.start();
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: "/graphql",
    maxPayload: LIMITS.frameBytes,
    verifyClient: (info, accept) => {
      const address = clientAddress(info.req, config.trustProxy);
      void slots.claim(address).then((admitted) => {
        if (!admitted) return accept(false, 429, "Too many sockets from this address");
        releaseOnClose(info.req.socket, slots, address);
        accept(true);
      });
    },
  });

  const shared = new SharedExecution(SHARED_SUBSCRIPTIONS);
  const hooks = new SocketHooks(app, schema, documents, costs, access, shared);
  app.metrics.watchSockets(() => ({ sockets: wsServer.clients.size, subscriptions: hooks.subscriptions() }));
  const cleanup = serveGraphqlWs<SocketState>(
    {
      schema,
      // An editor's keystrokes and cursor moves run compiled; everything else with graphql-js.
      execute: compiledMutations(queries, LIVE_MUTATIONS),
      subscribe: shared.subscribe,
      onConnect: (ctx) => hooks.onConnect(ctx),
      onSubscribe: (ctx, id, payload) => hooks.onSubscribe(ctx, id, payload),
      onError: (ctx, id, payload, errors) => hooks.onError(ctx, id, payload, errors),
      onComplete: (ctx, id) => hooks.onComplete(ctx, id),
      onNext: (ctx, id, _payload, args, result) => hooks.onNext(ctx, id, args, result),
    },
    wsServer,
    {
      address: (request) => clientAddress(request, config.trustProxy),
      intern: (query) => documents.text(query),
      connectionInitWaitMs: LIMITS.connectionInitTimeoutMs,
      closed: (extra) => hooks.closed(extra),
      keepAliveMs: KEEP_ALIVE_MS,
      log,
    },
  );

  const expiries = setInterval(() => hooks.closeExpired(), 1000);
  expiries.unref();

  let disposed: Promise<void> | undefined;
  return {
    dispose() {
      clearInterval(expiries);
      // Apollo's drain disposes first; the server's close asks again (ws refuses a second close).
      return (disposed ??= Promise.resolve(cleanup.dispose()).then(() => slots.stop()));
    },
    goAway() {
      access.stop();
      for (const client of wsServer.clients) client.close(1001, "Server shutting down");
    },
  };
}
