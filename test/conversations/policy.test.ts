import { BidStatus } from "../../src/bids/bid.enums";
import { ConversationSubject, MessageAuthorSide } from "../../src/conversations/conversation.enums";
import { authorizeConversation, authorSide, offerReachedClient, takesPart, type ConversationFacts } from "../../src/conversations/conversation.policy";

/* The conversation rules on plain facts: who takes part, from which side they write. */

const none: ConversationFacts = {
  subject: ConversationSubject.DIRECT_ORDER,
  person: true,
  staff: false,
  tenderReadable: false,
  directOrder: true,
  orderClient: false,
  bidMember: false,
  bidStatus: null,
  bidSubmitted: false,
};
const order = (f: Partial<ConversationFacts>): ConversationFacts => ({ ...none, ...f });
const bid = (f: Partial<ConversationFacts>): ConversationFacts => ({ ...none, subject: ConversationSubject.BID, bidStatus: BidStatus.DRAFT, ...f });

test.each([
  ["the order's client", order({ orderClient: true, tenderReadable: true }), true],
  ["an officer who may read the order", order({ staff: true, tenderReadable: true }), true],
  ["an officer on someone else's draft order", order({ staff: true, tenderReadable: false }), false],
  ["a shortlisted member reading the order", order({ tenderReadable: true }), false],
  ["an API token", order({ person: false, tenderReadable: true }), false],
  ["a member of the bid", bid({ bidMember: true }), true],
  ["staff on a bid", bid({ staff: true }), true],
  ["the client on a draft never submitted", bid({ orderClient: true }), false],
  ["the client on a proposal", bid({ orderClient: true, bidStatus: BidStatus.PROPOSED }), false],
  ["the client on a submitted offer", bid({ orderClient: true, bidStatus: BidStatus.SUBMITTED, bidSubmitted: true }), true],
  ["the client on a won offer", bid({ orderClient: true, bidStatus: BidStatus.WON, bidSubmitted: true }), true],
  ["the client on an offer sent back for revision", bid({ orderClient: true, bidStatus: BidStatus.DRAFT, bidSubmitted: true }), true],
  ["the client of a public tender's bid (no order)", bid({ orderClient: true, directOrder: false, bidStatus: BidStatus.SUBMITTED, bidSubmitted: true }), false],
  ["an outsider", bid({ bidStatus: BidStatus.SUBMITTED }), false],
] as const)("%s: %s", (_name, facts, expected) => {
  expect(takesPart(facts)).toBe(expected);
  if (expected) expect(() => authorizeConversation(facts)).not.toThrow();
  else expect(() => authorizeConversation(facts, "X")).toThrow(expect.objectContaining({ code: "NOT_FOUND", message: "Conversation X was not found." }));
});

test("a missing conversation reads like a refused one", () => {
  expect(() => authorizeConversation(null, "X")).toThrow("Conversation X was not found.");
});

test("offerReachedClient needs a direct order and a submission", () => {
  expect(offerReachedClient({ directOrder: true, bidStatus: BidStatus.LOST, bidSubmitted: false })).toBe(true);
  expect(offerReachedClient({ directOrder: true, bidStatus: BidStatus.IN_REVIEW, bidSubmitted: false })).toBe(false);
  expect(offerReachedClient({ directOrder: true, bidStatus: null, bidSubmitted: true })).toBe(false);
});

test.each([
  ["staff", bid({ staff: true, bidMember: true }), MessageAuthorSide.STAFF],
  ["the client on an order", order({ orderClient: true }), MessageAuthorSide.CLIENT],
  ["the client on an offer", bid({ orderClient: true, bidSubmitted: true }), MessageAuthorSide.CLIENT],
  ["a member", bid({ bidMember: true }), MessageAuthorSide.COOPERATIVE],
] as const)("%s writes as %s", (_name, facts, side) => {
  expect(authorSide(facts)).toBe(side);
});
