import { User } from "./auth/user.entity";
import { viewerIsOrderClient } from "./clients/client.access";
import { OfferAnswer } from "./clients/client.entity";
import { readableOrganisation } from "./clients/organisation.service";
import { BidEvent, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "./bids/bid.entity";
import { readableBid, readableChild } from "./bids/bid.queries";
import { isStaff } from "./auth/viewer";
import { registerNode } from "./common/node-registry";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "./cooperatives/cooperative.entity";
import { canOnCooperative } from "./cooperatives/cooperative.policy";
import { roleIn } from "./auth/actor";
import { isMemberOf } from "./tenders/shortlist.service";
import { Lot, Outcome, ShortlistEntry, Tender } from "./tenders/tender.entity";
import { viewerCanRead } from "./tenders/tender.queries";
import { ConversationMessage } from "./conversations/conversation.entity";
import { readableConversation } from "./conversations/conversation.service";
import { Notification } from "./notifications/notification.entity";
import { readableSavedSearch } from "./alerts/saved-search.service";

/** How `node(id)` finds each type, with the same read rules as the type's own queries. */
registerNode("User", async (ctx, id) =>
  isStaff(ctx.viewer) || (ctx.viewer.kind === "USER" && ctx.viewer.userId === id) ? ctx.em.findOne(User, { id }) : null,
);
registerNode("Cooperative", (ctx, id) => ctx.em.findOne(Cooperative, { id }));
registerNode("CooperativeSkill", (ctx, id) => ctx.em.findOne(CooperativeSkill, { id }));
registerNode("CooperativeReference", (ctx, id) => ctx.em.findOne(CooperativeReference, { id }));
registerNode("Membership", async (ctx, id) => {
  const membership = await ctx.em.findOne(Membership, { id }, { populate: ["user"] });
  if (!membership) return null;
  return canOnCooperative(ctx.viewer, "seeMembers", await roleIn(ctx, membership.cooperative.id)) ? membership : null;
});

// Tenders: the same rules as `tender(id)`; a tender the viewer may not see gives null, like a missing one.
registerNode("Tender", async (ctx, id) => {
  const tender = await ctx.em.findOne(Tender, { id });
  return tender && (await viewerCanRead(ctx.em, ctx.viewer, tender)) ? tender : null;
});
registerNode("Lot", async (ctx, id) => {
  const lot = await ctx.em.findOne(Lot, { id }, { populate: ["tender"] });
  return lot && (await viewerCanRead(ctx.em, ctx.viewer, lot.tender)) ? lot : null;
});
registerNode("ShortlistEntry", async (ctx, id) => {
  const entry = await ctx.em.findOne(ShortlistEntry, { id });
  if (!entry) return null;
  return isStaff(ctx.viewer) || (await isMemberOf(ctx.em, ctx.viewer, entry.cooperative.id)) ? entry : null;
});
registerNode("Outcome", async (ctx, id) => (isStaff(ctx.viewer) ? ctx.em.findOne(Outcome, { id }) : null));

// Bids and their parts: readable only by the bid's cooperatives and the staff; null for anyone else.
registerNode("Bid", (ctx, id) => readableBid(ctx, id));
registerNode("BidMember", async (ctx, id) => readableChild(ctx, await ctx.em.findOne(BidMember, { id })));
registerNode("BidLotAssignment", async (ctx, id) => readableChild(ctx, await ctx.em.findOne(BidLotAssignment, { id })));
registerNode("BidSection", async (ctx, id) => readableChild(ctx, await ctx.em.findOne(BidSection, { id })));
registerNode("BidPriceLine", async (ctx, id) => readableChild(ctx, await ctx.em.findOne(BidPriceLine, { id })));
registerNode("BidEvent", async (ctx, id) => readableChild(ctx, await ctx.em.findOne(BidEvent, { id })));

// Conversations and their messages: only for those who take part (conversations/conversation.policy.ts).
registerNode("Conversation", (ctx, id) => readableConversation(ctx.em, ctx.viewer, id));
registerNode("ConversationMessage", async (ctx, id) => {
  const message = await ctx.em.findOne(ConversationMessage, { id }, { populate: ["author"] });
  return message && (await readableConversation(ctx.em, ctx.viewer, message.conversation.id)) ? message : null;
});
// A notification: for its recipient only; anyone else (staff included) gets null, as for a missing one.
registerNode("Notification", async (ctx, id) => (ctx.viewer.kind === "USER" ? ctx.em.findOne(Notification, { id, recipient: ctx.viewer.userId }) : null));
// A saved search is its owner's alone: for anyone else it does not exist.
registerNode("SavedSearch", (ctx, id) => readableSavedSearch(ctx, id));
// Client organisations: their people and the staff; an answer to an offer: whoever reads its bid, or the order's client.
registerNode("ClientOrganisation", (ctx, id) => readableOrganisation(ctx, id));
registerNode("OfferAnswer", async (ctx, id) => {
  const answer = await ctx.em.findOne(OfferAnswer, { id }, { populate: ["bid"] });
  if (!answer) return null;
  if (await readableBid(ctx, answer.bid.id)) return answer;
  return (await viewerIsOrderClient(ctx.em, ctx.viewer, answer.bid.tender.id)) ? answer : null;
});
