import { registerEnumType } from "type-graphql";

export enum LegalForm {
  SCOP_SA = "SCOP_SA",
  SCOP_SARL = "SCOP_SARL",
  SCOP_SAS = "SCOP_SAS",
  SCIC_SA = "SCIC_SA",
  SCIC_SARL = "SCIC_SARL",
  SCIC_SAS = "SCIC_SAS",
  CAE = "CAE",
}

registerEnumType(LegalForm, {
  name: "LegalForm",
  description: "Legal form of a cooperative.",
  valuesConfig: {
    SCOP_SA: { description: "Société coopérative et participative, société anonyme." },
    SCOP_SARL: { description: "Société coopérative et participative, SARL." },
    SCOP_SAS: { description: "Société coopérative et participative, SAS." },
    SCIC_SA: { description: "Société coopérative d'intérêt collectif, société anonyme." },
    SCIC_SARL: { description: "Société coopérative d'intérêt collectif, SARL." },
    SCIC_SAS: { description: "Société coopérative d'intérêt collectif, SAS." },
    CAE: { description: "Coopérative d'activité et d'emploi." },
  },
});

export enum MemberRole {
  OWNER = "OWNER",
  MEMBER = "MEMBER",
}

registerEnumType(MemberRole, {
  name: "MemberRole",
  description: "A person's role in a cooperative.",
  valuesConfig: {
    OWNER: { description: "Manages the cooperative's profile, members and bids." },
    MEMBER: { description: "Works in the cooperative; reads its profile and co-edits its bids." },
  },
});

export enum CooperativeOrder {
  NAME = "NAME",
  DISTANCE = "DISTANCE",
  NEWEST = "NEWEST",
}

registerEnumType(CooperativeOrder, {
  name: "CooperativeOrder",
  description: "How to sort cooperatives.",
  valuesConfig: {
    NAME: { description: "By name, A to Z." },
    DISTANCE: { description: "Nearest first; needs the `near` filter." },
    NEWEST: { description: "Most recently registered first." },
  },
});

/** Whether the federation has checked a cooperative's registration. */
export enum CooperativeStatus {
  PENDING = "PENDING",
  VERIFIED = "VERIFIED",
}

registerEnumType(CooperativeStatus, {
  name: "CooperativeStatus",
  description: "Whether a mission officer has checked the cooperative's registration.",
  valuesConfig: {
    PENDING: { description: "Registered by a member, awaiting an officer's check: it cannot bid, lead, be invited or see opportunities." },
    VERIFIED: { description: "Checked by the federation (or registered by its staff): a full member of the platform." },
  },
});
