/**
 * Reference data of the communication trades, loaded once and indexed at module load:
 *
 * - CPV 2008 codes of the trades the federation covers, with their official French labels
 *   (Regulation (EC) No 213/2008), including every ancestor of each code;
 * - the 18 French regions and the 101 departments (INSEE codes, NUTS-3 code of each department,
 *   chef-lieu / prefecture and its coordinates);
 * - every commune (INSEE code, postcodes, a point and its precision, population): communes.ts,
 *   re-exported here.
 *
 * Sources, licences and how the JSON files were generated: README.md beside this file.
 * No dependency: plain lookups on Maps built when the module is first imported.
 */
import cpvData from "./cpv.fr.json";
import departmentData from "./departments.json";
import regionData from "./regions.json";

export * from "./communes";

// ---------------------------------------------------------------------------------------------
// Types

/** One CPV code: 8 digits, its check digit as published, and its official French label. */
export interface CpvEntry {
  /** 8 digits, e.g. "79340000". */
  readonly code: string;
  /** The check digit published with the code ("79340000-9" → "9"). */
  readonly check: string;
  /** Official French label, e.g. "Services de publicité et de marketing". */
  readonly label: string;
}

export interface Region {
  /** INSEE region code, 2 characters: "11" (Île-de-France) ... "94" (Corse), "01".."06" overseas. */
  readonly code: string;
  readonly name: string;
  /** True for the 5 overseas regions (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte). */
  readonly overseas: boolean;
  /** Chef-lieu of the region. */
  readonly chefLieu: { readonly insee: string; readonly name: string };
  /** Coordinates of the chef-lieu, degrees (WGS 84). */
  readonly lat: number;
  readonly lon: number;
}

export interface Department {
  /** INSEE department code: "01".."95", "2A", "2B", "971".."974", "976". */
  readonly code: string;
  readonly name: string;
  /** INSEE code of the region the department belongs to. */
  readonly region: string;
  /** NUTS level 3 code, e.g. "FR101" (Paris), "FRY10" (Guadeloupe). */
  readonly nuts3: string;
  /** Prefecture (chef-lieu) of the department. */
  readonly prefecture: { readonly insee: string; readonly name: string };
  /** Coordinates of the prefecture, degrees (WGS 84). */
  readonly lat: number;
  readonly lon: number;
}

// ---------------------------------------------------------------------------------------------
// Loading and indexes (built once)

function freezeAll<T extends object>(items: readonly T[]): readonly T[] {
  for (const item of items) Object.freeze(item);
  return Object.freeze(items.slice());
}

const CPV: readonly CpvEntry[] = freezeAll((cpvData as readonly CpvEntry[]).map((e) => ({ code: e.code, check: e.check, label: e.label })));
const CPV_BY_CODE = new Map<string, CpvEntry>(CPV.map((e) => [e.code, e]));

const REGIONS: readonly Region[] = freezeAll((regionData as readonly Region[]).map((r) => ({ ...r, chefLieu: Object.freeze({ ...r.chefLieu }) })));
const REGION_BY_CODE = new Map<string, Region>(REGIONS.map((r) => [r.code, r]));

const DEPARTMENTS: readonly Department[] = freezeAll(
  (departmentData as readonly Department[]).map((d) => ({ ...d, prefecture: Object.freeze({ ...d.prefecture }) })),
);
const DEPARTMENT_BY_CODE = new Map<string, Department>(DEPARTMENTS.map((d) => [d.code, d]));
const DEPARTMENT_BY_NUTS = new Map<string, Department>(DEPARTMENTS.map((d) => [d.nuts3, d]));
const DEPARTMENTS_BY_REGION = new Map<string, readonly Department[]>();
for (const region of REGIONS) {
  DEPARTMENTS_BY_REGION.set(region.code, Object.freeze(DEPARTMENTS.filter((d) => d.region === region.code)));
}

// ---------------------------------------------------------------------------------------------
// CPV

const CPV_INPUT = /^(\d{8})(?:-(\d))?$/;

/** Splits "79340000", "79340000-9" or " 79340000 - 9 " into code and optional check digit. */
function parseCpv(input: string): { code: string; check?: string } | null {
  const [, code, check] = CPV_INPUT.exec(input.replace(/\s+/g, "")) ?? [];
  if (code === undefined) return null;
  return check === undefined ? { code } : { code, check };
}

/** All CPV codes of the reference list, sorted by code. */
export function cpvCodes(): readonly CpvEntry[] {
  return CPV;
}

/**
 * The CPV entry for "79340000" or "79340000-9"; undefined when the code is not in the list,
 * is malformed, or comes with a check digit other than the published one.
 */
export function findCpv(input: string): CpvEntry | undefined {
  // The stored form, a bare code: found without parsing (each skill of a directory page, twice).
  const stored = CPV_BY_CODE.get(input);
  if (stored) return stored;
  const parsed = parseCpv(input);
  if (!parsed) return undefined;
  const entry = CPV_BY_CODE.get(parsed.code);
  if (!entry || (parsed.check !== undefined && parsed.check !== entry.check)) return undefined;
  return entry;
}

/** The official French label of a known CPV code, else undefined. */
export function cpvLabel(input: string): string | undefined {
  return findCpv(input)?.label;
}

/** "79340000" → "79340000-9" (the published form), or undefined for an unknown code. */
export function formatCpv(input: string): string | undefined {
  const entry = findCpv(input);
  return entry ? `${entry.code}-${entry.check}` : undefined;
}

/**
 * The codes on the path from the division down to the parent, by the trailing-zeros rule:
 * division = 2 significant digits (79000000), group = 3 (79800000), class = 4 (79820000),
 * category = 5 (79822000), then 6 and 7 digits. Only codes present in the list are returned,
 * root first; the code itself is not included. Works for any well-formed 8-digit code, known
 * or not; [] for malformed input or a division.
 */
export function cpvAncestors(input: string): string[] {
  const parsed = parseCpv(input);
  if (!parsed) return [];
  const significant = parsed.code.replace(/0+$/, "");
  const ancestors: string[] = [];
  for (let length = 2; length < significant.length; length++) {
    const candidate = significant.slice(0, length).padEnd(8, "0");
    if (candidate !== parsed.code && CPV_BY_CODE.has(candidate) && !ancestors.includes(candidate)) {
      ancestors.push(candidate);
    }
  }
  return ancestors;
}

/**
 * True when `code` is `ancestor` itself or lies below it in the CPV hierarchy (trailing-zeros
 * rule: "79822500" is within "79800000"). Both may carry a check digit; false if malformed.
 */
export function cpvIsWithin(code: string, ancestor: string): boolean {
  const c = parseCpv(code);
  const a = parseCpv(ancestor);
  if (!c || !a) return false;
  const prefix = a.code.replace(/0+$/, "");
  return c.code.startsWith(prefix.length >= 2 ? prefix : a.code.slice(0, 2));
}

// ---------------------------------------------------------------------------------------------
// Regions and departments

/** The 18 regions (13 metropolitan, 5 overseas), sorted by code. */
export function regions(): readonly Region[] {
  return REGIONS;
}

/** Region by INSEE code ("84", also "1" for "01"); undefined if unknown. */
export function findRegion(code: string): Region | undefined {
  const c = code.trim();
  return REGION_BY_CODE.get(/^\d$/.test(c) ? `0${c}` : c);
}

/** The 101 departments, sorted by code. */
export function departments(): readonly Department[] {
  return DEPARTMENTS;
}

/** Department by INSEE code ("01", "1", "2a", "974"); undefined if unknown. */
export function findDepartment(code: string): Department | undefined {
  const c = code.trim().toUpperCase();
  return DEPARTMENT_BY_CODE.get(/^\d$/.test(c) ? `0${c}` : c);
}

/** Department of a NUTS-3 code ("FR101" → Paris, case-insensitive); undefined if unknown. */
export function departmentOfNuts(nuts3: string): Department | undefined {
  return DEPARTMENT_BY_NUTS.get(nuts3.trim().toUpperCase());
}

/** The departments of a region, sorted by code; [] for an unknown region. */
export function departmentsOfRegion(regionCode: string): readonly Department[] {
  const region = findRegion(regionCode);
  return region ? (DEPARTMENTS_BY_REGION.get(region.code) ?? []) : [];
}
