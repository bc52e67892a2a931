import { BadInputError } from "../common/errors";
import {
  communeLabel,
  departments,
  departmentsOfRegion,
  findCommune,
  findDepartment,
  findRegion,
  lookupCommune,
  communesOfPostcode,
  regions,
  searchCommunes,
  type Commune,
} from "../common/reference/reference";
import { pageSize } from "../common/pagination";
import * as v from "../common/validate";
import { toCommune, toDepartment, toRegion, type CommuneType, type DepartmentType, type RegionType } from "./place.types";

/** At most this many namesakes are named in an AMBIGUOUS answer. */
const NAMED_CANDIDATES = 8;

export function listRegions(): RegionType[] {
  return regions().map(toRegion);
}

/** A region code as the filters take it, checked: BAD_USER_INPUT naming `field` when unknown. */
export function regionCode(field: string, value: string): string {
  const region = findRegion(v.text(field, value, { max: 3 }));
  if (!region) throw new BadInputError(field, "is not a region code: the `regions` query lists them");
  return region.code;
}

/** A department code as the filters take it ("1" → "01", "2a" → "2A"), checked like `regionCode`. */
export function departmentCode(field: string, value: string): string {
  const department = findDepartment(v.text(field, value, { max: 3 }));
  if (!department) throw new BadInputError(field, "is not a department code: the `departments` query lists them");
  return department.code;
}

export function listDepartments(region?: string | null, field = "region"): DepartmentType[] {
  if (region == null) return departments().map(toDepartment);
  return departmentsOfRegion(regionCode(field, region)).map(toDepartment);
}

export function regionOf(code: string): RegionType {
  const region = findRegion(code);
  if (!region) throw new Error(`reference data: no region ${code}`);
  return toRegion(region);
}

export function departmentOf(code: string): DepartmentType {
  const department = findDepartment(code);
  if (!department) throw new Error(`reference data: no department ${code}`);
  return toDepartment(department);
}

/* A stored place's codes as reference records: null for no code, or one the reference does not know. */

export function communeByCode(code: string | null): CommuneType | null {
  const commune = code === null ? undefined : findCommune({ insee: code });
  return commune ? toCommune(commune) : null;
}

export function departmentByCode(code: string | null): DepartmentType | null {
  const department = code === null ? undefined : findDepartment(code);
  return department ? toDepartment(department) : null;
}

export function regionByCode(code: string | null): RegionType | null {
  const region = code === null ? undefined : findRegion(code);
  return region ? toRegion(region) : null;
}

export function searchCommuneList(search: string, first?: number | null): CommuneType[] {
  const text = v.text("search", search, { max: 200 });
  return searchCommunes(text).slice(0, pageSize(first, 50)).map(toCommune);
}

/**
 * The one commune a person means (INSEE code, name, `Name (dept)`, helped by a postcode), or
 * BAD_USER_INPUT on `field`: unknown, or ambiguous with the namesakes named so the person can
 * pick (`Saint-Denis (93)`).
 */
export function communeOf(field: string, text: string, postcode?: string | null): Commune {
  const found = lookupCommune(text, postcode);
  if (found.kind === "FOUND") return found.commune;
  if (found.kind === "UNKNOWN") throw new BadInputError(field, "is not a known commune (INSEE code, name, or `Name (department)`)");
  const named = found.candidates.slice(0, NAMED_CANDIDATES).map(communeLabel).join(", ");
  const more = found.candidates.length > NAMED_CANDIDATES ? `, and ${found.candidates.length - NAMED_CANDIDATES} more` : "";
  throw new BadInputError(
    field,
    `${found.candidates.length} communes bear this name: ${named}${more}; write the one meant with its department, e.g. \`${communeLabel(found.candidates[0] as Commune)}\`, or give its INSEE code`,
  );
}

/** The communes a postcode serves, most populous first; BAD_USER_INPUT on `field` when it serves none. */
export function communesOfKnownPostcode(field: string, postcode: string): readonly [Commune, ...Commune[]] {
  if (!/^\d{5}$/.test(postcode)) throw new BadInputError(field, "must be 5 digits");
  const [first, ...others] = communesOfPostcode(postcode);
  if (!first) throw new BadInputError(field, "is not a known postcode");
  return [first, ...others];
}
