import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from "graphql-ws";
import pino from "pino";
import WebSocket, { WebSocketServer } from "ws";
import { serveGraphqlWs } from "../../src/realtime/graphql-ws-server";
import { sleep, until } from "../helpers/wait";

/**
 * How the graphql-ws server writes to its sockets (src/realtime/graphql-ws-server.ts), on a
 * small schema of its own over a real `ws` server and TCP: a mutation's `next` and `complete`
 * leave in one write, and a subscription to a reader that stopped reading is held back once the
 * socket is behind rather than buffered without bound.
 */
const EVENTS = 2_000;
const EVENT_BYTES = 10_000;
let pulled = 0;

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { n: { type: GraphQLInt, resolve: () => 1 } } }),
  mutation: new GraphQLObjectType({ name: "Mutation", fields: { bump: { type: GraphQLInt, resolve: () => 2 } } }),
  subscription: new GraphQLObjectType({
    name: "Subscription",
    fields: {
      flood: {
        type: GraphQLString,
        subscribe: async function* () {
          for (let i = 0; i < EVENTS; i++) {
            pulled += 1;
            yield `${String(i).padStart(6, "0")}${"x".repeat(EVENT_BYTES)}`;
          }
        },
        resolve: (event: string) => event,
      },
    },
  }),
});

let http: Server;
let wss: WebSocketServer;
let served: { dispose(): Promise<void> };
let url: string;
/** Each connection's graphql-ws context, and the connection_init payload onConnect saw. */
const contexts: { ctx: { connectionParams?: unknown }; params: unknown }[] = [];
/** The server's end of the last connection, as TCP (the upgrade request's socket). */
let serverSocket: Socket | null = null;

beforeAll(async () => {
  http = createServer();
  wss = new WebSocketServer({ server: http, path: "/graphql" });
  wss.on("connection", (_socket, request) => (serverSocket = request.socket));
  served = serveGraphqlWs(
    {
      schema,
      onConnect: (ctx) => {
        contexts.push({ ctx, params: ctx.connectionParams });
        return true;
      },
    },
    wss,
    {
      address: () => "127.0.0.1",
      intern: (query) => query,
      connectionInitWaitMs: 5_000,
      closed: () => undefined,
      keepAliveMs: 60_000,
      log: pino({ level: "silent" }),
    },
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  url = `ws://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/graphql`;
});

afterAll(async () => {
  await served.dispose();
  await new Promise((resolve) => http.close(resolve));
});

/** A client speaking the protocol by hand: its messages, in order, as parsed. */
async function connect(params?: object): Promise<{ socket: WebSocket; messages: { id?: string; type: string; payload?: unknown }[] }> {
  const socket = new WebSocket(url, GRAPHQL_TRANSPORT_WS_PROTOCOL);
  const messages: { id?: string; type: string; payload?: unknown }[] = [];
  socket.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  socket.send(JSON.stringify({ type: "connection_init", payload: params }));
  await until(() => messages.some((m) => m.type === "connection_ack"), { label: "the connection_ack" });
  return { socket, messages };
}

/** Counts the TCP writes of a socket from now on (one per `_write` or `_writev` of its stream). */
function countWrites(socket: Socket): { writes: number } {
  const counter = { writes: 0 };
  const target = socket as unknown as Record<"_write" | "_writev", (...args: unknown[]) => void>;
  for (const method of ["_write", "_writev"] as const) {
    const original = target[method].bind(socket);
    target[method] = (...args: unknown[]) => {
      counter.writes += 1;
      original(...args);
    };
  }
  return counter;
}

test("a mutation's next and complete leave the server in one write", async () => {
  const { socket, messages } = await connect();
  const counter = countWrites(serverSocket!);
  socket.send(JSON.stringify({ id: "m1", type: "subscribe", payload: { query: "mutation { bump }" } }));
  await until(() => messages.some((m) => m.id === "m1" && m.type === "complete"), { label: "the mutation's complete" });
  expect(messages.filter((m) => m.id === "m1").map((m) => m.type)).toEqual(["next", "complete"]);
  expect(messages.find((m) => m.id === "m1" && m.type === "next")?.payload).toEqual({ data: { bump: 2 } });
  expect(counter.writes).toBe(1);
  socket.close();
});

test("a subscription to a reader that stopped reading is held back, then resumes in order", async () => {
  const { socket, messages } = await connect();
  pulled = 0;
  socket.pause();
  socket.send(JSON.stringify({ id: "s1", type: "subscribe", payload: { query: "subscription { flood }" } }));
  // The kernel's buffers take a few megabytes; the rest (20 MB in all) must wait in the generator.
  await until(() => pulled > 50, { label: "the first events" });
  await sleep(1_000);
  expect(pulled).toBeLessThan(EVENTS / 2);
  socket.resume();
  await until(() => messages.some((m) => m.id === "s1" && m.type === "complete"), { label: "the whole flood", timeoutMs: 30_000 });
  const received = messages.filter((m) => m.id === "s1" && m.type === "next").map((m) => (m.payload as { data: { flood: string } }).data.flood.slice(0, 6));
  expect(received).toEqual(Array.from({ length: EVENTS }, (_, i) => String(i).padStart(6, "0")));
  socket.close();
});

test("the connection_init payload (the token) is onConnect's alone: the socket's context does not keep it", async () => {
  const { socket, messages } = await connect({ authorization: "Bearer not-kept" });
  const { ctx, params } = contexts.at(-1)!;
  expect(params).toEqual({ authorization: "Bearer not-kept" });
  expect(ctx.connectionParams).toBeUndefined();
  // The socket still works.
  socket.send(JSON.stringify({ id: "q1", type: "subscribe", payload: { query: "{ n }" } }));
  await until(() => messages.some((m) => m.id === "q1" && m.type === "complete"), { label: "the query's complete" });
  expect(messages.find((m) => m.id === "q1" && m.type === "next")?.payload).toEqual({ data: { n: 1 } });
  socket.close();
});
