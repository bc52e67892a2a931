import { registerEnumType } from "type-graphql";

/** What the client of a direct order answered to an offer. */
export enum OfferAnswerKind {
  ACCEPTED = "ACCEPTED",
  DECLINED = "DECLINED",
  REVISION_REQUESTED = "REVISION_REQUESTED",
}

registerEnumType(OfferAnswerKind, {
  name: "OfferAnswerKind",
  description: "The client's answer to an offer submitted on its order.",
  valuesConfig: {
    ACCEPTED: { description: "Accepted: the offer won the lots it answered (outcome CLIENT_ACCEPTANCE)." },
    DECLINED: { description: "Declined, with a reason: the bid is LOST." },
    REVISION_REQUESTED: { description: "A revision asked, with a note: the bid went back to DRAFT for its group to submit again." },
  },
});

/** Where an offer stands, as its client sees it. */
export enum OfferStatus {
  SUBMITTED = "SUBMITTED",
  ACCEPTED = "ACCEPTED",
  DECLINED = "DECLINED",
  LOST = "LOST",
  REVISION_REQUESTED = "REVISION_REQUESTED",
  WITHDRAWN = "WITHDRAWN",
}

registerEnumType(OfferStatus, {
  name: "OfferStatus",
  description: "Where an offer stands for the client of the order.",
  valuesConfig: {
    SUBMITTED: { description: "Submitted, waiting for the client's answer." },
    ACCEPTED: { description: "The client accepted it (or staff recorded it as the winner): the bid WON." },
    DECLINED: { description: "The client declined it." },
    LOST: { description: "Another offer won its lots." },
    REVISION_REQUESTED: { description: "The client asked for a revision: the group is revising it; what is shown is the offer as last submitted." },
    WITHDRAWN: { description: "The group withdrew it." },
  },
});
