import { parseKnownCpv } from "../common/cpv";
import { BadInputError } from "../common/errors";
import * as v from "../common/validate";
import type { AwardCriterion } from "./tender.values";
import type { AwardCriterionInput, GroupRulesInput, LotInput, PlaceInput } from "./tender.inputs";
import { resolvePlace, type ResolvedPlace } from "./tender.place";

/* The checks of a tender's fields, as its use cases receive them. */

/** The VAT rate of a tender's price schedules when its buyer gives none. */
export const DEFAULT_VAT_RATE = 0.2;

export function vatRate(field: string, value: number): number {
  return v.decimal(field, value, 0, 0.5);
}

export const MAX_VALUE = 2_000_000_000;

export function money(field: string, value: number | null | undefined): number | null {
  return value == null ? null : v.integer(field, value, 0, MAX_VALUE);
}

export function deadline(field: string, value: Date | null | undefined, now: Date): Date | null {
  if (value == null) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new BadInputError(field, "is not a date");
  if (value.getTime() <= now.getTime()) throw new BadInputError(field, "must be in the future");
  return value;
}

export function criteria(field: string, input: AwardCriterionInput[]): AwardCriterion[] {
  if (input.length > 20) throw new BadInputError(field, "at most 20 criteria");
  const list = input.map((c, i) => ({
    name: v.text(`${field}[${i}].name`, c.name, { max: 200 }),
    weight: c.weight == null ? null : v.decimal(`${field}[${i}].weight`, c.weight, 0, 100),
  }));
  const total = list.reduce((s, c) => s + (c.weight ?? 0), 0);
  if (total > 100.0001) throw new BadInputError(field, "weights add up to more than 100");
  return list;
}

export function groupRules(field: string, input: GroupRulesInput) {
  return {
    maxLotsPerTenderer: input.maxLotsPerTenderer == null ? null : v.integer(`${field}.maxLotsPerTenderer`, input.maxLotsPerTenderer, 1, 999),
    maxLotsAwardedPerTenderer:
      input.maxLotsAwardedPerTenderer == null ? null : v.integer(`${field}.maxLotsAwardedPerTenderer`, input.maxLotsAwardedPerTenderer, 1, 999),
    multipleOffersForbidden: input.multipleOffersForbidden ?? null,
    groupLegalFormRequired: input.groupLegalFormRequired ?? null,
    groupLegalForm: v.optionalText(`${field}.groupLegalForm`, input.groupLegalForm, { max: 2000, multiline: true }),
    bidAloneAndInGroupAllowed: input.bidAloneAndInGroupAllowed ?? null,
  };
}

export interface LotValues {
  number: number;
  title: string;
  description: string | null;
  cpvCodes: string[];
  estimatedValue: number | null;
}

export function lots(field: string, input: LotInput[]): LotValues[] {
  if (input.length > 200) throw new BadInputError(field, "at most 200 lots");
  const numbers = new Set<number>();
  return input.map((lot, i) => {
    const f = `${field}[${i}]`;
    const number = v.integer(`${f}.number`, lot.number, 0, 999);
    if (numbers.has(number)) throw new BadInputError(`${f}.number`, "is used by another lot");
    numbers.add(number);
    if (!Array.isArray(lot.cpvCodes) || lot.cpvCodes.length === 0) throw new BadInputError(`${f}.cpvCodes`, "give at least one CPV code");
    if (lot.cpvCodes.length > 20) throw new BadInputError(`${f}.cpvCodes`, "at most 20 codes");
    return {
      number,
      title: v.text(`${f}.title`, lot.title, { max: 500 }),
      description: v.optionalText(`${f}.description`, lot.description, { max: 20000, multiline: true }),
      cpvCodes: [...new Set(lot.cpvCodes.map((c, j) => parseKnownCpv(`${f}.cpvCodes[${j}]`, c)))],
      estimatedValue: money(`${f}.estimatedValue`, lot.estimatedValue),
    };
  });
}

export function place(field: string, input: PlaceInput): ResolvedPlace {
  const nuts = v.optionalText(`${field}.nutsCode`, input.nutsCode, { max: 5 });
  if (nuts !== null && !/^[A-Z]{2}[A-Z0-9]{1,3}$/i.test(nuts)) throw new BadInputError(`${field}.nutsCode`, "is not a NUTS code");
  const communeCode = v.optionalText(`${field}.communeCode`, input.communeCode, { max: 5 });
  const postcode = v.optionalText(`${field}.postcode`, input.postcode, { max: 5 });
  if (postcode !== null && !/^\d{5}$/.test(postcode)) throw new BadInputError(`${field}.postcode`, "must be 5 digits");
  const city = v.optionalText(`${field}.city`, input.city, { max: 200 });
  const resolved = resolvePlace({
    nuts,
    communeCode,
    city,
    postcode,
    description: v.optionalText(`${field}.description`, input.description, { max: 2000, multiline: true }),
  });
  if (communeCode !== null && !resolved.place.communeCode) throw new BadInputError(`${field}.communeCode`, "is not a known commune");
  const hasLat = input.latitude != null;
  const hasLon = input.longitude != null;
  if (hasLat !== hasLon) throw new BadInputError(`${field}.${hasLat ? "longitude" : "latitude"}`, "give both coordinates");
  if (hasLat && hasLon) {
    resolved.place.latitude = v.latitude(`${field}.latitude`, input.latitude as number);
    resolved.place.longitude = v.longitude(`${field}.longitude`, input.longitude as number);
  }
  return resolved;
}

export function currency(field: string, value: string | null | undefined): string {
  const c = v.optionalText(field, value, { max: 3 });
  if (c === null) return "EUR";
  if (!/^[A-Z]{3}$/.test(c)) throw new BadInputError(field, "must be an ISO 4217 code such as EUR");
  return c;
}
