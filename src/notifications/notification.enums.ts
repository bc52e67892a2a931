import { registerEnumType } from "type-graphql";

/** What a notification is about; also the unit of a person's e-mail preferences. */
export enum NotificationKind {
  NEW_DIRECT_ORDER = "NEW_DIRECT_ORDER",
  OPPORTUNITY = "OPPORTUNITY",
  SHORTLIST_INVITATION = "SHORTLIST_INVITATION",
  BID_INVITATION = "BID_INVITATION",
  OFFER_PROPOSED = "OFFER_PROPOSED",
  SECTION_ASSIGNED = "SECTION_ASSIGNED",
  SECTION_REVIEW_REQUESTED = "SECTION_REVIEW_REQUESTED",
  NEW_MESSAGE = "NEW_MESSAGE",
  OFFER_SUBMITTED = "OFFER_SUBMITTED",
  OFFER_ACCEPTED = "OFFER_ACCEPTED",
  OFFER_DECLINED = "OFFER_DECLINED",
  REVISION_REQUESTED = "REVISION_REQUESTED",
  AWARD = "AWARD",
  DEADLINE_REMINDER = "DEADLINE_REMINDER",
  SAVED_SEARCH_MATCH = "SAVED_SEARCH_MATCH",
}

registerEnumType(NotificationKind, {
  name: "NotificationKind",
  description: "What a notification is about; e-mail preferences are set per kind.",
  valuesConfig: {
    NEW_DIRECT_ORDER: { description: "A client placed a direct order (to mission officers)." },
    OPPORTUNITY: { description: "A tender opened whose score for one of your cooperatives passes its threshold." },
    SHORTLIST_INVITATION: { description: "A mission officer shortlisted your cooperative for a tender." },
    BID_INVITATION: { description: "Your cooperative was invited into a consortium bid." },
    OFFER_PROPOSED: { description: "A mission officer proposed an offer on your cooperative's behalf." },
    SECTION_ASSIGNED: { description: "A section of a bid was assigned to you." },
    SECTION_REVIEW_REQUESTED: { description: "A section of a bid was sent for your review." },
    NEW_MESSAGE: { description: "A new message in a conversation you take part in." },
    OFFER_SUBMITTED: { description: "An offer was submitted (to the client of the order and the officers)." },
    OFFER_ACCEPTED: { description: "The client accepted an offer." },
    OFFER_DECLINED: { description: "The client declined an offer." },
    REVISION_REQUESTED: { description: "The client asked for a revision of an offer." },
    AWARD: { description: "An award was recorded on a tender you bid on." },
    DEADLINE_REMINDER: { description: "A submission deadline is near (7 and 2 days before)." },
    SAVED_SEARCH_MATCH: { description: "A tender matching one of your saved searches opened." },
  },
});
