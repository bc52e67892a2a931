import { BadInputError } from "../common/errors";
import { cpvCodes, findDepartment, findRegion } from "../common/reference/reference";
import { knownCpv } from "../common/cpv";
import * as v from "../common/validate";
import { communeOf } from "../places/place.service";
import { cpvFilterPrefix } from "../tenders/tender.cpv";
import { TenderKind } from "../tenders/tender.enums";
import { AlertDelivery } from "./saved-search.enums";
import type { SavedSearch } from "./saved-search.entity";
import type { SavedSearchNearInput, SaveSearchInput, UpdateSavedSearchInput } from "./saved-search.inputs";

/** The checked columns of a saved search; each key present is written. */
export type Criteria = Partial<
  Pick<
    SavedSearch,
    | "name"
    | "cpvCodes"
    | "cpvPrefixes"
    | "departmentCodes"
    | "regionCodes"
    | "nearCommuneCode"
    | "nearCommuneName"
    | "nearLatitude"
    | "nearLongitude"
    | "nearRadiusKm"
    | "keywords"
    | "kinds"
    | "minValue"
    | "delivery"
  >
>;

const MAX_VALUE = 2_000_000_000;
/** Letters (Latin, with accents), digits, spaces, hyphens and apostrophes: what `search_fold` keeps or turns into a space. */
const KEYWORD = /^[0-9A-Za-zÀ-ÖØ-öø-ÿŒœÆæ' ’-]+$/;

function list<T>(field: string, values: readonly T[] | null | undefined, max: number, check: (value: T, field: string) => string): string[] {
  if (values == null) return [];
  if (values.length > max) throw new BadInputError(field, `at most ${max} items`);
  return [...new Set(values.map((value, i) => check(value, `${field}[${i}]`)))];
}

/**
 * A full CPV code (8 digits, check digit optional and then checked) or a prefix of 2 to 7 digits
 * without trailing zeros (`798`, not `7980`: zeros are not significant in CPV), under some code
 * of the list. Returns the code as shown and its significant prefix for matching.
 */
function cpv(value: string, field: string): { code: string; prefix: string } {
  const given = v.text(field, value, { max: 10 }).replace(/\s+/g, "");
  if (/^\d{8}(-\d)?$/.test(given)) {
    const code = knownCpv(given);
    if (!code) throw new BadInputError(field, "is not a code of the CPV list (or its check digit is wrong)");
    return { code, prefix: cpvFilterPrefix(field, code) };
  }
  if (!/^\d{2,7}$/.test(given)) throw new BadInputError(field, "must be a CPV code (8 digits) or a prefix of 2 to 7 digits");
  // The division (2 digits) may end with 0 (`30`, `90`); digits after it that are zeros mean "none".
  if (given.length > 2 && given.endsWith("0")) {
    const significant = given.slice(0, 2) + given.slice(2).replace(/0+$/, "");
    throw new BadInputError(field, `zeros at the end of a CPV prefix are not significant: write ${significant} or the full code`);
  }
  if (!cpvCodes().some((c) => c.code.startsWith(given))) throw new BadInputError(field, "is under no code of the CPV list");
  return { code: given, prefix: given };
}

function keyword(value: string, field: string): string {
  const word = v.text(field, value, { max: 100 }).replace(/\s+/g, " ");
  if (!KEYWORD.test(word) || !/[0-9A-Za-zÀ-ÖØ-öø-ÿŒœÆæ]/.test(word)) {
    throw new BadInputError(field, "use letters, digits, spaces, hyphens and apostrophes");
  }
  return word;
}

function near(field: string, input: SavedSearchNearInput | null): Criteria {
  if (input === null) return { nearCommuneCode: null, nearCommuneName: null, nearLatitude: null, nearLongitude: null, nearRadiusKm: null };
  const radiusKm = v.decimal(`${field}.radiusKm`, input.radiusKm, 1, 1000);
  const commune = communeOf(`${field}.commune`, v.text(`${field}.commune`, input.commune, { max: 200 }));
  return { nearCommuneCode: commune.insee, nearCommuneName: commune.name, nearLatitude: commune.lat, nearLongitude: commune.lon, nearRadiusKm: radiusKm };
}

/**
 * Checks the given criteria (a full input, or the keys of an update present in the request) and
 * returns the columns to write. Errors name the field under `input`.
 */
export function checkCriteria(input: SaveSearchInput | UpdateSavedSearchInput, partial: boolean): Criteria {
  const has = (key: keyof SaveSearchInput) => !partial || (Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined);
  const out: Criteria = {};
  if (has("name")) {
    if (input.name == null) throw new BadInputError("input.name", "must not be empty");
    out.name = v.text("input.name", input.name, { max: 200 });
  }
  if (has("cpvCodes")) {
    const given = input.cpvCodes ?? [];
    if (given.length > 20) throw new BadInputError("input.cpvCodes", "at most 20 items");
    const parsed = given.map((c, i) => cpv(c, `input.cpvCodes[${i}]`));
    out.cpvCodes = [...new Set(parsed.map((c) => c.code))];
    out.cpvPrefixes = [...new Set(parsed.map((c) => c.prefix))].sort();
  }
  if (has("departmentCodes")) {
    out.departmentCodes = list("input.departmentCodes", input.departmentCodes, 101, (code, f) => {
      const department = findDepartment(v.text(f, code, { max: 3 }));
      if (!department) throw new BadInputError(f, "is not a department code");
      return department.code;
    });
  }
  if (has("regionCodes")) {
    out.regionCodes = list("input.regionCodes", input.regionCodes, 18, (code, f) => {
      const region = findRegion(v.text(f, code, { max: 2 }));
      if (!region) throw new BadInputError(f, "is not a region code");
      return region.code;
    });
  }
  if (has("near")) Object.assign(out, near("input.near", input.near ?? null));
  if (has("keywords")) out.keywords = list("input.keywords", input.keywords, 20, keyword);
  if (has("kinds")) {
    out.kinds = list("input.kinds", input.kinds, 3, (kind, f) => {
      if (!Object.values(TenderKind).includes(kind)) throw new BadInputError(f, "is not a tender kind");
      return kind;
    }) as TenderKind[];
  }
  if (has("minValue")) out.minValue = input.minValue == null ? null : v.integer("input.minValue", input.minValue, 0, MAX_VALUE);
  if (has("delivery")) {
    const delivery = input.delivery ?? AlertDelivery.INBOX;
    if (!Object.values(AlertDelivery).includes(delivery)) throw new BadInputError("input.delivery", "is not a delivery choice");
    out.delivery = delivery;
  }
  return out;
}

/** A search with no criterion would announce every tender: at least one is asked for. */
export function assertSomeCriterion(
  s: Pick<SavedSearch, "cpvPrefixes" | "departmentCodes" | "regionCodes" | "nearRadiusKm" | "keywords" | "kinds" | "minValue">,
): void {
  const any =
    s.cpvPrefixes.length > 0 ||
    s.departmentCodes.length > 0 ||
    s.regionCodes.length > 0 ||
    s.nearRadiusKm !== null ||
    s.keywords.length > 0 ||
    s.kinds.length > 0 ||
    s.minValue !== null;
  if (!any) throw new BadInputError("input", "give at least one criterion: CPV codes, places, keywords, kinds or a minimum value");
}
