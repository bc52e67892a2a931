import { registerEnumType } from "type-graphql";

/** How a saved search reaches its owner when a tender matches. */
export enum AlertDelivery {
  INBOX = "INBOX",
  INBOX_AND_EMAIL = "INBOX_AND_EMAIL",
}

registerEnumType(AlertDelivery, {
  name: "AlertDelivery",
  description: "How a saved search tells its owner of a matching tender.",
  valuesConfig: {
    INBOX: { description: "A notification in the inbox only." },
    INBOX_AND_EMAIL: { description: "A notification in the inbox and an e-mail to the owner's address." },
  },
});
