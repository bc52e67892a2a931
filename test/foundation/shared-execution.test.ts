import { GraphQLBoolean, GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, execute, parse, specifiedRules, type ExecutionResult } from "graphql";
import { DocumentCache } from "../../src/common/document-cache";
import { SharedExecution, sharedSubscribe, type SinkSocket } from "../../src/realtime/shared-execution";

/**
 * The two caches of the WebSocket path, on a small schema of their own: a subscription whose
 * source hands the same event objects to every subscriber, as a bid's feed does.
 */
interface Event {
  n: number;
}

const calls = { n: 0, viewer: 0 };
let events: Event[] = [];

const EventType = new GraphQLObjectType<Event, { name: string }>({
  name: "Event",
  fields: {
    n: {
      type: GraphQLInt,
      resolve: (e) => {
        calls.n += 1;
        return e.n;
      },
    },
    later: {
      type: GraphQLInt,
      // An asynchronous resolver: its results must still reach each socket in order.
      resolve: async (e) => {
        await new Promise((r) => setTimeout(r, e.n === 1 ? 30 : 0));
        return e.n;
      },
    },
    viewer: {
      type: GraphQLString,
      resolve: (_e, _args, ctx) => {
        calls.viewer += 1;
        return ctx.name;
      },
    },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLBoolean } } }),
  subscription: new GraphQLObjectType({
    name: "Subscription",
    fields: {
      feed: {
        type: EventType,
        args: { from: { type: GraphQLInt } },
        subscribe: async function* () {
          for (const event of events) yield event;
        },
        resolve: (event: Event) => event,
      },
    },
  }),
});

const subscribe = sharedSubscribe([{ field: "feed", pureFields: new Set(["n"]) }]);
const documents = new DocumentCache(schema, specifiedRules, {});

async function run(query: string, variables: Record<string, unknown>, name: string): Promise<ExecutionResult[]> {
  const prepared = documents.prepare(query);
  if (!("document" in prepared)) throw new Error(`invalid test query: ${query}`);
  const stream = await subscribe({ schema, document: prepared.document, variableValues: variables, contextValue: { name } });
  if (!(Symbol.asyncIterator in stream)) throw new Error(JSON.stringify(stream));
  const results: ExecutionResult[] = [];
  for await (const result of stream) results.push(result);
  return results;
}

beforeEach(() => {
  calls.n = 0;
  calls.viewer = 0;
  events = [{ n: 1 }, { n: 2 }, { n: 3 }];
});

test("subscribers selecting pure fields share one execution per event, whatever their root arguments", async () => {
  const query = "subscription($from: Int) { feed(from: $from) { n __typename } }";
  const all = await Promise.all([run(query, { from: 1 }, "a"), run(query, { from: 7 }, "b"), run(query, {}, "c")]);
  for (const results of all) expect(results.map((r) => r.data)).toEqual([1, 2, 3].map((n) => ({ feed: { n, __typename: "Event" } })));
  expect(calls.n).toBe(3);
  // The very same result object: nothing was executed again for the others.
  expect(all[1][0]).toBe(all[0][0]);
});

test("a field outside the pure list (here, one reading the viewer) is executed for each subscriber", async () => {
  const query = "subscription { feed { n viewer } }";
  const [a, b] = await Promise.all([run(query, {}, "alice"), run(query, {}, "bob")]);
  expect(a.map((r) => r.data)).toEqual([1, 2, 3].map((n) => ({ feed: { n, viewer: "alice" } })));
  expect(b.map((r) => r.data)).toEqual([1, 2, 3].map((n) => ({ feed: { n, viewer: "bob" } })));
  expect(calls.viewer).toBe(6);
});

test("a fragment reaching a non-pure field is followed, and prevents sharing", async () => {
  const query = "subscription { feed { ...F } } fragment F on Event { n ... on Event { viewer } }";
  const [a, b] = await Promise.all([run(query, {}, "alice"), run(query, {}, "bob")]);
  expect(a[0]!.data).toEqual({ feed: { n: 1, viewer: "alice" } });
  expect(b[0]!.data).toEqual({ feed: { n: 1, viewer: "bob" } });
  expect(calls.viewer).toBe(6);
});

test("variables read below the root (directives) are part of the key: different values, different results", async () => {
  const query = "subscription($withN: Boolean!) { feed { __typename n @include(if: $withN) } }";
  const [withN, without, withN2] = await Promise.all([run(query, { withN: true }, "a"), run(query, { withN: false }, "b"), run(query, { withN: true }, "c")]);
  expect(withN[0]!.data).toEqual({ feed: { __typename: "Event", n: 1 } });
  expect(without[0]!.data).toEqual({ feed: { __typename: "Event" } });
  expect(withN2[0]).toBe(withN[0]);
  expect(calls.n).toBe(3);
});

test("two documents never share, even on the same events (aliases differ)", async () => {
  const [plain, aliased] = await Promise.all([run("subscription { feed { n } }", {}, "a"), run("subscription { feed { m: n } }", {}, "b")]);
  expect(plain[0]!.data).toEqual({ feed: { n: 1 } });
  expect(aliased[0]!.data).toEqual({ feed: { m: 1 } });
});

test("the document cache returns one DocumentNode per text, and keeps no invalid document", () => {
  const first = documents.prepare("{ ok }");
  const second = documents.prepare("{ ok }");
  const other = documents.prepare("{ ok  }");
  if (!("document" in first && "document" in second && "document" in other)) throw new Error("valid queries were refused");
  expect(second.document).toBe(first.document);
  expect(other.document).not.toBe(first.document);
  // The cache parses as graphql-js does.
  expect(first.document).toEqual(parse("{ ok }"));
  expect(documents.prepare("{ ok")).toHaveProperty("syntaxError");
  const invalid = documents.prepare("{ nope }");
  expect("errors" in invalid && invalid.errors[0]!.message).toMatch(/Cannot query field "nope"/);
  expect(documents.prepare("{ nope }")).not.toBe(invalid);
});

/** A socket as the sink sees it, recording what it is sent. */
function fakeSocket(bufferedAmount = 0): SinkSocket & { sent: string[]; frames: Buffer[]; bufferedAmount: number } {
  return {
    readyState: 1,
    bufferedAmount,
    sent: [] as string[],
    frames: [] as Buffer[],
    send(data: Buffer, options: { binary: false }) {
      // graphql-ws reads text frames only.
      expect(options.binary).toBe(false);
      this.frames.push(data);
      this.sent.push(data.toString("utf8"));
    },
  };
}

describe("direct sinks (events written straight to the socket)", () => {
  const shared = new SharedExecution([{ field: "feed", pureFields: new Set(["n", "later"]) }]);
  const sinkOf = (query: string, id: string, socket: SinkSocket) => {
    const prepared = documents.prepare(query);
    if (!("document" in prepared)) throw new Error(`invalid test query: ${query}`);
    const args = { schema, document: prepared.document, variableValues: {}, contextValue: { name: id } };
    const sink = shared.sinkFor(prepared.document, undefined, {}, id, socket);
    sink?.bind(args);
    return sink;
  };

  test("each event is executed and serialised once; every socket gets it behind its own operation id", () => {
    const a = fakeSocket();
    const b = fakeSocket();
    const sinkA = sinkOf("subscription { feed { n } }", "op-a", a)!;
    const sinkB = sinkOf("subscription { feed { n } }", "op-b", b)!;
    for (const event of events) {
      sinkA.push(event, false);
      sinkB.push(event, false);
    }
    expect(calls.n).toBe(3);
    expect(a.sent.map((t) => JSON.parse(t) as unknown)).toEqual([1, 2, 3].map((n) => ({ id: "op-a", type: "next", payload: { data: { feed: { n } } } })));
    expect(b.sent.map((t) => (JSON.parse(t) as { payload: unknown }).payload)).toEqual(a.sent.map((t) => (JSON.parse(t) as { payload: unknown }).payload));
  });

  test("sockets whose operations have the same id get the same bytes, encoded once per event", () => {
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    const sinks = sockets.map((socket) => sinkOf("subscription { feed { n } }", "stream", socket)!);
    const other = fakeSocket();
    const otherSink = sinkOf("subscription { feed { n } }", "op-other", other)!;
    for (const event of events) {
      sinks.forEach((sink) => sink.push(event, false));
      otherSink.push(event, false);
    }
    for (const socket of sockets) {
      expect(socket.sent.map((t) => JSON.parse(t) as unknown)).toEqual(
        [1, 2, 3].map((n) => ({ id: "stream", type: "next", payload: { data: { feed: { n } } } })),
      );
    }
    // One buffer per event for the three sockets, not one per socket; other ids get their own.
    for (let i = 0; i < events.length; i++) {
      expect(sockets[1]!.frames[i]).toBe(sockets[0]!.frames[i]);
      expect(sockets[2]!.frames[i]).toBe(sockets[0]!.frames[i]);
    }
    expect(new Set(sockets[0]!.frames).size).toBe(3);
    expect(other.sent.map((t) => (JSON.parse(t) as { id: string }).id)).toEqual(["op-other", "op-other", "op-other"]);
  });

  test("an operation that cannot share has no sink (it runs on the iterator path)", () => {
    expect(sinkOf("subscription { feed { n viewer } }", "op", fakeSocket())).toBeNull();
  });

  test("results of asynchronous resolvers keep their order on the socket", async () => {
    const socket = fakeSocket();
    const sink = sinkOf("subscription { feed { later } }", "op", socket)!;
    for (const event of events) sink.push(event, false);
    const deadline = Date.now() + 5_000;
    while (socket.sent.length < 3 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(socket.sent.map((t) => (JSON.parse(t) as { payload: { data: { feed: { later: number } } } }).payload.data.feed.later)).toEqual([1, 2, 3]);
  });

  test("a flat selection of plain properties is read off the event: the same text as graphql-js, no resolver run", async () => {
    const plain = new SharedExecution([{ field: "feed", pureFields: new Set(["n"]), properties: true }]);
    const prepared = documents.prepare("subscription { f: feed { __typename value: n n } }");
    if (!("document" in prepared)) throw new Error("invalid test query");
    const args = { schema, document: prepared.document, variableValues: {}, contextValue: { name: "x" } };
    const socket = fakeSocket();
    const sink = plain.sinkFor(prepared.document, undefined, {}, "op", socket)!;
    sink.bind(args);
    sink.push(events[0]!, false);
    expect(calls.n).toBe(0);
    const viaGraphql = await execute({ ...args, rootValue: events[0] });
    expect(socket.sent[0]).toBe(`{"id":"op","type":"next","payload":${JSON.stringify(viaGraphql)}}`);
  });

  test("a socket far behind skips droppable events, and past the hard limit asks the stream to end", () => {
    const socket = fakeSocket(2 << 20);
    const sink = sinkOf("subscription { feed { n } }", "op", socket)!;
    expect(sink.push(events[0]!, true)).toBe(true);
    expect(socket.sent).toHaveLength(0);
    expect(sink.push(events[1]!, false)).toBe(true);
    expect(socket.sent).toHaveLength(1);
    socket.bufferedAmount = 32 << 20;
    expect(sink.push(events[2]!, false)).toBe(false);
    expect(socket.sent).toHaveLength(1);
  });
});
