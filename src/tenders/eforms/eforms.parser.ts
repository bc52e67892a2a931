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
import type { AwardCriterion, GroupRules, NoticeKind, NoticeRootElement, ParsedLot, ParsedLotGroup, ParsedNotice, Place } from "./eforms.types";
import { allOf, attributeOf, childrenNamed, firstOf, parseXmlDocument, pathBelow, textOf, type XmlElement } from "./eforms.xml";
import { multiLine, normalizeCpv, oneLine, unique } from "./eforms.values";
import {
  amount,
  boolean,
  type Context,
  dateTime,
  decimal,
  earliest,
  integer,
  isPresent,
  localized,
  type NoticeContext,
  periodEnd,
  pickLocalized,
  requiredText,
  single,
  singleText,
  streetOf,
} from "./eforms.read";
import { mapBuyers, mapOrganizations } from "./eforms.parties";
import { mapChanges, mapResults } from "./eforms.results";
export { NoticeError } from "./eforms.errors";
export type { NoticeIssue } from "./eforms.errors";

/** Where the eForms extension sits below any element that has one. */
const EXTENSION = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension";

const ROOT_KINDS: Readonly<Record<NoticeRootElement, NoticeKind>> = {
  PriorInformationNotice: "PRIOR_INFORMATION",
  ContractNotice: "CONTRACT_NOTICE",
  ContractAwardNotice: "CONTRACT_AWARD",
};

/** French labels of the award criterion types (BT-539), used when a criterion has no name. */
const CRITERION_TYPE_LABELS: Readonly<Record<string, string>> = {
  price: "Prix",
  cost: "Coût",
  quality: "Qualité",
};

/**
 * Maps one eForms notice.
 * @throws NoticeError when the notice cannot be read or is invalid (see the module comment).
 */
export function parseNotice(xml: string): ParsedNotice {
  const root = parseXmlDocument(xml);
  const { rootElement, mainLanguage, languages, base, noticeId, contractFolderId, procurementProject, title, version, noticeTypeElement, noticeTypeCode } =
    readIdentity(root);

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
    estimatedValue: amount(
      context,
      single(context, procurementProject, "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"),
    ),
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
  base.issues.throwIfAny();
  return notice;
}

/**
 * The root element, the languages and the notice's identity, read first so that an empty notice
 * reports what matters most first.
 */
function readIdentity(root: XmlElement) {
  const rootElement = asRootElement(root.name);
  if (rootElement === null) {
    throw NoticeError.at(
      root.path,
      `unsupported root element ${root.name}: expected ContractNotice, PriorInformationNotice or ContractAwardNotice`,
    );
  }
  const mainLanguage = textOf(root, "cbc:NoticeLanguageCode")?.toUpperCase() ?? null;
  const languages = unique(
    [mainLanguage, ...allOf(root, "cac:AdditionalNoticeLanguage/cbc:ID").map((element) => textOf(element))]
      .filter(isPresent)
      .map((language) => language.toUpperCase()),
  );
  const base: Context = { issues: new Issues(), preferred: unique(["FRA", ...(mainLanguage ? [mainLanguage] : [])]) };

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
  return { rootElement, mainLanguage, languages, base, noticeId, contractFolderId, procurementProject, title, version, noticeTypeElement, noticeTypeCode };
}

// ---------------------------------------------------------------------------------------------
// Lots, parts and groups of lots

function mapLots(
  context: NoticeContext,
  elements: readonly XmlElement[],
  lotDistribution: XmlElement | null,
  procedureTitle: string,
): { lots: ParsedLot[]; lotGroups: ParsedLotGroup[] } {
  const lots: ParsedLot[] = [];
  const lotGroups: ParsedLotGroup[] = [];
  const seen = new Set<string>();
  for (const element of elements) {
    const idElement = single(context, element, "cbc:ID");
    const id = requiredText(context, element, "cbc:ID", "lot without identifier (BT-137)");
    if (id === null) continue;
    if (seen.has(id)) {
      context.issues.add(pathBelow(element, "cbc:ID"), `lot ${id} is defined twice`);
      continue;
    }
    seen.add(id);
    const scheme = lotScheme(attributeOf(idElement, "schemeName"), id);
    if (scheme === "GROUP") lotGroups.push(mapLotGroup(context, element, id, lotDistribution));
    else lots.push(mapLot(context, element, id, scheme, lots.length + 1, procedureTitle));
  }
  return { lots, lotGroups };
}

function lotScheme(schemeName: string | null, id: string): "LOT" | "PART" | "GROUP" {
  const scheme = (schemeName ?? "").toLowerCase();
  if (scheme === "lotsgroup" || (scheme === "" && id.startsWith("GLO-"))) return "GROUP";
  if (scheme === "part" || (scheme === "" && id.startsWith("PAR-"))) return "PART";
  return "LOT";
}

function mapLot(
  context: NoticeContext,
  element: XmlElement,
  lotId: string,
  scheme: "LOT" | "PART",
  position: number,
  procedureTitle: string,
): ParsedLot {
  const project = single(context, element, "cac:ProcurementProject");
  const terms = single(context, element, "cac:TenderingTerms");
  const process = single(context, element, "cac:TenderingProcess");
  const places = mapPlaces(context, project);
  const digits = /(\d+)$/.exec(lotId);
  const legalForm = mapLegalForm(context, terms);
  return {
    lotId,
    number: digits ? Number(digits[1]) : position,
    scheme,
    internalId: singleText(context, project, "cbc:ID"),
    title: localized(context, project, "cbc:Name", oneLine)?.text ?? procedureTitle,
    description: localized(context, project, "cbc:Description", multiLine)?.text ?? null,
    contractNature: singleText(context, project, "cbc:ProcurementTypeCode"),
    cpvCodes: mapCpvCodes(context, project).codes,
    estimatedValue: amount(context, single(context, project, "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount")),
    place: places[0] ?? null,
    places,
    submissionDeadline: periodEnd(context, single(context, process, "cac:TenderSubmissionDeadlinePeriod")),
    participationDeadline: periodEnd(context, single(context, process, "cac:ParticipationRequestReceptionPeriod")),
    awardCriteria: mapAwardCriteria(context, terms),
    groupLegalFormRequired: legalForm.required,
    groupLegalFormDescription: legalForm.description,
    multipleTenders: singleText(context, terms, "cbc:MultipleTendersCode"),
  };
}

function mapLotGroup(
  context: NoticeContext,
  element: XmlElement,
  groupId: string,
  lotDistribution: XmlElement | null,
): ParsedLotGroup {
  const project = single(context, element, "cac:ProcurementProject");
  const members = allOf(lotDistribution, "cac:LotsGroup")
    .filter((group) => textOf(group, "cbc:LotsGroupID") === groupId)
    .flatMap((group) => allOf(group, "cac:ProcurementProjectLotReference/cbc:ID"))
    .map((reference) => textOf(reference))
    .filter(isPresent);
  return {
    groupId,
    lotIds: unique(members),
    title: localized(context, project, "cbc:Name", oneLine)?.text ?? null,
    description: localized(context, project, "cbc:Description", multiLine)?.text ?? null,
    estimatedValue: amount(context, single(context, project, "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount")),
    awardCriteria: mapAwardCriteria(context, single(context, element, "cac:TenderingTerms")),
  };
}

/** BT-761 and BT-76 of a lot: the legal form a group of tenderers must take. */
function mapLegalForm(context: Context, terms: XmlElement | null): { required: boolean | null; description: string | null } {
  const requests = allOf(terms, "cac:TendererQualificationRequest");
  const code = requests
    .flatMap((request) => childrenNamed(request, "cbc:CompanyLegalFormCode"))
    .find((element) => [null, "required"].includes(attributeOf(element, "listName")));
  const descriptions = requests.flatMap((request) => childrenNamed(request, "cbc:CompanyLegalForm"));
  return {
    required: code ? boolean(context, code) : null,
    description: pickLocalized(context, descriptions, multiLine)?.text ?? null,
  };
}

/** BT-262 (main) and BT-263 (additional) CPV codes of a `cac:ProcurementProject`. */
function mapCpvCodes(context: Context, project: XmlElement | null): { main: string | null; codes: string[] } {
  const main = single(context, project, "cac:MainCommodityClassification");
  const mainCode = main ? classificationCode(context, main, "BT-262") : null;
  const additional = allOf(project, "cac:AdditionalCommodityClassification")
    .map((classification) => classificationCode(context, classification, "BT-263"))
    .filter(isPresent);
  return { main: mainCode, codes: unique([...(mainCode ? [mainCode] : []), ...additional]) };
}

function classificationCode(context: Context, classification: XmlElement, term: string): string | null {
  const code = single(context, classification, "cbc:ItemClassificationCode");
  const text = textOf(code);
  if (code === null || text === null) {
    context.issues.add(pathBelow(classification, "cbc:ItemClassificationCode"), `classification without code (${term})`);
    return null;
  }
  const list = attributeOf(code, "listName");
  if (list !== null && list.toLowerCase() !== "cpv") return null; // another classification
  const cpv = normalizeCpv(text);
  if (cpv === null) context.issues.add(code.path, `invalid CPV code "${text}" (${term})`);
  return cpv;
}

/** Places of performance (`cac:RealizedLocation`) of a `cac:ProcurementProject`. */
function mapPlaces(context: Context, project: XmlElement | null): Place[] {
  return allOf(project, "cac:RealizedLocation")
    .map((location): Place => {
      const address = firstOf(location, "cac:Address");
      return {
        nuts: textOf(address, "cbc:CountrySubentityCode"),
        city: textOf(address, "cbc:CityName"),
        postcode: textOf(address, "cbc:PostalZone"),
        country: textOf(address, "cac:Country/cbc:IdentificationCode"),
        street: streetOf(address),
        region: textOf(address, "cbc:Region"),
        description: localized(context, location, "cbc:Description", multiLine)?.text ?? null,
      };
    })
    .filter((place) => Object.values(place).some((value) => value !== null));
}


/** Award criteria (BG-38) of a lot's or group's `cac:TenderingTerms`. */
function mapAwardCriteria(context: Context, terms: XmlElement | null): AwardCriterion[] {
  return allOf(terms, "cac:AwardingTerms/cac:AwardingCriterion/cac:SubordinateAwardingCriterion").map((criterion) => {
    const type = textOf(criterion, "cbc:AwardingCriterionTypeCode");
    const description = localized(context, criterion, "cbc:Description", multiLine)?.text ?? null;
    const weightParameter = allOf(criterion, `${EXTENSION}/efac:AwardCriterionParameter`).find(
      (parameter) => attributeOf(firstOf(parameter, "efbc:ParameterCode"), "listName") === "number-weight",
    );
    const weightElement = weightParameter ? single(context, weightParameter, "efbc:ParameterNumeric") : null;
    return {
      type,
      name:
        localized(context, criterion, "cbc:Name", oneLine)?.text ??
        (type !== null ? (CRITERION_TYPE_LABELS[type] ?? type) : null) ??
        description ??
        "Critère",
      description,
      weight: weightElement ? decimal(context, weightElement) : null,
      weightCode: textOf(weightParameter, "efbc:ParameterCode"),
    };
  });
}

/** The criteria of the lots when every lot has the same ones (type, name, weight), else none. */
function commonCriteria(lots: readonly ParsedLot[]): AwardCriterion[] {
  const [head] = lots;
  if (!head) return [];
  const key = (criteria: readonly AwardCriterion[]): string =>
    JSON.stringify(criteria.map((criterion) => [criterion.type, criterion.name, criterion.weight, criterion.weightCode]));
  const first = key(head.awardCriteria);
  return lots.every((lot) => key(lot.awardCriteria) === first) ? head.awardCriteria.map((criterion) => ({ ...criterion })) : [];
}

/** BT-769 of the lots, for the whole tender: one lot forbidding multiple tenders is enough to forbid them. */
function multipleOffersForbidden(lots: readonly ParsedLot[]): boolean | null {
  const codes = lots.map((lot) => lot.multipleTenders);
  if (codes.includes("not-allowed")) return true;
  return codes.includes("allowed") ? false : null;
}

function mapGroupRules(
  context: Context,
  root: XmlElement,
  lotDistribution: XmlElement | null,
  lots: readonly ParsedLot[],
): GroupRules {
  const submitted = single(context, lotDistribution, "cbc:MaximumLotsSubmittedNumeric");
  const awarded = single(context, lotDistribution, "cbc:MaximumLotsAwardedNumeric");
  const required = lots.map((lot) => lot.groupLegalFormRequired);
  return {
    maxLotsPerTenderer: submitted ? integer(context, submitted) : null,
    maxLotsAwardedPerTenderer: awarded ? integer(context, awarded) : null,
    multipleOffersForbidden: multipleOffersForbidden(lots),
    groupLegalFormRequired: required.includes(true) ? true : required.includes(false) ? false : null,
    groupLegalFormDescription: lots.find((lot) => lot.groupLegalFormDescription !== null)?.groupLegalFormDescription ?? null,
    lotsPresentation: singleText(context, root, "cac:TenderingProcess/cbc:PartPresentationCode"),
  };
}


function asRootElement(name: string): NoticeRootElement | null {
  return name === "ContractNotice" || name === "PriorInformationNotice" || name === "ContractAwardNotice" ? name : null;
}
