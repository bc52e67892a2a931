import { registerEnumType } from "type-graphql";

export enum TenderKind {
  PUBLIC_TENDER = "PUBLIC_TENDER",
  CALL_FOR_PROJECTS = "CALL_FOR_PROJECTS",
  DIRECT_ORDER = "DIRECT_ORDER",
}

registerEnumType(TenderKind, {
  name: "TenderKind",
  description: "What kind of demand a tender is.",
  valuesConfig: {
    PUBLIC_TENDER: { description: "A public tender (appel d'offres), usually imported from an eForms notice." },
    CALL_FOR_PROJECTS: { description: "A call for projects (appel à projets)." },
    DIRECT_ORDER: { description: "A direct order placed by a client company through the platform." },
  },
});

export enum TenderStatus {
  DRAFT = "DRAFT",
  OPEN = "OPEN",
  CLOSED = "CLOSED",
  AWARDED = "AWARDED",
  CANCELLED = "CANCELLED",
}

registerEnumType(TenderStatus, {
  name: "TenderStatus",
  description: "Lifecycle: DRAFT → OPEN → CLOSED → AWARDED, and CANCELLED from any state before AWARDED.",
  valuesConfig: {
    DRAFT: { description: "Being prepared; visible only to the people it belongs to (its author, assigned officer, client) and admins." },
    OPEN: { description: "Published; accepts bids until its submission deadline." },
    CLOSED: { description: "No longer accepts bids; awaiting the award." },
    AWARDED: { description: "The contract was awarded (final)." },
    CANCELLED: { description: "Abandoned (final)." },
  },
});

export enum TenderSource {
  MANUAL = "MANUAL",
  EFORMS = "EFORMS",
}

registerEnumType(TenderSource, {
  name: "TenderSource",
  description: "Where a tender comes from.",
  valuesConfig: {
    MANUAL: { description: "Entered on the platform (by an officer, or a client's direct order)." },
    EFORMS: { description: "Imported from eForms notices (TED, BOAMP)." },
  },
});

export enum TenderOrder {
  DEADLINE = "DEADLINE",
  VALUE = "VALUE",
  PUBLICATION = "PUBLICATION",
}

registerEnumType(TenderOrder, {
  name: "TenderOrder",
  description: "How to sort tenders; ties are broken by id, so pages are stable.",
  valuesConfig: {
    DEADLINE: { description: "Nearest submission deadline first; tenders without a deadline last." },
    VALUE: { description: "Largest estimated value first; tenders without a value last." },
    PUBLICATION: { description: "Most recently published first (drafts by creation time)." },
  },
});

export enum InvitationAnswer {
  INVITED = "INVITED",
  INTERESTED = "INTERESTED",
  DECLINED = "DECLINED",
}

registerEnumType(InvitationAnswer, {
  name: "InvitationAnswer",
  description: "A shortlisted cooperative's answer to its invitation.",
  valuesConfig: {
    INVITED: { description: "Invited; no answer yet." },
    INTERESTED: { description: "The cooperative wants to bid." },
    DECLINED: { description: "The cooperative will not bid." },
  },
});

export enum OutcomeResult {
  WON = "WON",
  LOST = "LOST",
}

registerEnumType(OutcomeResult, {
  name: "OutcomeResult",
  description: "Whether the federation's cooperatives won the contract.",
  valuesConfig: {
    WON: { description: "Won by one or more member cooperatives (alone or as a consortium)." },
    LOST: { description: "Awarded to someone else, or not won." },
  },
});

export enum ImportStatus {
  CREATED = "CREATED",
  UPDATED = "UPDATED",
  UNCHANGED = "UNCHANGED",
}

registerEnumType(ImportStatus, {
  name: "ImportStatus",
  description: "What importing a notice did.",
  valuesConfig: {
    CREATED: { description: "A new tender was created." },
    UPDATED: { description: "An existing tender was updated (newer notice, change notice or award notice)." },
    UNCHANGED: { description: "This notice version was already imported: nothing changed." },
  },
});

export enum Channel {
  DIRECT_ORDER = "DIRECT_ORDER",
  TENDER = "TENDER",
}

registerEnumType(Channel, {
  name: "Channel",
  description: "A business channel of the platform.",
  valuesConfig: {
    DIRECT_ORDER: { description: "Direct orders of client companies." },
    TENDER: { description: "Public tenders and calls for projects." },
  },
});

export enum OutcomeSource {
  MANUAL = "MANUAL",
  AWARD_NOTICE = "AWARD_NOTICE",
  CLIENT_ACCEPTANCE = "CLIENT_ACCEPTANCE",
}

registerEnumType(OutcomeSource, {
  name: "OutcomeSource",
  description: "Who or what recorded an outcome.",
  valuesConfig: {
    MANUAL: { description: "Recorded by a mission officer or an admin (`recordTenderOutcome`)." },
    AWARD_NOTICE: { description: "Read from an imported eForms contract award notice." },
    CLIENT_ACCEPTANCE: { description: "The client of a direct order accepted an offer." },
  },
});
