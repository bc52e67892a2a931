import { PlatformRole } from "../../src/auth/roles";
import { BidStatus } from "../../src/bids/bid.enums";
import { toGlobalId } from "../../src/common/node";
import { cmid, createBid, createWorld } from "../bids/bid-setup";
import {
  BidConversationDocument,
  ConversationMessagesDocument,
  ConversationNodeDocument,
  InviteBidMemberDocument,
  MarkConversationReadDocument,
  OrderConversationDocument,
  PostMessageDocument,
} from "../generated/graphql";
import { countRows, createUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { orderWorld, post } from "./conversation-setup";

/*
 * Conversations over HTTP: who takes part (client ↔ officers on an order; the bid's cooperatives ↔
 * officers; the client once the offer is submitted), paging from the newest end, retries, read
 * markers and NEW_MESSAGE notifications.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const code = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) => errors?.[0]?.extensions?.code;

async function conversationNode(token: string, id: string) {
  const result = await server.gql(ConversationNodeDocument, { id }, token);
  expect(result.errors).toBeUndefined();
  return result.data?.node ?? null;
}

async function newMessageNotifications(userId: string, subjectId: string) {
  return server.orm.em
    .getConnection()
    .execute<{ text: string; read_at: Date | null }[]>(
      "SELECT text, read_at FROM notifications WHERE recipient_id = ? AND kind = 'NEW_MESSAGE' AND subject_id = ? ORDER BY created_at",
      [userId, subjectId],
    );
}

describe("a direct order's conversation", () => {
  test("the client and the officers talk; another client, a member or a token reads it as missing", async () => {
    const w = await orderWorld(server, BidStatus.DRAFT);
    const asClient = await server.gql(OrderConversationDocument, { id: w.order.gid }, w.client.token);
    expect(asClient.data?.tender?.conversation).toEqual({ id: w.order.conversation, subject: "DIRECT_ORDER", unreadCount: 0, lastReadAt: null });
    const asOfficer = await server.gql(OrderConversationDocument, { id: w.order.gid }, w.officer.token);
    expect(asOfficer.data?.tender?.conversation?.id).toBe(w.order.conversation);

    const first = await post(server, w.client.token, w.order.conversation, "  Bonjour, pouvez-vous livrer avant le 15 ?\nMerci  ");
    expect(first).toMatchObject({
      seq: 1,
      body: "Bonjour, pouvez-vous livrer avant le 15 ?\nMerci",
      authorName: "Test CLIENT",
      authorSide: "CLIENT",
      authorCooperative: null,
      mine: true,
    });
    const answer = await post(server, w.officer.token, w.order.conversation, "Oui, c'est possible.");
    expect(answer).toMatchObject({ seq: 2, authorSide: "STAFF", authorName: "Test MISSION_OFFICER" });

    const read = await server.gql(ConversationMessagesDocument, { id: w.order.conversation }, w.client.token);
    expect(read.data?.node).toMatchObject({ unreadCount: 1, messages: { totalCount: 2 } });
    const nodes = (read.data?.node && "messages" in read.data.node ? read.data.node.messages.edges : []).map((e) => [e.node.body, e.node.mine]);
    expect(nodes).toEqual([
      ["Bonjour, pouvez-vous livrer avant le 15 ?\nMerci", true],
      ["Oui, c'est possible.", false],
    ]);

    // Outsiders: the same answers as for a conversation that does not exist.
    const missing = toGlobalId("Conversation", "00000000-0000-4000-8000-000000000000");
    for (const outsider of [w.otherClient.token, w.lead.token, w.outsider.token]) {
      expect(await conversationNode(outsider, w.order.conversation)).toBeNull();
      const refused = await server.gql(PostMessageDocument, { input: { conversationId: w.order.conversation, body: "Je m'invite" } }, outsider);
      expect(code(refused.errors)).toBe("NOT_FOUND");
      expect(refused.errors?.[0]?.message).toBe(`Conversation ${w.order.conversation} was not found.`);
      const none = await server.gql(PostMessageDocument, { input: { conversationId: missing, body: "Je m'invite" } }, outsider);
      expect(none.errors?.[0]?.message).toBe(`Conversation ${missing} was not found.`);
    }
    // A public tender has no order conversation.
    const publicTender = await createWorld(server);
    expect((await server.gql(OrderConversationDocument, { id: publicTender.tender.gid }, publicTender.officer.token)).data?.tender?.conversation).toBeNull();
    expect(await countRows(server, "conversation_messages")).toBeGreaterThanOrEqual(2);
  });
});

describe("a bid's conversation", () => {
  test("the bid's cooperatives and the officers talk; a rival cooperative and the outsider do not", async () => {
    const w = await createWorld(server);
    const bid = await createBid(server, w.lead.token, { tenderId: w.tender.gid, leadCooperativeId: w.coopA.gid, groupType: "CONJOINT" });
    await server.gql(InviteBidMemberDocument, { input: { bidId: bid.id, cooperativeId: w.coopB.gid } }, w.lead.token);
    const conversation = (await server.gql(BidConversationDocument, { id: bid.id }, w.partner.token)).data?.bid?.conversation;
    expect(conversation).toMatchObject({ subject: "BID", unreadCount: 0 });
    const id = conversation!.id;
    expect((await server.gql(BidConversationDocument, { id: bid.id }, w.officer.token)).data?.bid?.conversation?.id).toBe(id);

    expect(await post(server, w.lead.token, id, "On se répartit les lots ?")).toMatchObject({
      authorSide: "COOPERATIVE",
      authorCooperative: { name: "Atelier A" },
    });
    expect(await post(server, w.partner.token, id, "Je prends le lot 2.")).toMatchObject({
      authorSide: "COOPERATIVE",
      authorCooperative: { name: "Brochures B" },
    });
    expect(await post(server, w.admin.token, id, "Pensez à l'attestation.")).toMatchObject({ authorSide: "STAFF", authorCooperative: null });

    for (const outsider of [w.rival.token, w.outsider.token]) {
      expect(await conversationNode(outsider, id)).toBeNull();
      expect(code((await server.gql(PostMessageDocument, { input: { conversationId: id, body: "Espion" } }, outsider)).errors)).toBe("NOT_FOUND");
      expect(code((await server.gql(MarkConversationReadDocument, { input: { conversationId: id } }, outsider)).errors)).toBe("NOT_FOUND");
    }
    expect(await conversationNode(w.third.token, id)).toBeNull();
    // One NEW_MESSAGE per person between two reads (posting counts as reading): the lead has one
    // for messages 2 and 3; the partner one for message 1, then one for message 3 after writing.
    expect(await newMessageNotifications(w.lead.id, id)).toHaveLength(1);
    expect(await newMessageNotifications(w.partner.id, id)).toHaveLength(2);
    // While no officer follows the conversation, every mission officer hears of it; then its followers only.
    expect(await newMessageNotifications(w.officer.id, id)).toHaveLength(1);
    await post(server, w.lead.token, id, "Merci !");
    expect(await newMessageNotifications(w.admin.id, id)).toHaveLength(1);
    expect(await newMessageNotifications(w.officer.id, id)).toHaveLength(1);
    expect(await newMessageNotifications(w.rival.id, id)).toHaveLength(0);
  });

  test("the order's client joins once the offer is submitted, stays through a revision, and never sees a draft's", async () => {
    const w = await orderWorld(server, BidStatus.DRAFT);
    await post(server, w.lead.token, w.offer.conversation, "Brouillon entre nous");
    expect(await conversationNode(w.client.token, w.offer.conversation)).toBeNull();
    expect(code((await server.gql(PostMessageDocument, { input: { conversationId: w.offer.conversation, body: "Alors ?" } }, w.client.token)).errors)).toBe(
      "NOT_FOUND",
    );
    expect(await newMessageNotifications(w.client.id, w.offer.conversation)).toHaveLength(0);

    const connection = server.orm.em.getConnection();
    await connection.execute("UPDATE bids SET status = 'SUBMITTED', submitted_at = now() WHERE id = ?", [w.offer.id]);
    expect(await conversationNode(w.client.token, w.offer.conversation)).toMatchObject({
      id: w.offer.conversation,
      subject: "BID",
      tender: { id: w.order.gid },
      unreadCount: 1,
    });
    expect(await post(server, w.client.token, w.offer.conversation, "Pouvez-vous baisser le lot 2 ?")).toMatchObject({
      authorSide: "CLIENT",
      authorCooperative: null,
    });
    await post(server, w.partner.token, w.offer.conversation, "Nous regardons.");
    expect(await newMessageNotifications(w.client.id, w.offer.conversation)).toHaveLength(1);

    // Sent back for revision (a draft again, once submitted): the client stays.
    await connection.execute("UPDATE bids SET status = 'DRAFT' WHERE id = ?", [w.offer.id]);
    expect(await conversationNode(w.client.token, w.offer.conversation)).not.toBeNull();
    for (const status of ["WON", "LOST"]) {
      await connection.execute("UPDATE bids SET status = ? WHERE id = ?", [status, w.offer.id]);
      expect(await conversationNode(w.client.token, w.offer.conversation)).not.toBeNull();
    }
    // Another client never.
    expect(await conversationNode(w.otherClient.token, w.offer.conversation)).toBeNull();
  });
});

describe("messages", () => {
  test("pages from the newest end backwards, and forwards from a cursor", async () => {
    const w = await orderWorld(server, BidStatus.DRAFT);
    for (let i = 1; i <= 25; i++) await post(server, i % 2 ? w.client.token : w.officer.token, w.order.conversation, `message ${i}`);
    const page = async (vars: { first?: number; after?: string; last?: number; before?: string }) => {
      const result = await server.gql(ConversationMessagesDocument, { id: w.order.conversation, ...vars }, w.client.token);
      expect(result.errors).toBeUndefined();
      const node = result.data?.node;
      if (!node || !("messages" in node)) throw new Error("no conversation");
      return { seqs: node.messages.edges.map((e) => e.node.seq), info: node.messages.pageInfo, total: node.messages.totalCount };
    };
    const newest = await page({ last: 10 });
    expect(newest.seqs).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(newest.info).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect(newest.total).toBe(25);
    const back = await page({ last: 10, before: newest.info.startCursor! });
    expect(back.seqs).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const oldest = await page({ last: 10, before: back.info.startCursor! });
    expect(oldest.seqs).toEqual([1, 2, 3, 4, 5]);
    expect(oldest.info).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect((await page({})).seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
    const forward = await page({ first: 3, after: back.info.endCursor! });
    expect(forward.seqs).toEqual([16, 17, 18]);
    expect(forward.info).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    expect((await page({ first: 5 })).seqs).toEqual([1, 2, 3, 4, 5]);

    const bad = async (vars: Record<string, unknown>, field: string) => {
      const result = await server.gql(ConversationMessagesDocument, { id: w.order.conversation, ...vars }, w.client.token);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    };
    await bad({ first: 2, last: 2 }, "last");
    await bad({ first: 2, before: newest.info.startCursor }, "before");
    await bad({ last: 2, after: newest.info.startCursor }, "after");
    await bad({ last: 101 }, "first");
    await bad({ last: 2, before: "bm90IGEgY3Vyc29y" }, "before");
  });

  test("a retry with the same clientMutationId returns the first message; another body is a CONFLICT and writes nothing", async () => {
    const w = await orderWorld(server, BidStatus.DRAFT);
    const key = cmid();
    const first = await post(server, w.client.token, w.order.conversation, "Devis reçu, merci.", key);
    const again = await post(server, w.client.token, w.order.conversation, "Devis reçu, merci.", key);
    expect(again.id).toBe(first.id);
    const before = await countRows(server, "conversation_messages");
    const other = await server.gql(
      PostMessageDocument,
      { input: { conversationId: w.order.conversation, body: "Autre chose", clientMutationId: key } },
      w.client.token,
    );
    expect(other.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(await countRows(server, "conversation_messages")).toBe(before);
    // The same key from another person is their own key: a new message.
    const officers = await post(server, w.officer.token, w.order.conversation, "Devis reçu, merci.", key);
    expect(officers.id).not.toBe(first.id);
    // Concurrent retries settle on one message.
    const concurrent = cmid();
    const answers = await Promise.all([1, 2, 3].map(() => post(server, w.client.token, w.order.conversation, "En même temps", concurrent)));
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
  });

  test("bad input names the field and writes nothing", async () => {
    const w = await orderWorld(server, BidStatus.DRAFT);
    const before = await countRows(server, "conversation_messages");
    const refuse = async (input: Record<string, unknown>, field: string) => {
      const result = await server.gql(PostMessageDocument, { input: { conversationId: w.order.conversation, body: "ok", ...input } as never }, w.client.token);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    };
    await refuse({ body: "   " }, "input.body");
    await refuse({ body: "x".repeat(4001) }, "input.body");
    await refuse({ body: "a\uD800b" }, "input.body");
    await refuse({ body: "bip\u0007" }, "input.body");
    await refuse({ conversationId: w.order.gid }, "input.conversationId");
    await refuse({ conversationId: "nope" }, "input.conversationId");
    await refuse({ clientMutationId: "" }, "input.clientMutationId");
    expect(await countRows(server, "conversation_messages")).toBe(before);
    expect(await post(server, w.client.token, w.order.conversation, "x".repeat(4000))).toMatchObject({ seq: 1 });
  });
});

describe("read markers and notifications", () => {
  test("unread counts follow each person's marker; a burst notifies once until read", async () => {
    const w = await orderWorld(server, BidStatus.DRAFT);
    // An officer assigned to the order follows its conversation from the first message.
    const officer = await createUser(server, PlatformRole.MISSION_OFFICER);
    await server.orm.em.getConnection().execute("UPDATE tenders SET assigned_officer_id = ? WHERE id = ?", [officer.id, w.order.id]);
    const ids: string[] = [];
    for (const body of ["Un", "Deux", "Trois"]) ids.push((await post(server, w.client.token, w.order.conversation, body)).id);
    const unread = async (token: string) => (await conversationNode(token, w.order.conversation)) as { unreadCount: number; lastReadAt: string | null };
    expect(await unread(officer.token)).toEqual(expect.objectContaining({ unreadCount: 3, lastReadAt: null }));
    expect((await unread(w.client.token)).unreadCount).toBe(0);
    const notes = await newMessageNotifications(officer.id, w.order.conversation);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ read_at: null, text: expect.stringContaining("Commande de plaquettes") as unknown });

    const mark = (upTo?: string) => server.gql(MarkConversationReadDocument, { input: { conversationId: w.order.conversation, upTo } }, officer.token);
    const marked = await mark(ids[1]);
    expect(marked.data?.markConversationRead).toMatchObject({ unreadCount: 1 });
    expect(marked.data?.markConversationRead.lastReadAt).not.toBeNull();
    expect((await mark(ids[0])).data?.markConversationRead.unreadCount).toBe(1);
    // Not everything is read: the notification stays unread.
    expect((await newMessageNotifications(officer.id, w.order.conversation))[0]?.read_at).toBeNull();
    expect((await mark()).data?.markConversationRead.unreadCount).toBe(0);
    expect((await newMessageNotifications(officer.id, w.order.conversation))[0]?.read_at).not.toBeNull();

    // After reading, the next message notifies again, once.
    await post(server, w.client.token, w.order.conversation, "Quatre");
    await post(server, w.client.token, w.order.conversation, "Cinq");
    expect(await newMessageNotifications(officer.id, w.order.conversation)).toHaveLength(2);
    // The officer answers: their own message counts as read, and the client hears of it.
    await post(server, officer.token, w.order.conversation, "Bien reçu");
    expect((await unread(officer.token)).unreadCount).toBe(0);
    expect((await unread(w.client.token)).unreadCount).toBe(1);
    expect(await newMessageNotifications(w.client.id, w.order.conversation)).toHaveLength(1);

    // A message of another conversation is no marker here.
    const other = await orderWorld(server, BidStatus.DRAFT);
    const elsewhere = await post(server, other.client.token, other.order.conversation, "Ailleurs");
    expect((await mark(elsewhere.id)).errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.upTo" });
  });
});
