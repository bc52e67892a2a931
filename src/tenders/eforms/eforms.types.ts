/**
 * Output of the eForms mapping: plain data, no ORM. Produced by `parseNotice` from one eForms
 * notice (UBL 2.3 + eForms extensions, as published by TED and, above the EU thresholds, BOAMP).
 *
 * Conventions:
 * - Business terms of the standard are cited as BT-xx (see the eForms SDK, `fields/fields.json`).
 * - Every value the standard lets a notice omit is `null` (or an empty array), never `undefined`.
 * - Texts are in French when the notice has French, else in the notice's language, else in the
 *   first language given; titles and names are on one line, descriptions keep their lines.
 * - Dates are instants (`Date`, UTC inside) computed with the offsets written in the notice;
 *   a date without a time is the start of that day at its offset.
 * - Codes are kept as the standard spells them (ISO 3166-1 alpha-3 countries, ISO 639-2/B
 *   languages in upper case, eForms code lists: `open`, `services`, `selec-w`, `per-exa`...).
 * - CPV codes are 8 digits, without the check digit.
 */

/**
 * What the notice is, from its root element: `PriorInformationNotice`, `ContractNotice`,
 * `ContractAwardNotice`; `CHANGE` for any of them carrying `efac:Changes` (a change or
 * cancellation of an earlier notice).
 */
export type NoticeKind = "PRIOR_INFORMATION" | "CONTRACT_NOTICE" | "CONTRACT_AWARD" | "CHANGE";

/** Root elements the mapping supports. */
export type NoticeRootElement = "PriorInformationNotice" | "ContractNotice" | "ContractAwardNotice";

/** An amount with its currency (`currencyID`). */
export interface MoneyAmount {
  amount: number;
  /** ISO 4217, e.g. `EUR`. */
  currency: string;
}

/** A place of performance (BG-708) or a postal address. */
export interface Place {
  /** NUTS code (BT-5071 / BT-507), e.g. `FRD22`. */
  nuts: string | null;
  city: string | null;
  postcode: string | null;
  /** ISO 3166-1 alpha-3, e.g. `FRA`. */
  country: string | null;
  /** Street lines joined with `, `. */
  street: string | null;
  /** "Anywhere" code (BT-727): `anyw`, `anyw-eea`, `anyw-cou` (anywhere in `country`). */
  region: string | null;
  /** Free text about the place (BT-728). */
  description: string | null;
}

/** An award criterion (BG-38). */
export interface AwardCriterion {
  /** BT-539: `price`, `cost` or `quality`. */
  type: string | null;
  /** BT-734; when the notice gives none, the French label of the type (`Prix`, `Coût`, `Qualité`). */
  name: string;
  /** BT-540. */
  description: string | null;
  /** BT-541, as given: a percentage, points or an order, see `weightCode`. */
  weight: number | null;
  /** BT-5421: `per-exa` (percentage), `poi-exa` (points), `dec-exa`, `ord-imp`... */
  weightCode: string | null;
}

/** Rules for lots and groups of tenderers (consortiums). */
export interface GroupRules {
  /** BT-31: maximum number of lots one tenderer may submit tenders for. */
  maxLotsPerTenderer: number | null;
  /** BT-33: maximum number of lots one tenderer may be awarded. */
  maxLotsAwardedPerTenderer: number | null;
  /** BT-769: true when a lot says `not-allowed` (a tenderer may submit one tender only), false when every lot that says allows it. */
  multipleOffersForbidden: boolean | null;
  /** BT-761: a group of tenderers must take a given legal form (true when any lot requires it). */
  groupLegalFormRequired: boolean | null;
  /** BT-76: that legal form, e.g. "groupement solidaire". */
  groupLegalFormDescription: string | null;
  /** BT-763: tenders for `all` lots, `one` lot or `several` lots. */
  lotsPresentation: string | null;
}

/** A lot (`LOT-xxxx`) of a contract notice, or a part (`PAR-xxxx`) of a prior information notice. */
export interface ParsedLot {
  /** BT-137, e.g. `LOT-0001` or `PAR-0001`. */
  lotId: string;
  /** The number in the identifier (`LOT-0001` → 1, `LOT-0000` → 0), else the position (1-based). */
  number: number;
  /** `LOT` for a lot, `PART` for a part of a prior information notice. */
  scheme: "LOT" | "PART";
  /** BT-22, the buyer's own reference. */
  internalId: string | null;
  /** BT-21; the procedure title when the lot has none. */
  title: string;
  /** BT-24. */
  description: string | null;
  /** BT-23: `services`, `supplies`, `works`. */
  contractNature: string | null;
  /** BT-262 then BT-263, deduplicated; main code first. */
  cpvCodes: string[];
  /** BT-27. */
  estimatedValue: MoneyAmount | null;
  /** First place of performance with any data. */
  place: Place | null;
  /** Every place of performance. */
  places: Place[];
  /** BT-131: deadline for receipt of tenders. */
  submissionDeadline: Date | null;
  /** BT-1311: deadline for receipt of requests to participate (restricted, negotiated...). */
  participationDeadline: Date | null;
  awardCriteria: AwardCriterion[];
  /** BT-761 for this lot. */
  groupLegalFormRequired: boolean | null;
  /** BT-76 for this lot. */
  groupLegalFormDescription: string | null;
  /** BT-769 for this lot: `allowed` or `not-allowed` (more than one tender per tenderer). */
  multipleTenders: string | null;
}

/** A group of lots (`GLO-xxxx`) that may be awarded together. */
export interface ParsedLotGroup {
  /** BT-330, e.g. `GLO-0001`. */
  groupId: string;
  /** BT-1375: the lots of the group. */
  lotIds: string[];
  title: string | null;
  description: string | null;
  /** BT-27 of the group. */
  estimatedValue: MoneyAmount | null;
  awardCriteria: AwardCriterion[];
}

/** An organisation of the notice (`efac:Organization/efac:Company`). */
export interface ParsedOrganization {
  /** OPT-200, e.g. `ORG-0001`. */
  organizationId: string;
  /** BT-500; the identifier when the notice gives no name. */
  name: string;
  /** BT-501: national registration number (SIREN/SIRET in France), as written. */
  nationalId: string | null;
  street: string | null;
  city: string | null;
  postcode: string | null;
  nuts: string | null;
  country: string | null;
  email: string | null;
  /** BT-505. */
  url: string | null;
  /** BT-165: `micro`, `small`, `medium`, `large`. */
  size: string | null;
}

/** A buyer (contracting authority or entity). */
export interface ParsedBuyer {
  organizationId: string;
  name: string;
  nationalId: string | null;
  street: string | null;
  city: string | null;
  postcode: string | null;
  nuts: string | null;
  country: string | null;
  email: string | null;
  url: string | null;
  /** BT-11, e.g. `body-pl`, `la`, `pub-undert-la`. */
  legalType: string | null;
}

/** A member of a winning tendering party (one organisation; several for a consortium). */
export interface ParsedWinner {
  organizationId: string;
  name: string;
  nationalId: string | null;
  country: string | null;
  city: string | null;
  nuts: string | null;
  /** OPT-170: leader (mandataire) of the group; `null` when not said. */
  groupLead: boolean | null;
}

/**
 * The result of a lot (`efac:LotResult`) for one winning tender; a lot result without a winner
 * (closed, no award) gives one award with no winners, so the outcome is never lost.
 */
export interface ParsedAward {
  /** OPT-322, e.g. `RES-0001`. */
  resultId: string | null;
  /** BT-13713: the lot (or group of lots) awarded, matching `ParsedLot.lotId`. */
  lotId: string | null;
  /** BT-142: `selec-w` (winner chosen), `clos-nw` (closed, no winner), `open-nw` (still open). */
  resultCode: string | null;
  /** OPT-321, technical id of the winning tender, e.g. `TEN-0001`. */
  tenderId: string | null;
  /** BT-3201: the tender's own reference. */
  tenderReference: string | null;
  winners: ParsedWinner[];
  /** BT-720: value of the winning tender. */
  amount: MoneyAmount | null;
  /** BT-1451: date the winner was chosen. */
  awardDate: Date | null;
  /** BT-145: date the contract was concluded. */
  contractConclusionDate: Date | null;
  /** BT-150: the contract's reference. */
  contractReference: string | null;
  /** BT-759 for the `tenders` type of BT-760: number of tenders received. */
  tendersReceived: number | null;
}

/** A link to the procurement documents (BG-102: BT-15 / BT-615, BT-14). */
export interface ParsedDocumentLink {
  /** OPT-140, the notice's own id of the documents, e.g. `Doc1`. */
  documentId: string | null;
  /** An http(s) address. */
  url: string;
  /** BT-14 `restricted-document`: the buyer's platform asks for registration. */
  restricted: boolean;
}

/** One notice, mapped. */
export interface ParsedNotice {
  /** BT-701, a UUID. */
  noticeId: string;
  /** BT-757, e.g. `01`; (noticeId, version) identifies a notice version. */
  version: string;
  kind: NoticeKind;
  rootElement: NoticeRootElement;
  /** OPP-070, the notice subtype, e.g. `16` (contract notice, directive 2014/24/EU). */
  subtype: string | null;
  /** BT-02, e.g. `cn-standard`, `pin-only`, `can-standard`. */
  noticeTypeCode: string;
  /** BT-03, e.g. `competition`, `planning`, `result`. */
  formType: string | null;
  /** BT-01, e.g. `32014L0024`. */
  legalBasis: string | null;
  /** BT-04, the procedure identifier shared by all notices of a procedure; none in prior information notices used only for information (forbidden there). */
  contractFolderId: string | null;
  /** BT-758 without its version: the notice changed by this one. */
  changedNoticeId: string | null;
  /** BT-758's version suffix, e.g. `01`. */
  changedNoticeVersion: string | null;
  /** BT-140, e.g. `cancel`, `update-add`, `cor-buy`. */
  changeReasonCode: string | null;
  /** BT-141 (joined by a blank line), else BT-762. */
  changeDescription: string | null;
  /** BT-13716: sections changed. */
  changedSections: string[];
  /** The language of the texts kept: `FRA` when the notice is in French, else its language (BT-702), else the title's, else `und`. */
  language: string;
  /** BT-702: the notice language first, then the additional languages. */
  languages: string[];
  /** BT-05: dispatch date and time. */
  issueDate: Date | null;
  /** OPP-012: publication in the OJ S (set by TED on published notices). */
  publicationDate: Date | null;
  /** OPP-010: publication number, e.g. `00123456-2024`. */
  publicationNumber: string | null;
  /** BT-738: preferred publication date asked by the buyer. */
  requestedPublicationDate: Date | null;
  /** BT-127: planned date of the next notice (prior information notices). */
  plannedNoticeDate: Date | null;
  /** The first buyer. */
  buyer: ParsedBuyer | null;
  /** Every buyer (joint procurement). */
  buyers: ParsedBuyer[];
  /** Every organisation of the notice, by order of appearance. */
  organizations: ParsedOrganization[];
  /** BT-21. */
  title: string;
  /** BT-24. */
  description: string | null;
  /** BT-22. */
  internalId: string | null;
  /** BT-105: `open`, `restricted`, `neg-w-call`... */
  procedureType: string | null;
  /** BT-23: `services`, `supplies`, `works`. */
  contractNature: string | null;
  /** BT-262 of the procedure, else of the first lot. */
  mainCpv: string | null;
  /** Every CPV code of the notice: procedure main, procedure additional, then the lots', deduplicated. */
  cpvCodes: string[];
  /** First place of performance of the procedure, else of the first lot. */
  place: Place | null;
  /** Places of performance of the procedure. */
  places: Place[];
  /** BT-27 of the procedure. */
  estimatedValue: MoneyAmount | null;
  /** The earliest BT-131 of the lots. */
  submissionDeadline: Date | null;
  /** The earliest BT-1311 of the lots. */
  participationDeadline: Date | null;
  /** The criteria of the lots when all lots share them (same type, name and weight), else none. */
  awardCriteria: AwardCriterion[];
  groupRules: GroupRules;
  lots: ParsedLot[];
  lotGroups: ParsedLotGroup[];
  awards: ParsedAward[];
  /** BT-161: total value of the contracts awarded by the notice. */
  awardedValue: MoneyAmount | null;
  /** The procurement documents' addresses, of the procedure and its lots, one per address. */
  documents: ParsedDocumentLink[];
}
