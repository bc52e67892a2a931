import { randomUUID } from "node:crypto";
import type { GraphQLFormattedError } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { toGlobalId } from "../../src/common/node";
import { Y } from "../../src/bids/sections/yjs";
import { ApplySectionUpdateDocument, SendSectionAwarenessDocument } from "../generated/graphql";
import { startTestServer, wsOnce, type TestServer } from "../helpers/server";
import { sectionScene, type SectionScene } from "./bid-setup";

/**
 * An editor's keystrokes and cursor moves run compiled over a WebSocket
 * (common/compiled-execution.ts): every answer, refusals included, reads as over HTTP, where
 * graphql-js runs them.
 */
let server: TestServer;
let s: SectionScene;
let ws: WsClient;
beforeAll(async () => {
  server = await startTestServer();
  s = await sectionScene(server);
  ws = server.ws(s.w.partner.token);
});
afterAll(async () => {
  await ws.dispose();
  await server.close();
});

function update(text: string): string {
  const doc = new Y.Doc();
  doc.getText("content").insert(0, text);
  return Buffer.from(Y.encodeStateAsUpdate(doc)).toString("base64");
}

/** An error as a client compares it: what differs per request (its id) left out. */
function comparable(errors: readonly GraphQLFormattedError[] | undefined): unknown[] {
  return (errors ?? []).map(({ message, path, locations, extensions }) => {
    const { requestId: _requestId, ...rest } = extensions ?? {};
    return { message, path, locations, extensions: rest };
  });
}

type ApplyInput = { sectionId: string; update: string; clientMutationId?: string };

/** The same mutation over HTTP and over the socket (each with its own clientMutationId when given one). */
async function both(input: (transport: "http" | "ws") => ApplyInput) {
  const http = await server.gql(ApplySectionUpdateDocument, { input: input("http") }, s.w.partner.token);
  const socket = await wsOnce(ws, ApplySectionUpdateDocument, { input: input("ws") });
  return { http, socket };
}

test("an accepted update answers the same fields over both", async () => {
  const { http, socket } = await both((t) => ({ sectionId: s.sectionId, update: update(t), clientMutationId: `ok-${t}-${randomUUID()}` }));
  expect(http.errors).toBeUndefined();
  expect(socket.errors).toBeUndefined();
  expect(socket.data?.applySectionUpdate).toEqual({
    seq: http.data!.applySectionUpdate.seq + 1,
    clientMutationId: expect.stringMatching(/^ok-ws-/),
    section: { id: s.sectionId },
  });
});

test.each([
  ["an update that is not a Yjs update", (): ApplyInput => ({ sectionId: s.sectionId, update: "bm90IHlqcw==" }), "BAD_USER_INPUT"],
  ["an update that is not base64", (): ApplyInput => ({ sectionId: s.sectionId, update: "%%%" }), "BAD_USER_INPUT"],
  ["a section that does not exist", (): ApplyInput => ({ sectionId: toGlobalId("BidSection", randomUUID()), update: update("x") }), "NOT_FOUND"],
  ["an id of another type", (): ApplyInput => ({ sectionId: toGlobalId("Bid", randomUUID()), update: update("x") }), "BAD_USER_INPUT"],
  ["variables graphql-js refuses (no update)", () => ({ sectionId: s.sectionId }) as ApplyInput, "BAD_USER_INPUT"],
])("%s is refused the same way over both", async (_label, input, code) => {
  const same = input();
  const { http, socket } = await both(() => same);
  expect(http.errors?.[0]?.extensions?.code).toBe(code);
  expect(comparable(socket.errors)).toEqual(comparable(http.errors));
});

test("a clientMutationId reused with other content is the same CONFLICT over both", async () => {
  const taken = { http: `dup-http-${randomUUID()}`, ws: `dup-ws-${randomUUID()}` };
  await both((t) => ({ sectionId: s.sectionId, update: update("first"), clientMutationId: taken[t] }));
  const { http, socket } = await both((t) => ({ sectionId: s.sectionId, update: update("second"), clientMutationId: taken[t] }));
  expect(http.errors?.[0]?.extensions?.code).toBe("CONFLICT");
  expect(comparable(socket.errors)).toEqual(comparable(http.errors));
});

test("an awareness update that is not one is the same BAD_USER_INPUT over both", async () => {
  const input = { sectionId: s.sectionId, update: "bm90IGF3YXJlbmVzcw==" };
  const http = await server.gql(SendSectionAwarenessDocument, { input }, s.w.partner.token);
  const socket = await wsOnce(ws, SendSectionAwarenessDocument, { input });
  expect(http.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  expect(comparable(socket.errors)).toEqual(comparable(http.errors));
});
