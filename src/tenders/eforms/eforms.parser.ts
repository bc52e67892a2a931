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
import type {
  AwardCriterion,
  GroupRules,
  MoneyAmount,
  NoticeKind,
  NoticeRootElement,
  ParsedAward,
  ParsedBuyer,
  ParsedLot,
  ParsedLotGroup,
  ParsedNotice,
  ParsedOrganization,
  ParsedWinner,
  Place,
} from "./eforms.types";
import {
  allOf,
  attributeOf,
  childrenNamed,
  firstOf,
  parseXmlDocument,
  pathBelow,
  pathWithoutPosition,
  textOf,
  type XmlElement,
} from "./eforms.xml";
import {
  multiLine,
  normalizeCpv,
  oneLine,
  parseBoolean,
  parseCurrency,
  parseDateTime,
  parseDecimal,
  parseInteger,
  pickLanguage,
  repeatedLanguages,
  unique,
  type LanguageText,
} from "./eforms.values";

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

/** What the mapping functions share during one run. */
interface Context {
  readonly issues: Issues;
  /** Languages to keep, best first: `FRA`, then the notice language. */
  readonly preferred: readonly string[];
}

interface NoticeContext extends Context {
  readonly organizations: ReadonlyMap<string, ParsedOrganization>;
}

type TextStyle = (text: string) => string;

/**
 * Maps one eForms notice.
 * @throws NoticeError when the notice cannot be read or is invalid (see the module comment).
 */
export function parseNotice(xml: string): ParsedNotice {
  const root = parseXmlDocument(xml);
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

  // Identity first, so that an empty notice reports what matters most first.
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

/** The organisation an element refers to with its `cbc:ID` child, reported when unknown. */
function referencedOrganization(context: NoticeContext, element: XmlElement, what: string): ParsedOrganization | null {
  const reference = textOf(element, "cbc:ID");
  if (reference === null) {
    context.issues.add(pathBelow(element, "cbc:ID"), `${what} without organisation reference`);
    return null;
  }
  const organization = context.organizations.get(reference);
  if (organization === undefined) {
    context.issues.add(pathBelow(element, "cbc:ID"), `${what} refers to organisation ${reference}, which the notice does not define`);
    return null;
  }
  return organization;
}

function mapBuyers(context: NoticeContext, root: XmlElement): ParsedBuyer[] {
  return allOf(root, "cac:ContractingParty").flatMap((party) => {
    const identification = firstOf(party, "cac:Party/cac:PartyIdentification");
    if (identification === null) {
      context.issues.add(
        pathBelow(party, "cac:Party/cac:PartyIdentification/cbc:ID"),
        "contracting party without organisation reference (OPT-300)",
      );
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

function streetOf(address: XmlElement | null): string | null {
  const lines = [
    textOf(address, "cbc:StreetName"),
    textOf(address, "cbc:AdditionalStreetName"),
    ...allOf(address, "cac:AddressLine/cbc:Line").map((line) => textOf(line)),
  ].filter(isPresent);
  return lines.length > 0 ? lines.map(oneLine).join(", ") : null;
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

// ---------------------------------------------------------------------------------------------
// Results: lot results, tenders, tendering parties, settled contracts

interface TenderInfo {
  readonly amount: MoneyAmount | null;
  readonly partyId: string | null;
  readonly lotId: string | null;
  readonly reference: string | null;
  readonly rank: number | null;
}

interface ContractInfo {
  readonly awardDate: Date | null;
  readonly conclusionDate: Date | null;
  readonly reference: string | null;
  readonly tenderIds: readonly string[];
}

function mapResults(
  context: NoticeContext,
  extension: XmlElement | null,
  knownLots: ReadonlySet<string>,
): { awards: ParsedAward[]; awardedValue: MoneyAmount | null } {
  const result = single(context, extension, "efac:NoticeResult");
  if (result === null) return { awards: [], awardedValue: null };

  const parties = new Map<string, ParsedWinner[]>();
  for (const party of allOf(result, "efac:TenderingParty")) {
    const id = requiredText(context, party, "cbc:ID", "tendering party without identifier (OPT-210)");
    if (id === null) continue;
    const members = allOf(party, "efac:Tenderer").flatMap((tenderer): ParsedWinner[] => {
      const organization = referencedOrganization(context, tenderer, "tenderer");
      if (organization === null) return [];
      const lead = single(context, tenderer, "efbc:GroupLeadIndicator");
      return [
        {
          organizationId: organization.organizationId,
          name: organization.name,
          nationalId: organization.nationalId,
          country: organization.country,
          city: organization.city,
          nuts: organization.nuts,
          groupLead: lead ? boolean(context, lead) : null,
        },
      ];
    });
    parties.set(id, members);
  }

  const tenders = new Map<string, TenderInfo>();
  for (const tender of allOf(result, "efac:LotTender")) {
    const id = requiredText(context, tender, "cbc:ID", "tender without identifier (OPT-321)");
    if (id === null) continue;
    const partyId = singleText(context, tender, "efac:TenderingParty/cbc:ID");
    if (partyId !== null && !parties.has(partyId)) {
      context.issues.add(pathBelow(tender, "efac:TenderingParty/cbc:ID"), `tender ${id} refers to tendering party ${partyId}, which the notice does not define`);
    }
    const rank = single(context, tender, "cbc:RankCode");
    tenders.set(id, {
      amount: amount(context, single(context, tender, "cac:LegalMonetaryTotal/cbc:PayableAmount")),
      partyId,
      lotId: singleText(context, tender, "efac:TenderLot/cbc:ID"),
      reference: singleText(context, tender, "efac:TenderReference/cbc:ID"),
      rank: rank ? integer(context, rank) : null,
    });
  }

  const contracts = new Map<string, ContractInfo>();
  for (const contract of allOf(result, "efac:SettledContract")) {
    const id = requiredText(context, contract, "cbc:ID", "contract without identifier (OPT-316)");
    if (id === null) continue;
    const tenderIds = referencedIds(context, contract, "efac:LotTender/cbc:ID", tenders, "tender");
    contracts.set(id, {
      awardDate: dateTime(context, single(context, contract, "cbc:AwardDate"), null),
      conclusionDate: dateTime(context, single(context, contract, "cbc:IssueDate"), null),
      reference: singleText(context, contract, "efac:ContractReference/cbc:ID"),
      tenderIds,
    });
  }

  const awards = allOf(result, "efac:LotResult").flatMap((lotResult) =>
    mapLotResult(context, lotResult, { parties, tenders, contracts, knownLots }),
  );
  return { awards, awardedValue: amount(context, single(context, result, "cbc:TotalAmount")) };
}

function mapLotResult(
  context: NoticeContext,
  lotResult: XmlElement,
  known: {
    parties: ReadonlyMap<string, ParsedWinner[]>;
    tenders: ReadonlyMap<string, TenderInfo>;
    contracts: ReadonlyMap<string, ContractInfo>;
    knownLots: ReadonlySet<string>;
  },
): ParsedAward[] {
  const lotId = singleText(context, lotResult, "efac:TenderLot/cbc:ID");
  if (lotId !== null && !known.knownLots.has(lotId)) {
    context.issues.add(pathBelow(lotResult, "efac:TenderLot/cbc:ID"), `result for lot ${lotId}, which the notice does not define`);
  }
  const resultCode = singleText(context, lotResult, "cbc:TenderResultCode");
  const contractIds = referencedIds(context, lotResult, "efac:SettledContract/cbc:ID", known.contracts, "contract");
  const listedTenderIds = referencedIds(context, lotResult, "efac:LotTender/cbc:ID", known.tenders, "tender");
  const contracted = unique(contractIds.flatMap((id) => known.contracts.get(id)?.tenderIds ?? []));
  const winning =
    contracted.length > 0
      ? contracted.filter((id) => {
          const tenderLot = known.tenders.get(id)?.lotId ?? null;
          return lotId === null || tenderLot === null || tenderLot === lotId;
        })
      : resultCode === "selec-w"
        ? listedTenderIds.filter((id) => [null, 1].includes(known.tenders.get(id)?.rank ?? null))
        : [];
  const received = allOf(lotResult, "efac:ReceivedSubmissionsStatistics").find(
    (statistics) => textOf(statistics, "efbc:StatisticsCode") === "tenders",
  );
  const receivedCount = single(context, received, "efbc:StatisticsNumeric");
  const base = {
    resultId: singleText(context, lotResult, "cbc:ID"),
    lotId,
    resultCode,
    tendersReceived: receivedCount ? integer(context, receivedCount) : null,
  };
  if (winning.length === 0) {
    return [
      {
        ...base,
        tenderId: null,
        tenderReference: null,
        winners: [],
        amount: null,
        awardDate: null,
        contractConclusionDate: null,
        contractReference: null,
      },
    ];
  }
  return winning.map((tenderId): ParsedAward => {
    const tender = known.tenders.get(tenderId) ?? null;
    const contract =
      contractIds.map((id) => known.contracts.get(id)).find((candidate) => candidate?.tenderIds.includes(tenderId)) ??
      [...known.contracts.values()].find((candidate) => candidate.tenderIds.includes(tenderId)) ??
      null;
    return {
      ...base,
      lotId: lotId ?? tender?.lotId ?? null,
      tenderId,
      tenderReference: tender?.reference ?? null,
      winners: tender?.partyId ? (known.parties.get(tender.partyId) ?? []).map((winner) => ({ ...winner })) : [],
      amount: tender?.amount ?? null,
      awardDate: contract?.awardDate ?? null,
      contractConclusionDate: contract?.conclusionDate ?? null,
      contractReference: contract?.reference ?? null,
    };
  });
}

/** The identifiers at `path` below `element`, each checked against the defined ones. */
function referencedIds(
  context: Context,
  element: XmlElement,
  path: string,
  defined: ReadonlyMap<string, unknown>,
  what: string,
): string[] {
  return unique(
    allOf(element, path).flatMap((reference) => {
      const id = textOf(reference);
      if (id === null) return [];
      if (!defined.has(id)) {
        context.issues.add(reference.path, `refers to ${what} ${id}, which the notice does not define`);
        return [];
      }
      return [id];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Changes

interface Changes {
  readonly present: boolean;
  readonly changedNoticeId: string | null;
  readonly changedNoticeVersion: string | null;
  readonly reasonCode: string | null;
  readonly description: string | null;
  readonly sections: string[];
}

function mapChanges(context: Context, changes: XmlElement | null): Changes {
  if (changes === null) {
    return { present: false, changedNoticeId: null, changedNoticeVersion: null, reasonCode: null, description: null, sections: [] };
  }
  const changed = singleText(context, changes, "efbc:ChangedNoticeIdentifier");
  const [, versionedId, version] = (changed ? /^(.+)-(\d{2})$/.exec(changed) : null) ?? [];
  const reason = single(context, changes, "efac:ChangeReason");
  const descriptions = allOf(changes, "efac:Change")
    .map((change) => localized(context, change, "efbc:ChangeDescription", multiLine)?.text ?? null)
    .filter(isPresent);
  return {
    present: true,
    changedNoticeId: versionedId ?? changed,
    changedNoticeVersion: version ?? null,
    reasonCode: singleText(context, reason, "cbc:ReasonCode"),
    description:
      descriptions.length > 0
        ? descriptions.join("\n\n")
        : (localized(context, reason, "efbc:ReasonDescription", multiLine)?.text ?? null),
    sections: unique(
      allOf(changes, "efac:Change/efac:ChangedSection/efbc:ChangedSectionIdentifier")
        .map((section) => textOf(section))
        .filter(isPresent),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers: cardinality, texts, values

function asRootElement(name: string): NoticeRootElement | null {
  return name === "ContractNotice" || name === "PriorInformationNotice" || name === "ContractAwardNotice" ? name : null;
}

function isPresent<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** The element at `path`, reporting an issue when the notice holds several where one is allowed. */
function single(context: Context, element: XmlElement | null | undefined, path: string): XmlElement | null {
  const found = allOf(element, path);
  if (found.length > 1 && element) {
    context.issues.add(pathBelow(element, path), `${found.length} elements where at most one is allowed`);
  }
  return found[0] ?? null;
}

/** Text of the single element at `path`, `null` when absent or empty. */
function singleText(context: Context, element: XmlElement | null | undefined, path: string): string | null {
  return textOf(single(context, element, path));
}

/** Text of the single element at `path`, reporting `message` when absent or empty. */
function requiredText(context: Context, element: XmlElement, path: string, message: string): string | null {
  const text = singleText(context, element, path);
  if (text === null) context.issues.add(pathBelow(element, path), message);
  return text;
}

/** The text of a multilingual field at `path`, in the preferred language (see {@link pickLocalized}). */
function localized(context: Context, element: XmlElement | null, path: string, style: TextStyle): LanguageText | null {
  return pickLocalized(context, allOf(element, path), style);
}

/**
 * Chooses among the language variants of one field (elements with `languageID`): French, else
 * the notice language, else the first; reports a language given twice.
 */
function pickLocalized(context: Context, elements: readonly XmlElement[], style: TextStyle): LanguageText | null {
  const variants = elements
    .map((element) => ({ element, text: style(element.text), language: attributeOf(element, "languageID")?.toUpperCase() ?? null }))
    .filter((variant) => variant.text !== "");
  for (const language of repeatedLanguages(variants)) {
    const repeated = variants.filter((variant) => variant.language === language);
    const [, second] = repeated;
    if (!second) continue; // a repeated language has two variants at least
    context.issues.add(
      pathWithoutPosition(second.element),
      `${repeated.length} values in language ${language} where one is allowed`,
    );
  }
  const chosen = pickLanguage(variants, context.preferred);
  return chosen ? { text: chosen.text, language: chosen.language } : null;
}

function amount(context: Context, element: XmlElement | null): MoneyAmount | null {
  if (element === null || element.text === "") return null;
  const value = parseDecimal(element.text);
  const currency = parseCurrency(attributeOf(element, "currencyID"));
  if (value === null) context.issues.add(element.path, `invalid amount "${element.text}"`);
  if (currency === null) context.issues.add(element.path, "amount without a valid currencyID");
  return value !== null && currency !== null ? { amount: value, currency } : null;
}

function dateTime(context: Context, date: XmlElement | null, time: XmlElement | null): Date | null {
  if (date === null || date.text === "") return null;
  const timeText = time !== null && time.text !== "" ? time.text : null;
  const value = parseDateTime(date.text, timeText);
  if (value === null) {
    const shown = timeText === null ? date.text : `${date.text} ${timeText}`;
    context.issues.add(date.path, `invalid date "${shown}"${timeText === null ? "" : " (date and time)"}`);
  }
  return value;
}

/** End of a period (`cbc:EndDate` + `cbc:EndTime`). */
function periodEnd(context: Context, period: XmlElement | null): Date | null {
  return dateTime(context, single(context, period, "cbc:EndDate"), single(context, period, "cbc:EndTime"));
}

/** The earliest of some instants. */
function earliest(dates: readonly (Date | null)[]): Date | null {
  const times = dates.filter(isPresent).map((date) => date.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}

function integer(context: Context, element: XmlElement): number | null {
  if (element.text === "") return null;
  const value = parseInteger(element.text);
  if (value === null) context.issues.add(element.path, `invalid number "${element.text}"`);
  return value;
}

function decimal(context: Context, element: XmlElement): number | null {
  if (element.text === "") return null;
  const value = parseDecimal(element.text);
  if (value === null) context.issues.add(element.path, `invalid number "${element.text}"`);
  return value;
}

function boolean(context: Context, element: XmlElement): boolean | null {
  if (element.text === "") return null;
  const value = parseBoolean(element.text);
  if (value === null) context.issues.add(element.path, `invalid indicator "${element.text}" (true or false)`);
  return value;
}
