import { registerEnumType } from "type-graphql";

/** What a conversation is about: one per direct order, one per bid. */
export enum ConversationSubject {
  DIRECT_ORDER = "DIRECT_ORDER",
  BID = "BID",
}

registerEnumType(ConversationSubject, {
  name: "ConversationSubject",
  description: "What a conversation is about.",
  valuesConfig: {
    DIRECT_ORDER: { description: "A client's direct order: the client and the mission officers (and admins)." },
    BID: {
      description:
        "A bid: the people of its invited and accepted cooperatives and the mission officers; on a direct order, the client too once the offer has been submitted.",
    },
  },
});

/** On which side of the conversation a message's author stood when writing it. */
export enum MessageAuthorSide {
  CLIENT = "CLIENT",
  STAFF = "STAFF",
  COOPERATIVE = "COOPERATIVE",
}

registerEnumType(MessageAuthorSide, {
  name: "MessageAuthorSide",
  description: "On which side of the conversation the author wrote.",
  valuesConfig: {
    CLIENT: { description: "The client of the direct order." },
    STAFF: { description: "A mission officer or an admin of the platform." },
    COOPERATIVE: { description: "A person of one of the bid's cooperatives (see `authorCooperative`)." },
  },
});
