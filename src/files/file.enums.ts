import { registerEnumType } from "type-graphql";

/** What an attachment of a bid is, as the buyer's checklist names them. */
export enum AttachmentCategory {
  CERTIFICATE = "CERTIFICATE",
  REFERENCE = "REFERENCE",
  SIGNED_FORM = "SIGNED_FORM",
  OTHER = "OTHER",
}

registerEnumType(AttachmentCategory, {
  name: "AttachmentCategory",
  description: "What an attachment of a bid is.",
  valuesConfig: {
    CERTIFICATE: { description: "A certificate or attestation: tax and social contributions (URSSAF), Kbis, insurance, qualification." },
    REFERENCE: { description: "A reference: past work, a client's attestation of good performance." },
    SIGNED_FORM: { description: "A signed form of the procedure: DC1, DC2, DC4, ATTRI1, the signed act of commitment." },
    OTHER: { description: "Anything else the offer carries." },
  },
});

/** Whether a tender document is a file stored here or a link to the buyer's platform. */
export enum TenderDocumentKind {
  FILE = "FILE",
  LINK = "LINK",
}

registerEnumType(TenderDocumentKind, {
  name: "TenderDocumentKind",
  description: "A file stored by the platform, or a link to documents published elsewhere.",
  valuesConfig: {
    FILE: { description: "A file uploaded by a mission officer, an admin or the client of the order: download it at `downloadUrl`." },
    LINK: { description: "A link to the procurement documents given by an imported notice (BT-15 / BT-615): open `url`; the platform does not copy them." },
  },
});
