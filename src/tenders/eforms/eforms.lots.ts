/* The lots of a notice: lots, parts and groups, their CPV codes, places, award criteria and group rules. */
import { cpvDigits } from "../../common/cpv";
import {
  amount,
  boolean,
  decimal,
  EXTENSION,
  integer,
  isPresent,
  localized,
  periodEnd,
  pickLocalized,
  requiredText,
  single,
  singleText,
  type Context,
  type NoticeContext,
} from "./eforms.read";
import type { AwardCriterion, GroupRules, ParsedLot, ParsedLotGroup, Place } from "./eforms.types";
import { multiLine, oneLine, unique } from "./eforms.values";
import { allOf, attributeOf, childrenNamed, firstOf, pathBelow, textOf, type XmlElement } from "./eforms.xml";

/** French labels of the award criterion types (BT-539), used when a criterion has no name. */
const CRITERION_TYPE_LABELS: Readonly<Record<string, string>> = {
  price: "Prix",
  cost: "Coût",
  quality: "Qualité",
};

// ---------------------------------------------------------------------------------------------
// Lots, parts and groups of lots

export function mapLots(
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

export function lotScheme(schemeName: string | null, id: string): "LOT" | "PART" | "GROUP" {
  const scheme = (schemeName ?? "").toLowerCase();
  if (scheme === "lotsgroup" || (scheme === "" && id.startsWith("GLO-"))) return "GROUP";
  if (scheme === "part" || (scheme === "" && id.startsWith("PAR-"))) return "PART";
  return "LOT";
}

export function mapLot(
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

export function mapLotGroup(context: NoticeContext, element: XmlElement, groupId: string, lotDistribution: XmlElement | null): ParsedLotGroup {
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
export function mapLegalForm(context: Context, terms: XmlElement | null): { required: boolean | null; description: string | null } {
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
export function mapCpvCodes(context: Context, project: XmlElement | null): { main: string | null; codes: string[] } {
  const main = single(context, project, "cac:MainCommodityClassification");
  const mainCode = main ? classificationCode(context, main, "BT-262") : null;
  const additional = allOf(project, "cac:AdditionalCommodityClassification")
    .map((classification) => classificationCode(context, classification, "BT-263"))
    .filter(isPresent);
  return { main: mainCode, codes: unique([...(mainCode ? [mainCode] : []), ...additional]) };
}

export function classificationCode(context: Context, classification: XmlElement, term: string): string | null {
  const code = single(context, classification, "cbc:ItemClassificationCode");
  const text = textOf(code);
  if (code === null || text === null) {
    context.issues.add(pathBelow(classification, "cbc:ItemClassificationCode"), `classification without code (${term})`);
    return null;
  }
  const list = attributeOf(code, "listName");
  if (list !== null && list.toLowerCase() !== "cpv") return null; // another classification
  const cpv = cpvDigits(text);
  if (cpv === null) context.issues.add(code.path, `invalid CPV code "${text}" (${term})`);
  return cpv;
}

/** Places of performance (`cac:RealizedLocation`) of a `cac:ProcurementProject`. */
export function mapPlaces(context: Context, project: XmlElement | null): Place[] {
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

export function streetOf(address: XmlElement | null): string | null {
  const lines = [
    textOf(address, "cbc:StreetName"),
    textOf(address, "cbc:AdditionalStreetName"),
    ...allOf(address, "cac:AddressLine/cbc:Line").map((line) => textOf(line)),
  ].filter(isPresent);
  return lines.length > 0 ? lines.map(oneLine).join(", ") : null;
}

/** Award criteria (BG-38) of a lot's or group's `cac:TenderingTerms`. */
export function mapAwardCriteria(context: Context, terms: XmlElement | null): AwardCriterion[] {
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
        localized(context, criterion, "cbc:Name", oneLine)?.text ?? (type !== null ? (CRITERION_TYPE_LABELS[type] ?? type) : null) ?? description ?? "Critère",
      description,
      weight: weightElement ? decimal(context, weightElement) : null,
      weightCode: textOf(weightParameter, "efbc:ParameterCode"),
    };
  });
}

/** The criteria of the lots when every lot has the same ones (type, name, weight), else none. */
export function commonCriteria(lots: readonly ParsedLot[]): AwardCriterion[] {
  const [head] = lots;
  if (!head) return [];
  const key = (criteria: readonly AwardCriterion[]): string =>
    JSON.stringify(criteria.map((criterion) => [criterion.type, criterion.name, criterion.weight, criterion.weightCode]));
  const first = key(head.awardCriteria);
  return lots.every((lot) => key(lot.awardCriteria) === first) ? head.awardCriteria.map((criterion) => ({ ...criterion })) : [];
}

/** BT-769 of the lots, for the whole tender: one lot forbidding multiple tenders is enough to forbid them. */
export function multipleOffersForbidden(lots: readonly ParsedLot[]): boolean | null {
  const codes = lots.map((lot) => lot.multipleTenders);
  if (codes.includes("not-allowed")) return true;
  return codes.includes("allowed") ? false : null;
}

export function mapGroupRules(context: Context, root: XmlElement, lotDistribution: XmlElement | null, lots: readonly ParsedLot[]): GroupRules {
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
