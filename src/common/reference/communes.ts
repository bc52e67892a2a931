/**
 * Every commune of the 101 departments (about 35,000), loaded once from commune-data.json and
 * indexed at module load: INSEE code, name, department, postcodes, population, and a point with
 * its precision (the commune's own point, or the documented fallback: README.md beside this file).
 * No dependency and no ORM: re-exported by reference.ts.
 */
import communeData from "./commune-data.json";

/**
 * Where a commune's point comes from. A commune without a point of its own (most communes under
 * a few hundred inhabitants) gets the first fallback that exists, in this order.
 */
export type PointPrecision = "COMMUNE" | "POSTCODE" | "ARRONDISSEMENT" | "DEPARTMENT";

/** The precision codes of commune-data.json, in the generator's order. */
const PRECISIONS: readonly PointPrecision[] = ["COMMUNE", "POSTCODE", "ARRONDISSEMENT", "DEPARTMENT"];

export interface Commune {
  /** INSEE commune code (5 characters, "2A004" in Corsica). */
  readonly insee: string;
  readonly name: string;
  /** INSEE code of the department. */
  readonly dept: string;
  /** Postcodes serving the commune, sorted. */
  readonly postcodes: readonly string[];
  /** Point of the commune, degrees (WGS 84): see `precision` for where it comes from. */
  readonly lat: number;
  readonly lon: number;
  /** COMMUNE: its own main place; otherwise the fallback used (README.md beside this file). */
  readonly precision: PointPrecision;
  /** Municipal population (INSEE). */
  readonly population: number;
}

/** What `findCommune` looks for; at least one field should be given. */
export interface CommuneQuery {
  /** INSEE code: wins over the name. */
  insee?: string;
  /** Name, matched ignoring case, accents, hyphens and apostrophes ("SAINT-ETIENNE", "St Étienne"). */
  name?: string;
  /** Postcode: preferred among communes of the same name, or the only criterion. */
  postcode?: string;
  /** Department code: restricts the search to that department. */
  dept?: string;
}

/** commune-data.json rows: [insee, name, postcodes, lat, lon, population, precision code]. */
type RawCommune = [string, string, string[], number, number, number, number];

/** "2A004" → "2A", "97411" → "974", "76540" → "76". */
function deptOfInsee(insee: string): string {
  return insee.startsWith("97") ? insee.slice(0, 3) : insee.slice(0, 2);
}

/** A department code as the reference writes it ("1" → "01", "2a" → "2A"), or the input upper-cased. */
function deptCode(code: string): string {
  const c = code.trim().toUpperCase();
  return /^\d$/.test(c) ? `0${c}` : c;
}

interface Index {
  readonly all: readonly Commune[];
  readonly byInsee: ReadonlyMap<string, Commune>;
  readonly byName: ReadonlyMap<string, readonly Commune[]>;
  readonly byPostcode: ReadonlyMap<string, readonly Commune[]>;
  readonly byDept: ReadonlyMap<string, readonly Commune[]>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function buildIndex(): Index {
  const all = Object.freeze(
    (communeData as unknown as readonly RawCommune[]).map(([insee, name, postcodes, lat, lon, population, precision]) =>
      Object.freeze({
        insee,
        name,
        dept: deptOfInsee(insee),
        postcodes: Object.freeze(postcodes),
        lat,
        lon,
        precision: PRECISIONS[precision] ?? "DEPARTMENT",
        population,
      }),
    ),
  );
  const byName = new Map<string, Commune[]>();
  const byPostcode = new Map<string, Commune[]>();
  const byDept = new Map<string, Commune[]>();
  for (const c of all) {
    push(byName, nameLookupKey(c.name), c);
    for (const p of c.postcodes) push(byPostcode, p, c);
    push(byDept, c.dept, c);
  }
  const byPopulation = (a: Commune, b: Commune): number => b.population - a.population || a.insee.localeCompare(b.insee);
  for (const map of [byName, byPostcode, byDept]) {
    for (const list of map.values()) list.sort(byPopulation);
  }
  return { all, byInsee: new Map(all.map((c) => [c.insee, c])), byName, byPostcode, byDept };
}

// Built on first use, not at import: 35,000 communes cost a fraction of a second of CPU and about
// 20 MB of heap, which a process that never places anything (most test files) need not pay.
let built: Index | undefined;
function index(): Index {
  built ??= buildIndex();
  return built;
}

/**
 * The key under which place names are compared: lower case, no accents, ligatures expanded,
 * any run of spaces, hyphens, apostrophes or punctuation as one space, and the abbreviations
 * "St"/"Ste" read as "Saint"/"Sainte". "SAINT-ETIENNE", "St Étienne" → "saint etienne".
 */
export function placeNameKey(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/œ/g, "oe")
    .replace(/æ/g, "ae")
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .map((word) => (word === "st" ? "saint" : word === "ste" ? "sainte" : word))
    .join(" ");
}

/** `placeNameKey` without spaces, so that elisions match too: "L'Haÿ-les-Roses" = "Lhay les Roses". */
function nameLookupKey(name: string): string {
  return placeNameKey(name).replace(/ /g, "");
}

/** The department-level part of a postcode: "974" for overseas ("97xxx"), else the first 2 digits. */
function postcodeArea(postcode: string): string {
  return postcode.startsWith("97") ? postcode.slice(0, 3) : postcode.slice(0, 2);
}

/** Every commune of the 101 departments, sorted by INSEE code. */
export function communes(): readonly Commune[] {
  return index().all;
}

/** Communes served by a postcode, most populous first; [] if none. */
export function communesOfPostcode(postcode: string): readonly Commune[] {
  return index().byPostcode.get(postcode.trim()) ?? [];
}

/** The communes bearing a name (case, accent and punctuation insensitive), most populous first. */
export function communesNamed(name: string): readonly Commune[] {
  return index().byName.get(nameLookupKey(name)) ?? [];
}

/**
 * Finds one commune, a best guess for data that comes with its own context (notices, imports):
 * - by `insee` when given (undefined if it contradicts a given `dept` or `postcode`);
 * - else by `name` (case, accent and punctuation insensitive). `dept` restricts the search to
 *   that department; among communes sharing the name, the one served by `postcode` is preferred,
 *   then one whose postcode starts like it (same department), then the most populous;
 * - else by `postcode` alone (the most populous commune it serves);
 * - else by `dept` alone (its most populous commune).
 * Returns undefined when nothing matches or the query is empty. Input typed by a person goes
 * through `lookupCommune`, which refuses to guess between namesakes.
 */
export function findCommune(query: CommuneQuery): Commune | undefined {
  const dept = query.dept === undefined ? undefined : deptCode(query.dept);
  const postcode = query.postcode?.trim() || undefined;

  if (query.insee !== undefined && query.insee.trim() !== "") {
    const commune = index().byInsee.get(query.insee.trim().toUpperCase());
    if (!commune) return undefined;
    if (dept !== undefined && commune.dept !== dept) return undefined;
    if (postcode !== undefined && !commune.postcodes.includes(postcode)) return undefined;
    return commune;
  }

  if (query.name !== undefined && query.name.trim() !== "") {
    let candidates: readonly Commune[] = communesNamed(query.name);
    if (dept !== undefined) candidates = candidates.filter((c) => c.dept === dept);
    if (candidates.length <= 1 || postcode === undefined) return candidates[0];
    const exact = candidates.find((c) => c.postcodes.includes(postcode));
    if (exact) return exact;
    const area = postcodeArea(postcode);
    const sameArea = candidates.find((c) => c.postcodes.some((p) => postcodeArea(p) === area));
    return sameArea ?? candidates[0];
  }

  if (postcode !== undefined) {
    const served = communesOfPostcode(postcode);
    return dept === undefined ? served[0] : served.find((c) => c.dept === dept);
  }

  if (dept !== undefined) return index().byDept.get(dept)?.[0];
  return undefined;
}

/**
 * A namesake this many times as populous as every other is the one a person means ("Valence"
 * is the Drôme's); below that, the name is ambiguous ("Saint-Denis": Réunion or Seine-Saint-Denis).
 */
export const DOMINANT_NAMESAKE_RATIO = 10;

/** What `lookupCommune` found: one commune, or why not (with the namesakes when ambiguous). */
export type CommuneLookup =
  | { readonly kind: "FOUND"; readonly commune: Commune }
  | { readonly kind: "UNKNOWN" }
  | { readonly kind: "AMBIGUOUS"; readonly candidates: readonly Commune[] };

const INSEE_CODE = /^(\d{5}|2[AB]\d{3})$/i;
/** "Saint-Martin (32)", "Saint-Martin (2A)", "Saint-Martin (974)" or "Saint-Martin (32300)". */
const NAME_WITH_QUALIFIER = /^(.*\S)\s*\(\s*(\d{5}|\d{1,3}|2[AB])\s*\)$/i;

/**
 * Resolves a commune typed by a person: an INSEE code, a name, or a name followed by its
 * department or postcode in brackets ("Saint-Martin (32)"). A name shared by several communes
 * (after the optional `postcode` and the bracket narrowed it) is AMBIGUOUS, with the namesakes,
 * unless one is `DOMINANT_NAMESAKE_RATIO` times as populous as every other.
 */
export function lookupCommune(text: string, postcode?: string | null): CommuneLookup {
  const query = text.trim();
  if (INSEE_CODE.test(query)) {
    const commune = index().byInsee.get(query.toUpperCase());
    return commune ? { kind: "FOUND", commune } : { kind: "UNKNOWN" };
  }
  let candidates = namesakes(query);
  const pc = postcode?.trim();
  if (pc && candidates.length > 1) {
    const served = candidates.filter((c) => c.postcodes.includes(pc));
    const area = served.length ? served : candidates.filter((c) => c.postcodes.some((p) => postcodeArea(p) === postcodeArea(pc)));
    if (area.length) candidates = area;
  }
  const [first, second] = candidates;
  if (!first) return { kind: "UNKNOWN" };
  if (!second || first.population >= DOMINANT_NAMESAKE_RATIO * Math.max(second.population, 1)) {
    return { kind: "FOUND", commune: first };
  }
  return { kind: "AMBIGUOUS", candidates };
}

/** The communes of a name, narrowed by a bracketed department or postcode ("Saint-Martin (32)"). */
function namesakes(query: string): readonly Commune[] {
  const qualified = NAME_WITH_QUALIFIER.exec(query);
  const [, name, code] = qualified ?? [];
  if (!name || !code) return communesNamed(query);
  const qualifier = code.toUpperCase();
  return communesNamed(name).filter((c) => (qualifier.length === 5 ? c.postcodes.includes(qualifier) : c.dept === deptCode(qualifier)));
}

/**
 * What a person may mean by a search: for 5 characters that look like a code, the commune of
 * that INSEE code then the communes of that postcode; otherwise the communes of that name
 * (narrowed as `lookupCommune` reads a bracket), most populous first.
 */
export function searchCommunes(text: string): readonly Commune[] {
  const query = text.trim();
  if (INSEE_CODE.test(query)) {
    const own = index().byInsee.get(query.toUpperCase());
    const served = communesOfPostcode(query).filter((c) => c !== own);
    return own ? [own, ...served] : served;
  }
  return namesakes(query);
}

/** "Saint-Martin (32)": how a namesake is written to be told apart, as `lookupCommune` reads it. */
export function communeLabel(commune: Commune): string {
  return `${commune.name} (${commune.dept})`;
}
