import { registerEnumType } from "type-graphql";

/** Legal form of the group (groupement momentané d'entreprises). */
export enum BidGroupType {
  CONJOINT = "CONJOINT",
  SOLIDAIRE = "SOLIDAIRE",
  CONJOINT_WITH_SOLIDARY_LEAD = "CONJOINT_WITH_SOLIDARY_LEAD",
}

registerEnumType(BidGroupType, {
  name: "BidGroupType",
  description: "Legal form of a consortium (groupement momentané d'entreprises).",
  valuesConfig: {
    CONJOINT: { description: "Groupement conjoint: each member answers for its own lots only." },
    SOLIDAIRE: { description: "Groupement solidaire: every member answers for the whole contract." },
    CONJOINT_WITH_SOLIDARY_LEAD: { description: "Groupement conjoint whose lead (mandataire) answers for every member." },
  },
});

export enum BidStatus {
  PROPOSED = "PROPOSED",
  DRAFT = "DRAFT",
  IN_REVIEW = "IN_REVIEW",
  SUBMITTED = "SUBMITTED",
  WON = "WON",
  LOST = "LOST",
  WITHDRAWN = "WITHDRAWN",
}

registerEnumType(BidStatus, {
  name: "BidStatus",
  description: "Where a bid is in its lifecycle: (PROPOSED →) DRAFT → IN_REVIEW → SUBMITTED → WON | LOST, or WITHDRAWN.",
  valuesConfig: {
    PROPOSED: {
      description:
        "Composed by a mission officer on behalf of the lead cooperative, waiting for its people: they accept it (it becomes a DRAFT) or decline it (WITHDRAWN). Meanwhile the partners' invitations are dormant: only the lead's people and the staff see the bid, and nothing in it can change.",
    },
    DRAFT: { description: "Being written; the lead may still change the composition." },
    IN_REVIEW: { description: "Composition settled, content under review; may go back to DRAFT." },
    SUBMITTED: { description: "Sent to the buyer: composition and content are frozen, and a snapshot is kept." },
    WON: { description: "The buyer awarded the contract to the group." },
    LOST: { description: "The buyer chose another tenderer." },
    WITHDRAWN: { description: "Abandoned by the lead." },
  },
});

export enum BidMemberRole {
  LEAD = "LEAD",
  MEMBER = "MEMBER",
  SUBCONTRACTOR = "SUBCONTRACTOR",
}

registerEnumType(BidMemberRole, {
  name: "BidMemberRole",
  description: "The part a cooperative plays in a consortium bid.",
  valuesConfig: {
    LEAD: { description: "Mandataire: represents the group, invites and removes members, submits." },
    MEMBER: { description: "Co-contractor of the group." },
    SUBCONTRACTOR: { description: "Works for a member under a subcontract, not a party to the contract." },
  },
});

export enum BidMemberStatus {
  INVITED = "INVITED",
  ACCEPTED = "ACCEPTED",
  DECLINED = "DECLINED",
  REMOVED = "REMOVED",
}

registerEnumType(BidMemberStatus, {
  name: "BidMemberStatus",
  description: "Where a cooperative stands in a consortium.",
  valuesConfig: {
    INVITED: { description: "Invited by the lead, has not answered yet; may read and edit the bid." },
    ACCEPTED: { description: "Part of the group." },
    DECLINED: { description: "Declined the invitation; sees nothing of the bid any more." },
    REMOVED: { description: "Removed by the lead; sees nothing of the bid any more." },
  },
});

export enum SectionStatus {
  TODO = "TODO",
  IN_PROGRESS = "IN_PROGRESS",
  IN_REVIEW = "IN_REVIEW",
  DONE = "DONE",
}

registerEnumType(SectionStatus, {
  name: "SectionStatus",
  description: "Progress of a section of the technical memo: TODO → IN_PROGRESS → IN_REVIEW → DONE; changes requested send IN_REVIEW back to IN_PROGRESS.",
  valuesConfig: {
    TODO: { description: "Not started." },
    IN_PROGRESS: { description: "Being written." },
    IN_REVIEW: { description: "Written, waiting for the approval of the lead or of the section's reviewer." },
    DONE: { description: "Approved by the lead or the section's reviewer, with a text; submission requires every section DONE." },
  },
});

export enum BidEventType {
  BID_CREATED = "BID_CREATED",
  BID_PROPOSED = "BID_PROPOSED",
  PROPOSAL_ACCEPTED = "PROPOSAL_ACCEPTED",
  PROPOSAL_DECLINED = "PROPOSAL_DECLINED",
  BID_UPDATED = "BID_UPDATED",
  STATUS_CHANGED = "STATUS_CHANGED",
  BID_SUBMITTED = "BID_SUBMITTED",
  MEMBER_INVITED = "MEMBER_INVITED",
  MEMBER_ACCEPTED = "MEMBER_ACCEPTED",
  MEMBER_DECLINED = "MEMBER_DECLINED",
  MEMBER_REMOVED = "MEMBER_REMOVED",
  LOT_ASSIGNED = "LOT_ASSIGNED",
  LOT_UNASSIGNED = "LOT_UNASSIGNED",
  LOTS_DECLARED = "LOTS_DECLARED",
  SECTION_ADDED = "SECTION_ADDED",
  SECTION_UPDATED = "SECTION_UPDATED",
  SECTION_REMOVED = "SECTION_REMOVED",
  SECTION_TEXT_UPDATED = "SECTION_TEXT_UPDATED",
  PRICE_LINE_ADDED = "PRICE_LINE_ADDED",
  PRICE_LINE_UPDATED = "PRICE_LINE_UPDATED",
  PRICE_LINE_REMOVED = "PRICE_LINE_REMOVED",
  LOT_RESULT_RECORDED = "LOT_RESULT_RECORDED",
  GROUP_FORM_CHANGE_REQUESTED = "GROUP_FORM_CHANGE_REQUESTED",
  OFFER_ACCEPTED = "OFFER_ACCEPTED",
  OFFER_DECLINED = "OFFER_DECLINED",
  REVISION_REQUESTED = "REVISION_REQUESTED",
  ATTACHMENT_ADDED = "ATTACHMENT_ADDED",
  ATTACHMENT_DELETED = "ATTACHMENT_DELETED",
}

registerEnumType(BidEventType, {
  name: "BidEventType",
  description: "What a change to a bid was; the event's payload carries the details.",
  valuesConfig: {
    BID_CREATED: { description: "The lead created the bid. Payload: tenderId, leadCooperativeId, groupType, title." },
    BID_PROPOSED: {
      description:
        "A mission officer (the event's actor) composed the bid on behalf of the lead cooperative, which is notified by this event until the notification inbox exists. Payload: tenderId, leadCooperativeId, groupType, title, proposedBy, members (cooperativeId, lotIds).",
    },
    PROPOSAL_ACCEPTED: {
      description: "The lead's people accepted the proposed bid: it is a DRAFT, the partners' invitations are active. Payload: from, to, version, reason.",
    },
    PROPOSAL_DECLINED: { description: "The lead's people declined the proposed bid: it is WITHDRAWN. Payload: from, to, version, reason." },
    BID_UPDATED: { description: "Title or group type changed. Payload: the changed fields and the new version." },
    STATUS_CHANGED: { description: "Lifecycle transition. Payload: from, to, version." },
    BID_SUBMITTED: { description: "The lead submitted the bid; composition and content are frozen. Payload: submittedAt, totals." },
    MEMBER_INVITED: { description: "The lead invited a cooperative. Payload: memberId, cooperativeId, role." },
    MEMBER_ACCEPTED: { description: "An invited cooperative accepted. Payload: memberId, cooperativeId." },
    MEMBER_DECLINED: { description: "An invited cooperative declined. Payload: memberId, cooperativeId." },
    MEMBER_REMOVED: { description: "The lead removed a cooperative; its people lose access at once. Payload: memberId, cooperativeId." },
    LOT_ASSIGNED: { description: "A lot was assigned to a member, or unassigned. Payload: assignmentId, lotId, memberId, version." },
    LOT_UNASSIGNED: {
      description:
        "A lot was released because its member left the group (declined or removed) or the bid stopped answering it. Payload: assignmentId, lotId, memberId (the one released), reason, version.",
    },
    LOTS_DECLARED: { description: "The lead changed the lots the bid answers. Payload: lotIds, version." },
    SECTION_ADDED: { description: "A section was added to the technical memo. Payload: the section's fields." },
    SECTION_UPDATED: { description: "A section's title, position, assignee or status changed. Payload: the new fields and version." },
    SECTION_REMOVED: { description: "A section was removed. Payload: sectionId." },
    SECTION_TEXT_UPDATED: { description: "Text typed in a section. Payload: sectionId and `update`, a base64 Yjs update to apply to the section's document." },
    PRICE_LINE_ADDED: { description: "A price line was added. Payload: the line's fields." },
    PRICE_LINE_UPDATED: { description: "A price line changed. Payload: the new fields and version." },
    PRICE_LINE_REMOVED: { description: "A price line was removed. Payload: priceLineId." },
    LOT_RESULT_RECORDED: {
      description:
        "The award of a lot the bid answered was recorded: won or lost. Payload: lotId (null for a tender without lots), outcomeId, result, source, awardedAmount (when won).",
    },
    ATTACHMENT_ADDED: {
      description:
        "A file was attached (uploaded over HTTP). Payload: attachmentId, fileName, category, contentType, size, sha256, version, previousVersionId.",
    },
    ATTACHMENT_DELETED: { description: "An attachment was marked deleted; its content is kept. Payload: attachmentId, fileName, version." },
    GROUP_FORM_CHANGE_REQUESTED: {
      description:
        "The bid won, but its group form is not the one the buyer requires after award: the group must change form. Payload: lotId, from, required, allowed.",
    },
    OFFER_ACCEPTED: {
      description:
        "The client of the direct order accepted the offer; the lots' results follow (LOT_RESULT_RECORDED, source CLIENT_ACCEPTANCE). Payload: answerId, submittedAt.",
    },
    OFFER_DECLINED: { description: "The client of the direct order declined the offer: it is LOST. Payload: answerId, reason, submittedAt." },
    REVISION_REQUESTED: {
      description: "The client of the direct order asked for a revision: the bid is a DRAFT again, to be submitted anew. Payload: answerId, note, submittedAt.",
    },
  },
});
