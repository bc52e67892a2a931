import { BidStatus } from "../bids/bid.enums";
import { NotFoundError } from "../common/errors";
import { ConversationSubject, MessageAuthorSide } from "./conversation.enums";

/**
 * What the rules need to know about a viewer and a conversation, gathered by
 * conversation.access.ts, so that the rules stay pure.
 */
export interface ConversationFacts {
  subject: ConversationSubject;
  /** The viewer is a person (API tokens take part in no conversation: no scope opens them). */
  person: boolean;
  /** Mission officer or admin. */
  staff: boolean;
  /** The viewer may read the tender (`tender(id)`'s rule): a draft order only if it is theirs. */
  tenderReadable: boolean;
  /** The tender is a direct order. */
  directOrder: boolean;
  /** The viewer is the order's client (conversation.access.ts `isOrderClient`, the one place that decides it). */
  orderClient: boolean;
  /** One of the viewer's cooperatives is an invited or accepted member of the bid (bid.access.ts). */
  bidMember: boolean;
  /** The bid's status and whether it was ever submitted (a bid sent back for revision was). */
  bidStatus: BidStatus | null;
  bidSubmitted: boolean;
}

/** Statuses in which an offer has reached the client of its order. */
const REACHED_CLIENT: readonly BidStatus[] = [BidStatus.SUBMITTED, BidStatus.WON, BidStatus.LOST];

/**
 * Whether the client of a direct order takes part in a bid's conversation: from the submission of
 * the offer on (and after it: won, lost, sent back for revision), never while it is a draft or a
 * proposal that was never submitted.
 */
export function offerReachedClient(f: Pick<ConversationFacts, "directOrder" | "bidStatus" | "bidSubmitted">): boolean {
  if (!f.directOrder || f.bidStatus === null || f.bidStatus === BidStatus.PROPOSED) return false;
  return REACHED_CLIENT.includes(f.bidStatus) || f.bidSubmitted;
}

/**
 * Who takes part (reads, writes, subscribes, marks read; one rule for all):
 * - a direct order's conversation: its client and the staff who may read the order;
 * - a bid's conversation: the people of its invited or accepted cooperatives, the staff, and the
 *   order's client once the offer has reached them (see `offerReachedClient`).
 * Nobody else, API tokens included: they are told it does not exist.
 */
export function takesPart(f: ConversationFacts): boolean {
  if (!f.person) return false;
  switch (f.subject) {
    case ConversationSubject.DIRECT_ORDER:
      return f.directOrder && (f.orderClient || (f.staff && f.tenderReadable));
    case ConversationSubject.BID:
      return f.bidMember || f.staff || (f.orderClient && offerReachedClient(f));
  }
}

/** NOT_FOUND for anyone who does not take part, exactly as for a conversation that does not exist. */
export function authorizeConversation(f: ConversationFacts | null, globalId?: string): asserts f is ConversationFacts {
  if (!f || !takesPart(f)) throw new NotFoundError("Conversation", globalId);
}

/** The side a participant writes from: staff first, then the client, then their cooperative. */
export function authorSide(f: ConversationFacts): MessageAuthorSide {
  if (f.staff) return MessageAuthorSide.STAFF;
  if (f.orderClient && (f.subject === ConversationSubject.DIRECT_ORDER || !f.bidMember)) return MessageAuthorSide.CLIENT;
  return MessageAuthorSide.COOPERATIVE;
}

/** Longest message body, in characters. */
export const MAX_MESSAGE_LENGTH = 4000;
