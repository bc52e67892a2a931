import { viewerIsOrderClient } from "../clients/client.access";
import { peopleOfOrderClient } from "../clients/offer.notify";
import type { EntityManager } from "@mikro-orm/postgresql";
import { isStaff, type Viewer } from "../auth/viewer";
import { accessToBid } from "../bids/bid.access";
import { BidStatus } from "../bids/bid.enums";
import { Tender } from "../tenders/tender.entity";
import { TenderKind } from "../tenders/tender.enums";
import { viewerCanRead } from "../tenders/tender.queries";
import { Conversation } from "./conversation.entity";
import { ConversationSubject } from "./conversation.enums";
import { offerReachedClient, type ConversationFacts } from "./conversation.policy";

/** Whether the viewer is a person of the order's client (its organisation): the clients' one rule. */
export function isOrderClient(em: EntityManager, viewer: Viewer, tenderId: string): Promise<boolean> {
  return viewerIsOrderClient(em, viewer, tenderId);
}

/** The people on the client side of an order (the same rule, for notifications). */
export function orderClientUserIds(em: EntityManager, tenderId: string): Promise<string[]> {
  return peopleOfOrderClient(em, tenderId);
}

/** A conversation's id is its subject's: a direct order's or a bid's. Null when neither exists. */
export async function findConversation(em: EntityManager, id: string): Promise<Conversation | null> {
  const rows = await em.execute<{ subject: ConversationSubject; tender_id: string; bid_id: string | null }[]>(
    `SELECT 'DIRECT_ORDER' AS subject, t.id AS tender_id, NULL::uuid AS bid_id FROM tenders t WHERE t.id = ? AND t.kind = 'DIRECT_ORDER'
     UNION ALL
     SELECT 'BID', b.tender_id, b.id FROM bids b WHERE b.id = ?`,
    [id, id],
  );
  const row = rows[0];
  return row ? conversationOf(row.subject, row.tender_id, row.bid_id) : null;
}

export function conversationOf(subject: ConversationSubject, tenderId: string, bidId: string | null): Conversation {
  return Object.assign(new Conversation(), { id: bidId ?? tenderId, subject, tenderId, bidId });
}

/** Everything `conversation.policy.ts` needs about this viewer and conversation. */
export async function conversationFacts(em: EntityManager, viewer: Viewer, conversation: Conversation): Promise<ConversationFacts> {
  const tender = await em.findOneOrFail(Tender, { id: conversation.tenderId });
  const person = viewer.kind === "USER";
  const bidRows = conversation.bidId
    ? await em.execute<{ status: BidStatus; submitted_at: Date | null }[]>("SELECT status, submitted_at FROM bids WHERE id = ?", [conversation.bidId])
    : [];
  const [tenderReadable, orderClient, bidAccess] = await Promise.all([
    person ? viewerCanRead(em, viewer, tender) : Promise.resolve(false),
    isOrderClient(em, viewer, tender.id),
    conversation.bidId && person ? accessToBid(em, viewer, conversation.bidId) : Promise.resolve(null),
  ]);
  return {
    subject: conversation.subject,
    person,
    staff: isStaff(viewer),
    tenderReadable,
    directOrder: tender.kind === TenderKind.DIRECT_ORDER,
    orderClient,
    bidMember: (bidAccess?.activeMemberIds.length ?? 0) > 0,
    bidStatus: bidRows[0]?.status ?? null,
    bidSubmitted: bidRows[0]?.submitted_at != null,
  };
}

/** The viewer's cooperative in the bid, named on their messages: the lead when it is theirs. */
export async function authorCooperativeId(em: EntityManager, viewer: Viewer, bidId: string): Promise<string | null> {
  if (viewer.kind !== "USER") return null;
  const rows = await em.execute<{ cooperative_id: string }[]>(
    `SELECT a.cooperative_id FROM bid_active_memberships a JOIN bid_members bm ON bm.id = a.member_id
      WHERE a.user_id = ? AND a.bid_id = ?
      ORDER BY (a.cooperative_id = a.lead_id) DESC, bm.created_at LIMIT 1`,
    [viewer.userId, bidId],
  );
  return rows[0]?.cooperative_id ?? null;
}

/**
 * Who hears of a new message: the other side and the staff who follow the conversation (those
 * who wrote in it or read it, and the order's assigned officer); when no officer follows it
 * yet, every mission officer, so that a first message is never left unheard.
 */
export async function participantIds(em: EntityManager, conversation: Conversation): Promise<string[]> {
  const people = new Set<string>();
  if (conversation.subject === ConversationSubject.DIRECT_ORDER) {
    for (const id of await orderClientUserIds(em, conversation.tenderId)) people.add(id);
  } else if (conversation.bidId) {
    const members = await em.execute<{ user_id: string }[]>("SELECT DISTINCT a.user_id FROM bid_active_memberships a WHERE a.bid_id = ?", [conversation.bidId]);
    for (const row of members) people.add(row.user_id);
    const bid = await em.execute<{ status: BidStatus; submitted_at: Date | null; kind: TenderKind }[]>(
      "SELECT b.status, b.submitted_at, t.kind FROM bids b JOIN tenders t ON t.id = b.tender_id WHERE b.id = ?",
      [conversation.bidId],
    );
    const row = bid[0];
    if (row && offerReachedClient({ directOrder: row.kind === TenderKind.DIRECT_ORDER, bidStatus: row.status, bidSubmitted: row.submitted_at !== null })) {
      for (const id of await orderClientUserIds(em, conversation.tenderId)) people.add(id);
    }
  }
  const staff = await em.execute<{ id: string }[]>(
    `SELECT u.id FROM users u WHERE u.role IN ('ADMIN', 'MISSION_OFFICER') AND (
       u.id IN (SELECT author_id FROM conversation_messages WHERE conversation_id = ?)
       OR u.id IN (SELECT user_id FROM conversation_reads WHERE conversation_id = ?)
       OR u.id = (SELECT assigned_officer_id FROM tenders WHERE id = ?))`,
    [conversation.id, conversation.id, conversation.tenderId],
  );
  const officers = staff.length > 0 ? staff : await em.execute<{ id: string }[]>("SELECT id FROM users WHERE role = 'MISSION_OFFICER'");
  for (const row of officers) people.add(row.id);
  return [...people];
}
