/**
 * The eForms mapping: one notice (XML text) → {@link ParsedNotice}. Pure: no ORM, no I/O.
 *
 * Supported roots: `ContractNotice`, `PriorInformationNotice`, `ContractAwardNotice`; any of
 * them carrying `efac:Changes` is a change notice. Every optional part of the standard may be
 * missing. A notice is rejected with a {@link NoticeError} listing every problem found when it
 * is not XML, has an unsupported root, lacks its identifier, version, notice type, procedure
 * identifier (except prior information notices, where the standard forbids it) or title, holds
 * several values where the standard allows one (one main CPV code, one text per language...),
 * holds a malformed date, amount, number or CPV code, or refers to an organisation, lot, tender
 * or contract that the notice does not define.
 *
 * Paths of the business terms follow the eForms SDK (`fields/fields.json`).
 */
import { mapDocumentLinks } from "./eforms.documents";
import { Issues, NoticeError } from "./eforms.errors";
import { commonCriteria, mapCpvCodes, mapGroupRules, mapLots, mapPlaces, streetOf } from "./eforms.lots";
import {
  amount,
  asRootElement,
  dateTime,
  earliest,
  EXTENSION,
  isPresent,
  localized,
  referencedOrganization,
  requiredText,
  single,
  singleText,
  type Context,
  type NoticeContext,
} from "./eforms.read";
import { mapChanges, mapResults } from "./eforms.results";
import type { NoticeKind, NoticeRootElement, ParsedBuyer, ParsedLot, ParsedLotGroup, ParsedNotice, ParsedOrganization, Place } from "./eforms.types";
import { multiLine, oneLine, unique, type LanguageText } from "./eforms.values";
import { allOf, attributeOf, firstOf, parseXmlDocument, pathBelow, textOf, type XmlElement } from "./eforms.xml";

export { NoticeError } from "./eforms.errors";
export type { NoticeIssue } from "./eforms.errors";

const ROOT_KINDS: Readonly<Record<NoticeRootElement, NoticeKind>> = {
  PriorInformationNotice: "PRIOR_INFORMATION",
  ContractNotice: "CONTRACT_NOTICE",
  ContractAwardNotice: "CONTRACT_AWARD",
};

/**
 * Maps one eForms notice.
 * @throws NoticeError when the notice cannot be read or is invalid (see the module comment).
 */
export function parseNotice(xml: string): ParsedNotice {
  const root = parseXmlDocument(xml);
  const rootElement = asRootElement(root.name);
  if (rootElement === null) {
    throw NoticeError.at(root.path, `unsupported root element ${root.name}: expected ContractNotice, PriorInformationNotice or ContractAwardNotice`);
  }
  const mainLanguage = textOf(root, "cbc:NoticeLanguageCode")?.toUpperCase() ?? null;
  const languages = unique(
    [mainLanguage, ...allOf(root, "cac:AdditionalNoticeLanguage/cbc:ID").map((element) => textOf(element))]
      .filter(isPresent)
      .map((language) => language.toUpperCase()),
  );
  const base: Context = { issues: new Issues(), preferred: unique(["FRA", ...(mainLanguage ? [mainLanguage] : [])]) };

  const { noticeId, contractFolderId, procurementProject, title, version, noticeTypeElement, noticeTypeCode } = readIdentity(base, root, rootElement);

  const extension = firstOf(root, EXTENSION);
  const context: NoticeContext = { ...base, organizations: mapOrganizations(base, extension) };
  const buyers = mapBuyers(context, root);

  const procedureCpv = mapCpvCodes(context, procurementProject);
  const places = mapPlaces(context, procurementProject);
  const lotDistribution = firstOf(root, "cac:TenderingTerms/cac:LotDistribution");
  const lotElements = allOf(root, "cac:ProcurementProjectLot");
  const { lots, lotGroups } = mapLots(context, lotElements, lotDistribution, title?.text ?? "");
  if (lots.length === 0 && lotElements.length === 0 && rootElement !== "PriorInformationNotice") {
    context.issues.add(pathBelow(root, "cac:ProcurementProjectLot"), "no lot (BT-137): a contract or award notice has at least one");
  }
  const knownLots = new Set([...lots.map((lot) => lot.lotId), ...lotGroups.map((group) => group.groupId)]);
  const results = mapResults(context, extension, knownLots);
  const changes = mapChanges(context, firstOf(extension, "efac:Changes"));
  const publication = firstOf(extension, "efac:Publication");

  const notice = assembleNotice(context, {
    root,
    rootElement,
    extension,
    publication,
    noticeId,
    version,
    noticeTypeCode,
    noticeTypeElement,
    contractFolderId,
    changes,
    languages,
    mainLanguage,
    title,
    buyers,
    procurementProject,
    procedureCpv,
    places,
    lots,
    lotGroups,
    lotDistribution,
    results,
  });
  base.issues.throwIfAny();
  return notice;
}

/** Identity first, so that an empty notice reports what matters most first. */
function readIdentity(base: Context, root: XmlElement, rootElement: NoticeRootElement) {
  const noticeId = requiredText(base, root, "cbc:ID", "missing notice identifier (BT-701)");
  const contractFolderId =
    rootElement === "PriorInformationNotice"
      ? singleText(base, root, "cbc:ContractFolderID")
      : requiredText(base, root, "cbc:ContractFolderID", "missing procedure identifier (BT-04)");
  const procurementProject = single(base, root, "cac:ProcurementProject");
  const title = localized(base, procurementProject, "cbc:Name", oneLine);
  if (title === null) {
    base.issues.add(pathBelow(root, "cac:ProcurementProject/cbc:Name"), "missing procedure title (BT-21)");
  }
  const version = requiredText(base, root, "cbc:VersionID", "missing notice version (BT-757)");
  const noticeTypeElement = single(base, root, "cbc:NoticeTypeCode");
  const noticeTypeCode = requiredText(base, root, "cbc:NoticeTypeCode", "missing notice type (BT-02)");

  return { noticeId, contractFolderId, procurementProject, title, version, noticeTypeElement, noticeTypeCode };
}

/** What `parseNotice` read, put together in the order the notice's fields are checked. */
interface NoticeParts {
  root: XmlElement;
  rootElement: NoticeRootElement;
  extension: XmlElement | null;
  publication: XmlElement | null;
  noticeId: string | null;
  version: string | null;
  noticeTypeCode: string | null;
  noticeTypeElement: XmlElement | null;
  contractFolderId: string | null;
  changes: ReturnType<typeof mapChanges>;
  languages: string[];
  mainLanguage: string | null;
  title: LanguageText | null;
  buyers: ParsedBuyer[];
  procurementProject: XmlElement | null;
  procedureCpv: ReturnType<typeof mapCpvCodes>;
  places: Place[];
  lots: ParsedLot[];
  lotGroups: ParsedLotGroup[];
  lotDistribution: XmlElement | null;
  results: ReturnType<typeof mapResults>;
}

function assembleNotice(context: NoticeContext, parts: NoticeParts): ParsedNotice {
  const {
    root,
    rootElement,
    extension,
    publication,
    noticeId,
    version,
    noticeTypeCode,
    noticeTypeElement,
    contractFolderId,
    changes,
    languages,
    mainLanguage,
    title,
    buyers,
    procurementProject,
    procedureCpv,
    places,
    lots,
    lotGroups,
    lotDistribution,
    results,
  } = parts;
  const notice: ParsedNotice = {
    noticeId: noticeId ?? "",
    version: version ?? "",
    kind: changes.present ? "CHANGE" : ROOT_KINDS[rootElement],
    rootElement,
    subtype: singleText(context, extension, "efac:NoticeSubType/cbc:SubTypeCode"),
    noticeTypeCode: noticeTypeCode ?? "",
    formType: attributeOf(noticeTypeElement, "listName"),
    legalBasis: singleText(context, root, "cbc:RegulatoryDomain"),
    contractFolderId,
    changedNoticeId: changes.changedNoticeId,
    changedNoticeVersion: changes.changedNoticeVersion,
    changeReasonCode: changes.reasonCode,
    changeDescription: changes.description,
    changedSections: changes.sections,
    language: languages.includes("FRA") ? "FRA" : (mainLanguage ?? title?.language ?? "und"),
    languages,
    issueDate: dateTime(context, single(context, root, "cbc:IssueDate"), single(context, root, "cbc:IssueTime")),
    publicationDate: dateTime(context, single(context, publication, "efbc:PublicationDate"), null),
    publicationNumber: singleText(context, publication, "efbc:NoticePublicationID"),
    requestedPublicationDate: dateTime(context, single(context, root, "cbc:RequestedPublicationDate"), null),
    plannedNoticeDate: dateTime(context, single(context, root, "cbc:PlannedDate"), null),
    buyer: buyers[0] ?? null,
    buyers,
    organizations: [...context.organizations.values()],
    title: title?.text ?? "",
    description: localized(context, procurementProject, "cbc:Description", multiLine)?.text ?? null,
    internalId: singleText(context, procurementProject, "cbc:ID"),
    procedureType: singleText(context, root, "cac:TenderingProcess/cbc:ProcedureCode"),
    contractNature: singleText(context, procurementProject, "cbc:ProcurementTypeCode"),
    mainCpv: procedureCpv.main ?? lots[0]?.cpvCodes[0] ?? null,
    cpvCodes: unique([...procedureCpv.codes, ...lots.flatMap((lot) => lot.cpvCodes)]),
    place: places[0] ?? lots.find((lot) => lot.place !== null)?.place ?? null,
    places,
    estimatedValue: amount(context, single(context, procurementProject, "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount")),
    submissionDeadline: earliest(lots.map((lot) => lot.submissionDeadline)),
    participationDeadline: earliest(lots.map((lot) => lot.participationDeadline)),
    awardCriteria: commonCriteria(lots),
    groupRules: mapGroupRules(context, root, lotDistribution, lots),
    lots,
    lotGroups,
    awards: results.awards,
    awardedValue: results.awardedValue,
    documents: mapDocumentLinks(root),
  };
  return notice;
}

// ---------------------------------------------------------------------------------------------
// Organisations and buyers

function mapOrganizations(context: Context, extension: XmlElement | null): Map<string, ParsedOrganization> {
  const organizations = new Map<string, ParsedOrganization>();
  for (const organization of allOf(extension, "efac:Organizations/efac:Organization")) {
    const company = single(context, organization, "efac:Company");
    if (company === null) {
      context.issues.add(organization.path, "organisation without efac:Company (name, address, identifier)");
      continue;
    }
    const id = requiredText(context, company, "cac:PartyIdentification/cbc:ID", "organisation without identifier (OPT-200)");
    if (id === null) continue;
    if (organizations.has(id)) {
      context.issues.add(pathBelow(company, "cac:PartyIdentification/cbc:ID"), `organisation ${id} is defined twice`);
      continue;
    }
    const address = firstOf(company, "cac:PostalAddress");
    organizations.set(id, {
      organizationId: id,
      name: localized(context, company, "cac:PartyName/cbc:Name", oneLine)?.text ?? id,
      nationalId: textOf(company, "cac:PartyLegalEntity/cbc:CompanyID"),
      street: streetOf(address),
      city: textOf(address, "cbc:CityName"),
      postcode: textOf(address, "cbc:PostalZone"),
      nuts: textOf(address, "cbc:CountrySubentityCode"),
      country: textOf(address, "cac:Country/cbc:IdentificationCode"),
      email: textOf(company, "cac:Contact/cbc:ElectronicMail"),
      url: textOf(company, "cbc:WebsiteURI"),
      size: textOf(company, "efbc:CompanySizeCode"),
    });
  }
  return organizations;
}

function mapBuyers(context: NoticeContext, root: XmlElement): ParsedBuyer[] {
  return allOf(root, "cac:ContractingParty").flatMap((party) => {
    const identification = firstOf(party, "cac:Party/cac:PartyIdentification");
    if (identification === null) {
      context.issues.add(pathBelow(party, "cac:Party/cac:PartyIdentification/cbc:ID"), "contracting party without organisation reference (OPT-300)");
      return [];
    }
    const organization = referencedOrganization(context, identification, "contracting party");
    if (organization === null) return [];
    const legalType = allOf(party, "cac:ContractingPartyType/cbc:PartyTypeCode").find((code) =>
      [null, "buyer-legal-type"].includes(attributeOf(code, "listName")),
    );
    const { size: _size, ...contact } = organization;
    return [{ ...contact, legalType: textOf(legalType) }];
  });
}
