import { readOnlyEntity } from "../common/base.entity";
import { placeOf, type Place } from "../places/place.embeddable";
import { Cooperative, CooperativeSkill } from "./cooperative.entity";

/*
 * The directory's rows as read-only Cooperative objects: only the columns the selection needs,
 * and each cooperative's skills read in the same statement (cooperative.directory.ts).
 */

/** Where a directory row keeps the skills read with it (see preloadedSkills). */
export const SKILLS = Symbol("directory skills");

export interface CooperativeRow extends Cooperative {
  distanceKm?: number | null;
  [SKILLS]?: CooperativeSkill[];
}

/**
 * The skills read with the page, strongest first, when the client asked for them; undefined
 * for a cooperative from anywhere else (the field then goes through its loader).
 */
export function preloadedSkills(cooperative: Cooperative): CooperativeSkill[] | undefined {
  return (cooperative as CooperativeRow)[SKILLS];
}

/**
 * Each row's skills in the page's own statement, as a JSON array of
 * [id, cpv, level, created_at, updated_at], in the loader's order (level desc, code): one round
 * trip for the page and its nested list instead of two, and no DataLoader batch per page.
 * PostgreSQL computes it for the rows the LIMIT keeps only.
 */
export const skillsSql = (dates: boolean) => `(SELECT coalesce(json_agg(json_build_array(k.id, k.cpv, k.level${dates ? ", k.created_at, k.updated_at" : ""})
   ORDER BY k.level DESC, k.cpv ASC), '[]') FROM cooperative_skills k WHERE k.cooperative_id = c.id) AS skills_json`;

/** [id, cpv, level], then created_at and updated_at when asked for. */
type SkillTuple = [string, string, number, string?, string?];

export function skillsOf(value: unknown): CooperativeSkill[] {
  const tuples = (typeof value === "string" ? JSON.parse(value) : value) as SkillTuple[];
  return tuples.map(([id, cpv, level, createdAt, updatedAt]) =>
    readOnlyEntity(
      CooperativeSkill,
      createdAt === undefined || updatedAt === undefined
        ? { id, cpv, level }
        : { id, cpv, level, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) },
    ),
  );
}

/** The skills' times are read only when selected (a page's hundreds of Date objects otherwise). */
export const SKILL_TIME_FIELDS = ["createdAt", "updatedAt"];

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
// Text columns arrive as strings from pg; anything else is written out rather than "[object Object]".
const str = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v));
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** The place's columns: each fills the property of `place` of the same name (and the flat GraphQL field). */
const PLACE_PROPERTIES = new Set<string>(["city", "communeCode", "departmentCode", "regionCode", "latitude", "longitude"]);

/**
 * The directory's columns (not the search vector), each with the property (and GraphQL field of
 * the same name) it fills and how its value is read; the place's fill `place` (an embeddable).
 */
const COLUMNS: readonly { property: Extract<keyof Cooperative | keyof Place, string>; column: string; read: (v: unknown) => unknown }[] = [
  { property: "id", column: "id", read: String },
  { property: "createdAt", column: "created_at", read: date },
  { property: "updatedAt", column: "updated_at", read: date },
  { property: "name", column: "name", read: String },
  { property: "legalForm", column: "legal_form", read: (v) => v },
  { property: "siret", column: "siret", read: String },
  { property: "nafCode", column: "naf_code", read: str },
  { property: "description", column: "description", read: str },
  { property: "website", column: "website", read: str },
  { property: "address", column: "address", read: str },
  { property: "postcode", column: "postcode", read: str },
  { property: "city", column: "city", read: str },
  { property: "communeCode", column: "commune_code", read: str },
  { property: "departmentCode", column: "department_code", read: str },
  { property: "regionCode", column: "region_code", read: str },
  { property: "latitude", column: "latitude", read: num },
  { property: "longitude", column: "longitude", read: num },
  { property: "locationPrecision", column: "location_precision", read: (v) => (v == null ? null : v) },
  { property: "headcount", column: "headcount", read: num },
  { property: "annualRevenue", column: "annual_revenue", read: num },
  { property: "opportunityThreshold", column: "opportunity_threshold", read: Number },
  { property: "cpvPrefixes", column: "cpv_prefixes", read: (v) => v ?? [] },
  { property: "status", column: "status", read: (v) => v },
  { property: "verifiedAt", column: "verified_at", read: date },
];
const COLUMN_OF = new Map(COLUMNS.map((c) => [c.property as string, c]));
const PLACE_FIELD = "place";
const ALL_COLUMNS = COLUMNS.map((c) => `c.${c.column}`).join(", ");
/** Read whatever is asked: the keyset's columns (name, created_at, id). */
const KEY_COLUMNS = ["id", "name", "createdAt"];
/** Fields of a node that need no column of their own (skills come with the page, by id). */
const FREE_FIELDS = new Set(["__typename", "skills"]);

/**
 * The columns a page needs: only those of the node's selected fields when every one of them is
 * a plain column (or the skills); all of them as soon as a field has its own resolver, which
 * may read any property. A page of names and cities then parses 4 columns a row, not 24.
 */
export function columnsFor(nodeFields: ReadonlySet<string> | null): string {
  if (!nodeFields) return ALL_COLUMNS;
  const wanted = new Set(KEY_COLUMNS);
  for (const field of nodeFields) {
    if (FREE_FIELDS.has(field)) continue;
    if (field === PLACE_FIELD) {
      for (const property of PLACE_PROPERTIES) wanted.add(property);
      continue;
    }
    if (!COLUMN_OF.has(field)) return ALL_COLUMNS;
    wanted.add(field);
  }
  return COLUMNS.filter((c) => wanted.has(c.property))
    .map((c) => `c.${c.column}`)
    .join(", ");
}

/**
 * A page of the directory as read-only objects of the Cooperative type, without the identity
 * map's cost (bench/read: most of a page's CPU went to entity creation and tracking). Writes
 * always load the entity through the entity manager. Only the columns read are set.
 */
export function directoryRow(row: Record<string, unknown>): CooperativeRow {
  const values: Record<string, unknown> = {};
  const place: Record<string, unknown> = {};
  for (const { property, column, read } of COLUMNS) {
    if (column in row) (PLACE_PROPERTIES.has(property) ? place : values)[property] = read(row[column]);
  }
  // The columns not read stay null on the place: only the selected fields are resolved.
  values.place = placeOf(place);
  return readOnlyEntity<CooperativeRow>(Cooperative, values);
}

/** What the client selected, so that the page reads no more than that. */
export interface DirectoryWants {
  totalCount: boolean;
  /** The fields selected on the nodes (null: unknown, every column is read). */
  nodeFields: ReadonlySet<string> | null;
  /** The fields selected on the nodes' skills, when skills are selected. */
  skillFields: ReadonlySet<string> | null;
}
