import { BidStatus } from "../../src/bids/bid.enums";
import { ConversationMessagesLiveDocument, RemoveBidMemberDocument, type ConversationMessagesLiveSubscription } from "../generated/graphql";
import { doc } from "../security/harness";
import { startTestServer, type TestServer } from "../helpers/server";
import { orderWorld, outcome, post, watch, type OrderWorld, type Watch } from "./conversation-setup";

/*
 * conversationMessages over graphql-ws, on two instances sharing one database: a message posted
 * on one reaches the subscribers of the other; the same rule as HTTP decides who may subscribe;
 * a person who stops taking part stops receiving at once.
 */

let server: TestServer;
let server2: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server2 = await startTestServer({ db: server.db });
});
afterAll(async () => {
  await server2.close();
  await server.close();
});

type Live = ConversationMessagesLiveSubscription;

/**
 * Posts warm-up messages until the subscriber has one: a subscription starts listening a moment
 * after the socket asks for it, and graphql-ws sends no acknowledgement of a start.
 */
async function started(w: Watch<Live>, postOne: (body: string) => Promise<unknown>): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const body = `échauffement ${attempt}`;
    await postOne(body);
    try {
      await w.until((m) => m.conversationMessages.body === body, 200);
      return;
    } catch {
      // not listening yet: the next warm-up message will tell
    }
  }
  throw new Error("the subscription never started");
}

async function offerScene(): Promise<OrderWorld> {
  return orderWorld(server, BidStatus.SUBMITTED);
}

test("a message posted on one instance reaches the participants subscribed on the other, with its author", async () => {
  const w = await offerScene();
  const officer = watch(server2.ws(w.officer.token), ConversationMessagesLiveDocument, { id: w.order.conversation });
  await started(officer, (body) => post(server, w.client.token, w.order.conversation, body));
  const sent = await post(server, w.client.token, w.order.conversation, "Le bon à tirer est validé.");
  const got = await officer.until((m) => m.conversationMessages.id === sent.id);
  expect(got.conversationMessages).toMatchObject({ body: "Le bon à tirer est validé.", authorSide: "CLIENT", authorName: "Test CLIENT", mine: false });

  // On the bid: a member on one instance, the client (the offer is submitted) on the other.
  const partner = watch(server.ws(w.partner.token), ConversationMessagesLiveDocument, { id: w.offer.conversation });
  const client = watch(server2.ws(w.client.token), ConversationMessagesLiveDocument, { id: w.offer.conversation });
  await started(partner, (body) => post(server2, w.lead.token, w.offer.conversation, body));
  await started(client, (body) => post(server, w.lead.token, w.offer.conversation, body));
  const question = await post(server2, w.client.token, w.offer.conversation, "Délai pour le lot 2 ?");
  expect((await partner.until((m) => m.conversationMessages.id === question.id)).conversationMessages).toMatchObject({ authorSide: "CLIENT", mine: false });
  const reply = await post(server, w.partner.token, w.offer.conversation, "Trois semaines.");
  expect((await client.until((m) => m.conversationMessages.id === reply.id)).conversationMessages).toMatchObject({
    authorSide: "COOPERATIVE",
    authorCooperative: { name: "Brochures B" },
  });
  // Each subscriber got each message once, in order.
  const bodies = client.results.map((m) => m.conversationMessages.seq);
  expect(bodies).toEqual([...bodies].sort((a, b) => a - b));
  expect(new Set(bodies).size).toBe(bodies.length);
});

test("someone who does not take part cannot subscribe: NOT_FOUND, as for a missing conversation", async () => {
  const w = await orderWorld(server, BidStatus.DRAFT);
  for (const [token, id] of [
    [w.otherClient.token, w.order.conversation],
    [w.lead.token, w.order.conversation],
    [w.client.token, w.offer.conversation],
    [w.rival.token, w.offer.conversation],
  ] as const) {
    const refused = watch(server2.ws(token), ConversationMessagesLiveDocument, { id });
    expect(await outcome(refused)).toEqual({ how: "complete" });
    expect(refused.errors).toEqual(["NOT_FOUND"]);
    expect(refused.results).toEqual([]);
  }
});

test("a cooperative removed from the bid stops receiving at once, on the other instance; the others go on", async () => {
  const w = await offerScene();
  await server.orm.em.getConnection().execute("UPDATE bids SET status = 'DRAFT', submitted_at = NULL WHERE id = ?", [w.offer.id]);
  const partner = watch(server2.ws(w.partner.token), ConversationMessagesLiveDocument, { id: w.offer.conversation });
  const officer = watch(server2.ws(w.officer.token), ConversationMessagesLiveDocument, { id: w.offer.conversation });
  await started(partner, (body) => post(server, w.lead.token, w.offer.conversation, body));
  await started(officer, (body) => post(server, w.lead.token, w.offer.conversation, body));
  const [member] = await server.orm.em
    .getConnection()
    .execute<{ id: string; version: number }[]>("SELECT id, version FROM bid_members WHERE bid_id = ? AND cooperative_id = ?", [w.offer.id, w.coopB.id]);
  const removed = await server.gql(
    RemoveBidMemberDocument,
    { input: { memberId: Buffer.from(`BidMember:${member!.id}`).toString("base64url"), expectedVersion: member!.version } },
    w.lead.token,
  );
  expect(removed.errors).toBeUndefined();
  expect(await outcome(partner)).toEqual({ how: "complete" });
  const seen = partner.results.length;
  const after = await post(server, w.lead.token, w.offer.conversation, "Sans B désormais");
  await officer.until((m) => m.conversationMessages.id === after.id);
  expect(partner.results.length).toBe(seen);
  expect(await outcome(officer, 300)).toEqual({ how: "running" });
});

test("signing out closes the socket and its subscription at once", async () => {
  const w = await offerScene();
  const client = watch(server2.ws(w.client.token), ConversationMessagesLiveDocument, { id: w.order.conversation });
  await started(client, (body) => post(server, w.officer.token, w.order.conversation, body));
  await server.gql(doc(`mutation { signOut(everywhere: false) }`), {}, w.client.token);
  expect(await outcome(client)).toEqual({ how: "closed", code: 4401 });
});
