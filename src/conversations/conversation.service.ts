import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../auth/user.entity";
import type { Viewer } from "../auth/viewer";
import { checkClientMutationId } from "../bids/bid.tx";
import { BadInputError, ConflictError } from "../common/errors";
import { decodeId, toGlobalId } from "../common/node";
import { KeysetPage, type Keyset } from "../common/keyset";
import { encodeCursor, type ConnectionShape } from "../common/pagination";
import * as v from "../common/validate";
import type { Actor } from "../auth/actor";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";
import { notify } from "../realtime/bus";
import { Tender } from "../tenders/tender.entity";
import { TenderKind } from "../tenders/tender.enums";
import { viewerCanRead } from "../tenders/tender.queries";
import { authorCooperativeId, conversationFacts, conversationOf, findConversation, participantIds } from "./conversation.access";
import { ConversationMessage, type Conversation } from "./conversation.entity";
import { ConversationSubject, MessageAuthorSide } from "./conversation.enums";
import type { MarkConversationReadInput, MessagesArgs, PostMessageInput } from "./conversation.inputs";
import { authorizeConversation, authorSide, MAX_MESSAGE_LENGTH, takesPart } from "./conversation.policy";

/** The bus channel announcing each new message at commit; every instance fans it out. */
export const CONVERSATION_MESSAGES = "conversation_messages";

export interface MessagePosted {
  conversationId: string;
  messageId: string;
}

/** Loads a conversation the viewer takes part in; NOT_FOUND otherwise, as for a missing one. */
export async function loadConversation(em: EntityManager, viewer: Viewer, globalId: string, field: string): Promise<Conversation> {
  const id = decodeId("Conversation", globalId, field);
  const conversation = await findConversation(em, id);
  authorizeConversation(conversation ? await conversationFacts(em, viewer, conversation) : null, globalId);
  return conversation!;
}

/** For `node(id)` and access re-checks: the conversation if the viewer takes part, else null. */
export async function readableConversation(em: EntityManager, viewer: Viewer, id: string): Promise<Conversation | null> {
  const conversation = await findConversation(em, id);
  if (!conversation) return null;
  return takesPart(await conversationFacts(em, viewer, conversation)) ? conversation : null;
}

/** `Tender.conversation`: a direct order's, when the viewer takes part; null otherwise. */
export async function orderConversation(actor: Actor, tender: Tender): Promise<Conversation | null> {
  // Most tenders of a list are no direct order, and tokens take part in nothing: no query for them.
  if (tender.kind !== TenderKind.DIRECT_ORDER || actor.viewer.kind !== "USER") return null;
  return readableConversation(actor.em, actor.viewer, tender.id);
}

/** `Bid.conversation`: the bid's, when the viewer takes part; null otherwise. */
export async function bidConversation(actor: Actor, bid: { id: string; tender: { id: string } }): Promise<Conversation | null> {
  const conversation = conversationOf(ConversationSubject.BID, bid.tender.id, bid.id);
  return takesPart(await conversationFacts(actor.em, actor.viewer, conversation)) ? conversation : null;
}

/** The tender of a conversation, when the viewer may read it (`tender(id)`'s rule). */
export async function conversationTender(actor: Actor, conversation: Conversation): Promise<Tender | null> {
  const tender = await actor.em.findOne(Tender, { id: conversation.tenderId });
  return tender && (await viewerCanRead(actor.em, actor.viewer, tender)) ? tender : null;
}

/** Messages oldest first, paged from either end (see MessagesArgs). */
export async function listMessages(actor: Actor, conversation: Conversation, args: MessagesArgs): Promise<ConnectionShape<ConversationMessage>> {
  const keyset: Keyset<ConversationMessage> = { key: [{ sql: "seq", kind: "int", cast: "" }], direction: "ASC", keyOf: (m) => [m.seq] };
  const paging = new KeysetPage(keyset, args, { defaultBackward: true });
  const forward = !paging.backward;
  const size = paging.size;
  const cursor = paging.cursor;
  const from = cursor ? Number(cursor[0]) : null;
  const em = actor.em;
  const where = forward ? (from === null ? {} : { seq: { $gt: from } }) : from === null ? {} : { seq: { $lt: from } };
  const rows = await em.find(
    ConversationMessage,
    { conversation: conversation.id, ...where },
    { orderBy: { seq: forward ? "asc" : "desc" }, limit: size + 1, populate: ["author"] },
  );
  const more = rows.length > size;
  const page = rows.slice(0, size);
  if (!forward) page.reverse();
  const [head] = await em.execute<{ head_seq: number }[]>("SELECT head_seq FROM conversations WHERE id = ?", [conversation.id]);
  const total = head?.head_seq ?? 0;
  const edges = page.map((node) => ({ node, cursor: encodeCursor([node.seq]) }));
  const firstSeq = page[0]?.seq ?? from;
  const lastSeq = page[page.length - 1]?.seq ?? from;
  return {
    edges,
    totalCount: total,
    pageInfo: {
      hasNextPage: forward ? more : lastSeq !== null && lastSeq < total,
      hasPreviousPage: forward ? firstSeq !== null && firstSeq > 1 : more,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** Makes the conversation's row if it has none yet (first message or first read marker). */
async function ensureHead(em: EntityManager, conversation: Conversation): Promise<void> {
  await em.execute(`INSERT INTO conversations (id, subject, tender_id, bid_id) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, [
    conversation.id,
    conversation.subject,
    conversation.tenderId,
    conversation.bidId,
  ]);
}

/** Moves a person's marker forward to `seq` (never back). */
async function markUpTo(em: EntityManager, conversationId: string, userId: string, seq: number): Promise<void> {
  await em.execute(
    `INSERT INTO conversation_reads (id, conversation_id, user_id, last_read_seq, last_read_at) VALUES (gen_random_uuid(), ?, ?, ?, now())
     ON CONFLICT (conversation_id, user_id) DO UPDATE
       SET last_read_seq = GREATEST(conversation_reads.last_read_seq, EXCLUDED.last_read_seq), last_read_at = now(), updated_at = now()`,
    [conversationId, userId, seq],
  );
}

/**
 * Posts a message: under the conversation row's lock, a retry (same author and clientMutationId)
 * returns the first message, or CONFLICT when its body differs; otherwise the message takes the
 * next seq, its author's marker moves to it, the others are notified, and the bus announces it at
 * commit. Access is checked now, on a retry too.
 */
export async function postMessage(actor: Actor, input: PostMessageInput): Promise<ConversationMessage> {
  const id = decodeId("Conversation", input.conversationId, "input.conversationId");
  const body = v.text("input.body", input.body, { max: MAX_MESSAGE_LENGTH, multiline: true });
  const clientMutationId = checkClientMutationId(input.clientMutationId);
  const viewer = actor.viewer;
  const messageId = await actor.em.transactional(async (em) => {
    const conversation = await findConversation(em, id);
    const facts = conversation ? await conversationFacts(em, viewer, conversation) : null;
    authorizeConversation(facts, input.conversationId);
    if (viewer.kind !== "USER" || !conversation) throw new Error("unreachable: a participant is a person");
    await ensureHead(em, conversation);
    await em.execute("SELECT 1 FROM conversations WHERE id = ? FOR UPDATE", [id]);
    if (clientMutationId) {
      const [prior] = await em.execute<{ id: string; body: string }[]>(
        "SELECT id, body FROM conversation_messages WHERE conversation_id = ? AND author_id = ? AND client_mutation_id = ?",
        [id, viewer.userId, clientMutationId],
      );
      if (prior) {
        if (prior.body !== body)
          throw new ConflictError("This clientMutationId was already used for another message; use a new one.", { field: "input.clientMutationId" });
        return prior.id;
      }
    }
    const [head] = await em.execute<{ head_seq: number }[]>("UPDATE conversations SET head_seq = head_seq + 1 WHERE id = ? RETURNING head_seq", [id]);
    const seq = head!.head_seq;
    const side = authorSide(facts);
    const cooperativeId = side === MessageAuthorSide.COOPERATIVE && conversation.bidId ? await authorCooperativeId(em, viewer, conversation.bidId) : null;
    const [row] = await em.execute<{ id: string }[]>(
      `INSERT INTO conversation_messages (id, conversation_id, seq, author_id, author_side, author_cooperative_id, body, client_mutation_id)
       VALUES (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [id, seq, viewer.userId, side, cooperativeId, body, clientMutationId],
    );
    await markUpTo(em, id, viewer.userId, seq);
    await notifyOthers(em, conversation, viewer.userId, body);
    const posted: MessagePosted = { conversationId: id, messageId: row!.id };
    await notify(em, CONVERSATION_MESSAGES, posted);
    return row!.id;
  });
  return actor.em.findOneOrFail(ConversationMessage, { id: messageId }, { populate: ["author"], refresh: true });
}

/**
 * NEW_MESSAGE to the other participants, at most one per person between two reads: the dedupe
 * key names the person's read marker, so a burst of messages adds nothing to an inbox that
 * already says "new messages here", and the next message after they read gives a new line.
 */
async function notifyOthers(em: EntityManager, conversation: Conversation, authorId: string, body: string): Promise<void> {
  const recipients = (await participantIds(em, conversation)).filter((userId) => userId !== authorId);
  if (recipients.length === 0) return;
  const markers = await em.execute<{ user_id: string; last_read_seq: number }[]>(
    "SELECT user_id, last_read_seq FROM conversation_reads WHERE conversation_id = ? AND user_id = ANY(?::uuid[])",
    [conversation.id, `{${recipients.join(",")}}`],
  );
  const readUpTo = new Map(markers.map((m) => [m.user_id, m.last_read_seq]));
  const byMarker = new Map<number, string[]>();
  for (const userId of recipients) {
    const seq = readUpTo.get(userId) ?? 0;
    byMarker.set(seq, [...(byMarker.get(seq) ?? []), userId]);
  }
  const [author, tender] = await Promise.all([em.findOne(User, { id: authorId }), em.findOne(Tender, { id: conversation.tenderId })]);
  const excerpt = body.length > 140 ? `${body.slice(0, 140)}…` : body;
  const text = `Nouveau message de ${author?.name ?? "quelqu'un"} (${tender?.title ?? "conversation"}) : ${excerpt}`;
  const subjectId = toGlobalId("Conversation", conversation.id);
  for (const [seq, userIds] of byMarker) {
    await notifyPeople(em, userIds, { kind: NotificationKind.NEW_MESSAGE, text, subjectId, dedupeKey: `conversation:${conversation.id}:after:${seq}` });
  }
}

/**
 * Moves the viewer's read marker to `upTo` (every message when omitted; never back). Once every
 * message is read, the viewer's NEW_MESSAGE notifications of this conversation are read too.
 */
export async function markConversationRead(actor: Actor, input: MarkConversationReadInput): Promise<Conversation> {
  const viewer = actor.viewer;
  const conversation = await actor.em.transactional(async (em) => {
    const found = await loadConversation(em, viewer, input.conversationId, "input.conversationId");
    if (viewer.kind !== "USER") throw new Error("unreachable: a participant is a person");
    await ensureHead(em, found);
    const [head] = await em.execute<{ head_seq: number }[]>("SELECT head_seq FROM conversations WHERE id = ?", [found.id]);
    let seq = head?.head_seq ?? 0;
    if (input.upTo !== null && input.upTo !== undefined) {
      const messageId = decodeId("ConversationMessage", input.upTo, "input.upTo");
      const [message] = await em.execute<{ seq: number }[]>("SELECT seq FROM conversation_messages WHERE id = ? AND conversation_id = ?", [
        messageId,
        found.id,
      ]);
      if (!message) throw new BadInputError("input.upTo", "is not a message of this conversation");
      seq = message.seq;
    }
    await markUpTo(em, found.id, viewer.userId, seq);
    const [marker] = await em.execute<{ last_read_seq: number }[]>("SELECT last_read_seq FROM conversation_reads WHERE conversation_id = ? AND user_id = ?", [
      found.id,
      viewer.userId,
    ]);
    if ((marker?.last_read_seq ?? 0) >= (head?.head_seq ?? 0)) {
      await em.execute(
        "UPDATE notifications SET read_at = now(), updated_at = now() WHERE recipient_id = ? AND kind = 'NEW_MESSAGE' AND subject_id = ? AND read_at IS NULL",
        [viewer.userId, toGlobalId("Conversation", found.id)],
      );
    }
    return found;
  });
  return conversation;
}

/** The viewer's marker: seq read up to and when they last marked. */
export async function readMarker(actor: Actor, conversation: Conversation): Promise<{ seq: number; at: Date | null }> {
  if (actor.viewer.kind !== "USER") return { seq: 0, at: null };
  const [row] = await actor.em.execute<{ last_read_seq: number; last_read_at: Date }[]>(
    "SELECT last_read_seq, last_read_at FROM conversation_reads WHERE conversation_id = ? AND user_id = ?",
    [conversation.id, actor.viewer.userId],
  );
  return { seq: row?.last_read_seq ?? 0, at: row ? new Date(row.last_read_at) : null };
}

/** Messages of others after the viewer's marker. */
export async function unreadCount(actor: Actor, conversation: Conversation): Promise<number> {
  if (actor.viewer.kind !== "USER") return 0;
  const { seq } = await readMarker(actor, conversation);
  const [row] = await actor.em.execute<{ n: string }[]>(
    "SELECT count(*) AS n FROM conversation_messages WHERE conversation_id = ? AND seq > ? AND author_id IS DISTINCT FROM ?",
    [conversation.id, seq, actor.viewer.userId],
  );
  return Number(row?.n ?? 0);
}
