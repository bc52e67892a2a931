import { BadInputError } from "../common/errors";
import { readOnlyEntity } from "../common/base.entity";
import { boundingBox } from "../common/geo";
import { preparedRows } from "../common/prepared-query";
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  type ConnectionShape,
  type CursorKind,
  type CursorValue,
} from "../common/pagination";
import * as v from "../common/validate";
import { cpvPrefixes } from "../matching/cpv-similarity";
import { communeOf, communesOfKnownPostcode, departmentCode, regionCode } from "../places/place.service";
import type { LocationPrecision } from "../places/place.types";
import { Cooperative, CooperativeSkill } from "./cooperative.entity";
import { CooperativeOrder, CooperativeStatus, LegalForm } from "./cooperative.enums";
import type { CooperativesArgs } from "./cooperative.inputs";
import { authorizeCooperative } from "./cooperative.policy";
import { toPrefixQuery, type Actor } from "./cooperative.service";

/*
 * The directory: the cooperatives a filter selects, paged by keyset, with the distance to the
 * centre of a `near` search on each row (and so on each edge).
 */

const EARTH_KM = 6371.0088;

/** Great-circle distance in SQL, from the row's coordinates to (?, ?). */
const DISTANCE_SQL = `(${EARTH_KM} * 2 * asin(sqrt(power(sin(radians(c.latitude - ?) / 2), 2)
  + cos(radians(?)) * cos(radians(c.latitude)) * power(sin(radians(c.longitude - ?) / 2), 2))))`;

function resolveNear(near: NonNullable<NonNullable<CooperativesArgs["filter"]>["near"]>) {
  const radiusKm = v.decimal("filter.near.radiusKm", near.radiusKm, 0, 2000);
  const given = [near.commune != null, near.postcode != null, near.latitude != null || near.longitude != null].filter(Boolean).length;
  if (given > 1) throw new BadInputError("filter.near", "give one centre: a commune, a postcode, or a latitude and a longitude");
  if (near.commune != null) {
    const commune = communeOf("filter.near.commune", v.text("filter.near.commune", near.commune, { max: 200 }));
    return { lat: commune.lat, lon: commune.lon, radiusKm };
  }
  if (near.postcode != null) {
    // A postcode stands for the commune it mainly serves (its most populous).
    const [commune] = communesOfKnownPostcode("filter.near.postcode", v.text("filter.near.postcode", near.postcode, { max: 5 }));
    return { lat: commune.lat, lon: commune.lon, radiusKm };
  }
  if (near.latitude == null || near.longitude == null) {
    throw new BadInputError("filter.near", "give a commune, a postcode, or a latitude and a longitude");
  }
  return {
    lat: v.latitude("filter.near.latitude", near.latitude),
    lon: v.longitude("filter.near.longitude", near.longitude),
    radiusKm,
  };
}

/** Where a directory row keeps the skills read with it (see preloadedSkills). */
const SKILLS = Symbol("directory skills");

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
const skillsSql = (dates: boolean) => `(SELECT coalesce(json_agg(json_build_array(k.id, k.cpv, k.level${dates ? ", k.created_at, k.updated_at" : ""})
   ORDER BY k.level DESC, k.cpv ASC), '[]') FROM cooperative_skills k WHERE k.cooperative_id = c.id) AS skills_json`;

/** [id, cpv, level], then created_at and updated_at when asked for. */
type SkillTuple = [string, string, number, string?, string?];

function skillsOf(value: unknown): CooperativeSkill[] {
  const tuples = (typeof value === "string" ? JSON.parse(value) : value) as SkillTuple[];
  return tuples.map(([id, cpv, level, createdAt, updatedAt]) =>
    readOnlyEntity(
      CooperativeSkill,
      createdAt === undefined || updatedAt === undefined ? { id, cpv, level } : { id, cpv, level, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) },
    ),
  );
}

/** The skills' times are read only when selected (a page's hundreds of Date objects otherwise). */
const SKILL_TIME_FIELDS = ["createdAt", "updatedAt"];

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/**
 * The directory's columns (not the search vector), each with the property (and GraphQL field of
 * the same name) it fills and how its value is read.
 */
const COLUMNS: readonly { property: keyof Cooperative & string; column: string; read: (v: unknown) => unknown }[] = [
  { property: "id", column: "id", read: String },
  { property: "createdAt", column: "created_at", read: date },
  { property: "updatedAt", column: "updated_at", read: date },
  { property: "name", column: "name", read: String },
  { property: "legalForm", column: "legal_form", read: (v) => v as LegalForm },
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
  { property: "locationPrecision", column: "location_precision", read: (v) => (v == null ? null : (v as LocationPrecision)) },
  { property: "headcount", column: "headcount", read: num },
  { property: "annualRevenue", column: "annual_revenue", read: num },
  { property: "opportunityThreshold", column: "opportunity_threshold", read: Number },
  { property: "cpvPrefixes", column: "cpv_prefixes", read: (v) => (v as string[] | null) ?? [] },
  { property: "status", column: "status", read: (v) => v as CooperativeStatus },
  { property: "verifiedAt", column: "verified_at", read: date },
];
const COLUMN_OF = new Map(COLUMNS.map((c) => [c.property as string, c]));
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
function columnsFor(nodeFields: ReadonlySet<string> | null): string {
  if (!nodeFields) return ALL_COLUMNS;
  const wanted = new Set(KEY_COLUMNS);
  for (const field of nodeFields) {
    if (FREE_FIELDS.has(field)) continue;
    if (!COLUMN_OF.has(field)) return ALL_COLUMNS;
    wanted.add(field);
  }
  return COLUMNS.filter((c) => wanted.has(c.property)).map((c) => `c.${c.column}`).join(", ");
}

/**
 * A page of the directory as read-only objects of the Cooperative type, without the identity
 * map's cost (bench/read: most of a page's CPU went to entity creation and tracking). Writes
 * always load the entity through the entity manager. Only the columns read are set.
 */
function directoryRow(row: Record<string, unknown>): CooperativeRow {
  const values: Record<string, unknown> = {};
  for (const { property, column, read } of COLUMNS) {
    if (column in row) values[property] = read(row[column]);
  }
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

export async function listCooperatives(
  actor: Actor,
  args: CooperativesArgs,
  wants: DirectoryWants,
): Promise<ConnectionShape<Cooperative> & { edges: { distanceKm: number | null }[] }> {
  authorizeCooperative(actor.viewer, "read", null);
  const size = pageSize(args.first);
  const order = args.orderBy ?? CooperativeOrder.NAME;
  const filter = args.filter ?? {};
  const where: string[] = [];
  const params: unknown[] = [];

  if (filter.search != null) {
    const query = toPrefixQuery(v.text("filter.search", filter.search, { max: 200 }));
    if (query) {
      // The configuration of the generated column (migration 20261206074000): accents and case ignored.
      where.push("c.search @@ to_tsquery('french_unaccent', ?)");
      params.push(query);
    }
  }
  if (filter.cpv != null) {
    const raw = v.text("filter.cpv", filter.cpv, { max: 10 }).replace(/-\d$/, "");
    if (!/^\d{2,8}$/.test(raw)) throw new BadInputError("filter.cpv", "must be a CPV code or prefix of 2 to 8 digits");
    // A full code stands for its significant prefix: 79340000 means "anything under 7934".
    const prefix = raw.length === 8 ? (cpvPrefixes(raw).at(-1) ?? raw) : raw;
    where.push("c.cpv_prefixes @> ARRAY[?]::text[]");
    params.push(prefix);
  }
  if (filter.department != null) {
    where.push("c.department_code = ?");
    params.push(departmentCode("filter.department", filter.department));
  }
  if (filter.region != null) {
    where.push("c.region_code = ?");
    params.push(regionCode("filter.region", filter.region));
  }
  if (filter.status != null) {
    if (!Object.values(CooperativeStatus).includes(filter.status)) throw new BadInputError("filter.status", "is not a cooperative status");
    where.push("c.status = ?");
    params.push(filter.status);
  }
  let distance: { sql: string; params: number[] } | null = null;
  if (filter.near) {
    const near = resolveNear(filter.near);
    const box = boundingBox({ lat: near.lat, lon: near.lon }, near.radiusKm);
    distance = { sql: DISTANCE_SQL, params: [near.lat, near.lat, near.lon] };
    where.push("c.latitude BETWEEN ? AND ? AND c.longitude BETWEEN ? AND ?");
    params.push(box.minLat, box.maxLat, box.minLon, box.maxLon);
    where.push(`${DISTANCE_SQL} <= ?`);
    params.push(...distance.params, near.radiusKm);
  }
  if (order === CooperativeOrder.DISTANCE && !distance) {
    throw new BadInputError("orderBy", "DISTANCE needs the filter.near argument");
  }

  const filterWhere = [...where];
  const filterParams = [...params];
  const cursorKinds: CursorKind[] =
    order === CooperativeOrder.DISTANCE ? ["number", "uuid"] : order === CooperativeOrder.NEWEST ? ["date", "uuid"] : ["string", "uuid"];
  const cursor = decodeCursor(args.after, cursorKinds);
  let orderSql: string;
  let keyOf: (row: CooperativeRow) => CursorValue[];
  if (order === CooperativeOrder.DISTANCE && distance) {
    orderSql = `${distance.sql} ASC, c.id ASC`;
    keyOf = (row) => [row.distanceKm ?? null, row.id];
    if (cursor) {
      where.push(`(${distance.sql}, c.id) > (?, ?::uuid)`);
      params.push(...distance.params, Number(cursor[0]), String(cursor[1]));
    }
  } else if (order === CooperativeOrder.NEWEST) {
    orderSql = "c.created_at DESC, c.id DESC";
    keyOf = (row) => [row.createdAt.toISOString(), row.id];
    if (cursor) {
      where.push("(c.created_at, c.id) < (?::timestamptz, ?::uuid)");
      params.push(String(cursor[0]), String(cursor[1]));
    }
  } else {
    orderSql = "c.name ASC, c.id ASC";
    keyOf = (row) => [row.name, row.id];
    if (cursor) {
      where.push("(c.name, c.id) > (?, ?::uuid)");
      params.push(String(cursor[0]), String(cursor[1]));
    }
  }
  const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const distanceSelect = distance ? `, ${distance.sql} AS distance_km` : "";
  const { skillFields } = wants;
  const skillsSelect = skillFields ? `, ${skillsSql(SKILL_TIME_FIELDS.some((f) => skillFields.has(f)))}` : "";
  const sql = `SELECT ${columnsFor(wants.nodeFields)}${distanceSelect}${skillsSelect} FROM cooperatives c ${whereSql} ORDER BY ${orderSql} LIMIT ?`;
  const selectParams = [...(distance ? distance.params : []), ...params, ...(distance && order === CooperativeOrder.DISTANCE ? distance.params : []), size + 1];
  const rows = await preparedRows<Record<string, unknown>>(actor.em, sql, selectParams);
  const cooperatives: CooperativeRow[] = rows.map((row) => {
    const entity = directoryRow(row);
    if (distance) entity.distanceKm = Number(row.distance_km);
    if (skillFields) entity[SKILLS] = skillsOf(row.skills_json);
    return entity;
  });
  let totalCount = -1;
  if (wants.totalCount) {
    const countWhere = filterWhere.length ? `WHERE ${filterWhere.join(" AND ")}` : "";
    const [count] = await preparedRows<{ n: string }>(actor.em, `SELECT count(*) AS n FROM cooperatives c ${countWhere}`, filterParams);
    totalCount = Number(count?.n ?? 0);
  }
  const nodes = cooperatives.slice(0, size);
  const edges = nodes.map((node) => new DirectoryEdge(node, keyOf));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: cooperatives.length > size,
      hasPreviousPage: cursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * An edge whose cursor is encoded when it is read: a page that does not select `cursor` (the
 * directory screens do not) encodes two, for pageInfo, not one per edge.
 */
class DirectoryEdge {
  constructor(
    readonly node: CooperativeRow,
    private readonly keyOf: (row: CooperativeRow) => CursorValue[],
  ) {}

  get cursor(): string {
    return encodeCursor(this.keyOf(this.node));
  }

  get distanceKm(): number | null {
    return this.node.distanceKm ?? null;
  }
}
