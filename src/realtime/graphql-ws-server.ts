import type { IncomingMessage } from "node:http";
import type { Writable } from "node:stream";
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, makeServer, MessageType, type ServerOptions } from "graphql-ws";
import type { Logger } from "pino";
import type { RawData, WebSocket, WebSocketServer } from "ws";

/**
 * What graphql-ws's context of a socket carries (`ctx.extra`): the socket and the client's
 * address, worked out once at the upgrade; the upgrade request itself is not kept (an idle
 * subscriber holds its socket for hours). `state` is the server's own (websocket-hooks.ts).
 */
export interface SocketExtra<State> {
  readonly socket: WebSocket;
  readonly address: string;
  state?: State;
  /** Until `connection_init` arrives: then it goes (a cleared timer still weighs while referenced). */
  initWait?: NodeJS.Timeout | null;
}

export interface GraphqlWsServerOptions<State> {
  /** The client's address of an upgrade request. */
  address(request: IncomingMessage): string;
  /**
   * The copy of a query text to keep (a cached document's), so that subscribers of the same
   * operation share one string rather than each holding its own for the subscription's life.
   */
  intern(query: string): string;
  /** A socket that sends no `connection_init` within this is closed with 4408. */
  connectionInitWaitMs: number;
  /** Called when a socket closes, synchronously (before graphql-ws has ended its operations). */
  closed(extra: SocketExtra<State>): void;
  /** A ping every `keepAliveMs`; a socket that has not answered the previous one by then is terminated. */
  keepAliveMs: number;
  log: Logger;
}

/**
 * graphql-ws on a `ws` server, as graphql-ws/use/ws serves it (same protocol, same close codes,
 * same keep-alive), with less held per idle socket: one keep-alive sweep for all sockets instead
 * of an interval, a timeout and a `once` listener each, messages parsed before graphql-ws sees
 * them (its handler of a subscription stays suspended for the subscription's life, with its
 * arguments: an object it needs anyway rather than the text and the frame's bytes too), and
 * listeners shared by every socket where they need nothing of their own.
 */
export function serveGraphqlWs<State>(
  options: Omit<ServerOptions<Record<string, unknown>, SocketExtra<State>>, "connectionInitWaitTimeout">,
  wsServer: WebSocketServer,
  own: GraphqlWsServerOptions<State>,
): { dispose(): Promise<void> } {
  const server = makeServer<Record<string, unknown>, SocketExtra<State>>({
    ...options,
    // graphql-ws's own wait keeps its timer for the socket's life: the wait is kept here instead.
    connectionInitWaitTimeout: 0,
    onConnect: async (ctx) => {
      clearInitWait(ctx.extra);
      const answer = await options.onConnect?.(ctx);
      // The connection_init payload is for onConnect alone: graphql-ws would keep it, and the
      // token it carries, for the socket's life (about 350 bytes an idle editor, and a secret).
      (ctx as { connectionParams?: unknown }).connectionParams = undefined;
      return answer;
    },
  });
  const { log } = own;
  // Each socket's connection, for the listeners below: shared by every socket, not made per socket.
  const connections = new WeakMap<WebSocket, Connection<State>>();
  // Sockets pinged by the last sweep that have not answered yet.
  const awaitingPong = new WeakSet<WebSocket>();
  function onPong(this: WebSocket): void {
    awaitingPong.delete(this);
  }
  function onError(this: WebSocket, error: Error): void {
    log.error({ err: error }, "error on a WebSocket");
    this.close(CloseCode.InternalServerError, "Internal server error");
  }
  function onMessage(this: WebSocket, raw: RawData): void {
    connections.get(this)?.receive(raw);
  }
  // `close` is emitted once: a plain listener costs less than a `once` wrapper.
  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    awaitingPong.delete(this);
    const connection = connections.get(this);
    if (!connection) return;
    connections.delete(this);
    clearInitWait(connection.extra);
    own.closed(connection.extra);
    void connection.closed?.(code, String(reason));
  }
  const sweep = setInterval(() => {
    for (const socket of wsServer.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (awaitingPong.has(socket)) {
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      socket.ping();
    }
  }, own.keepAliveMs);
  sweep.unref();

  wsServer.options.handleProtocols = handleProtocols;
  wsServer.once("error", (error) => {
    log.error({ err: error }, "error on the WebSocket server");
    for (const client of wsServer.clients) client.close(CloseCode.InternalServerError, "Internal server error");
  });
  wsServer.on("connection", (socket, request) => {
    const extra: SocketExtra<State> = { socket, address: own.address(request), initWait: null, state: undefined };
    if (socket.protocol === GRAPHQL_TRANSPORT_WS_PROTOCOL && own.connectionInitWaitMs > 0) {
      extra.initWait = setTimeout(initTimeout, own.connectionInitWaitMs, socket);
    }
    const connection = new Connection(socket, own, extra);
    connections.set(socket, connection);
    socket.on("error", onError);
    socket.on("pong", onPong);
    socket.on("message", onMessage);
    socket.on("close", onClose);
    connection.closed = server.opened(connection, extra);
  });

  return {
    async dispose() {
      clearInterval(sweep);
      for (const client of wsServer.clients) client.close(1001, "Going away");
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function initTimeout(socket: WebSocket): void {
  socket.close(CloseCode.ConnectionInitialisationTimeout, "Connection initialisation timeout");
}

function clearInitWait(extra: SocketExtra<unknown>): void {
  if (extra.initWait) clearTimeout(extra.initWait);
  extra.initWait = null;
}

/** A socket as graphql-ws drives it, with what the shared listeners need of it: methods and fields, no closure per socket. */
class Connection<State> {
  /** graphql-ws's message handler (none when it refused the subprotocol). */
  private handle: ((data: string) => Promise<void>) | null = null;
  /** graphql-ws's end of the socket. */
  closed: ((code: number, reason: string) => Promise<void>) | null = null;
  /** The socket's stream is corked until the end of this turn (send). */
  private corked = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly own: { intern(query: string): string; log: Logger },
    readonly extra: SocketExtra<State>,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  /**
   * graphql-ws waits for each send before its next step. While the socket keeps up, a message is
   * handed over without waiting for its write, and the socket is corked until the end of the
   * turn: a mutation's `next` and `complete` leave in one write instead of two, each after a
   * write callback. A socket behind by FLOW_BYTES is waited for, so that a subscription's
   * iterator still slows down to its reader. A failed write closes the socket ('error').
   */
  send(data: string): Promise<void> {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return DONE;
    if (socket.bufferedAmount < FLOW_BYTES) {
      this.corkTurn();
      socket.send(data);
      return DONE;
    }
    return new Promise<void>((resolve, reject) => socket.send(data, (error) => (error ? reject(error) : resolve())));
  }

  private corkTurn(): void {
    if (this.corked) return;
    const stream = streamOf(this.socket);
    if (!stream) return;
    this.corked = true;
    stream.cork();
    process.nextTick(uncork, this, stream);
  }

  /** Called by uncork() at the end of the turn. */
  uncorked(): void {
    this.corked = false;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.handle = handle;
  }

  /**
   * Hands one message to graphql-ws, parsed: its parser takes an object as it takes text, and
   * the text would otherwise stay referenced by the suspended handler of a subscription.
   */
  receive(raw: RawData): void {
    const handle = this.handle;
    if (!handle) return;
    let message: unknown;
    try {
      message = JSON.parse(textOf(raw));
    } catch {
      this.socket.close(CloseCode.BadRequest, "Invalid message received");
      return;
    }
    // Subscribers of the same operation share one copy of its text (kept for the subscription's life).
    if (isSubscribe(message)) message.payload.query = this.own.intern(message.payload.query);
    // graphql-ws's parseMessage validates an object as it would the text's parse.
    handle(message as string).catch((error: unknown) => {
      this.own.log.error({ err: error }, "error handling a WebSocket message");
      this.socket.close(CloseCode.InternalServerError, "Internal server error");
    });
  }
}

/** Bytes waiting on a socket past which graphql-ws waits for each write (Connection.send). */
const FLOW_BYTES = 64 * 1024;
const DONE: Promise<void> = Promise.resolve();

/**
 * The TCP stream under a `ws` socket (its `_socket`, which `ws` itself corks around each frame):
 * not in its types, so looked up and checked rather than assumed; null when absent.
 */
function streamOf(socket: WebSocket): Writable | null {
  const stream: unknown = (socket as unknown as { _socket?: unknown })._socket;
  return typeof stream === "object" && stream !== null && "cork" in stream && "uncork" in stream ? (stream as Writable) : null;
}

function uncork(connection: { uncorked(): void }, stream: Writable): void {
  connection.uncorked();
  stream.uncork();
}

/** A frame's text (ws hands a Buffer by default; fragments and ArrayBuffers for other binary types). */
function textOf(raw: RawData): string {
  if (Buffer.isBuffer(raw)) return raw.toString();
  return (Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw)).toString();
}

function isSubscribe(message: unknown): message is { type: "subscribe"; payload: { query: string } } {
  if (typeof message !== "object" || message === null || !("type" in message) || message.type !== MessageType.Subscribe) return false;
  const payload = "payload" in message ? message.payload : null;
  return typeof payload === "object" && payload !== null && "query" in payload && typeof payload.query === "string";
}
