import { BadInputError } from "../common/errors";
import { boundingBox } from "../common/geo";
import { KeysetPage, allOf, withCursor, type Keyset, type SqlPart } from "../common/keyset";
import { pageSize, type ConnectionShape } from "../common/pagination";
import * as v from "../common/validate";
import { cpvPrefixes } from "../matching/cpv-similarity";
import { communeOf, communesOfKnownPostcode, departmentCode, regionCode } from "../places/place.service";
import { preparedRows } from "../common/prepared-query";
import type { Cooperative } from "./cooperative.entity";
import { CooperativeOrder, CooperativeStatus } from "./cooperative.enums";
import {
  columnsFor,
  directoryRow,
  SKILL_TIME_FIELDS,
  SKILLS,
  skillsOf,
  skillsSql,
  type CooperativeRow,
  type DirectoryWants,
} from "./cooperative.directory-rows";
import type { CooperativesArgs } from "./cooperative.inputs";
import { authorizeCooperative } from "./cooperative.policy";
import type { Actor } from "../auth/actor";
import { toPrefixQuery } from "../common/text-search";

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

type DirectoryFilter = NonNullable<CooperativesArgs["filter"]>;

/** The great-circle distance to the centre of a `near` search, with its parameters. */
interface Distance {
  sql: string;
  params: number[];
}

/** Text, CPV, department, region and status of the filter. */
function subjectConditions(filter: DirectoryFilter): SqlPart[] {
  const parts: SqlPart[] = [];
  if (filter.search != null) {
    const query = toPrefixQuery(v.text("filter.search", filter.search, { max: 200 }));
    // The configuration of the generated column (migration 20261206074000): accents and case ignored.
    if (query) parts.push({ sql: "c.search @@ to_tsquery('french_unaccent', ?)", params: [query] });
  }
  if (filter.cpv != null) {
    const raw = v.text("filter.cpv", filter.cpv, { max: 10 }).replace(/-\d$/, "");
    if (!/^\d{2,8}$/.test(raw)) throw new BadInputError("filter.cpv", "must be a CPV code or prefix of 2 to 8 digits");
    // A full code stands for its significant prefix: 79340000 means "anything under 7934".
    const prefix = raw.length === 8 ? (cpvPrefixes(raw).at(-1) ?? raw) : raw;
    parts.push({ sql: "c.cpv_prefixes @> ARRAY[?]::text[]", params: [prefix] });
  }
  if (filter.department != null) parts.push({ sql: "c.department_code = ?", params: [departmentCode("filter.department", filter.department)] });
  if (filter.region != null) parts.push({ sql: "c.region_code = ?", params: [regionCode("filter.region", filter.region)] });
  if (filter.status != null) {
    if (!Object.values(CooperativeStatus).includes(filter.status)) throw new BadInputError("filter.status", "is not a cooperative status");
    parts.push({ sql: "c.status = ?", params: [filter.status] });
  }
  return parts;
}

/** A `near` search: the bounding box (indexed) then the exact distance. */
function nearConditions(filter: DirectoryFilter): { parts: SqlPart[]; distance: Distance | null } {
  if (!filter.near) return { parts: [], distance: null };
  const near = resolveNear(filter.near);
  const box = boundingBox({ lat: near.lat, lon: near.lon }, near.radiusKm);
  const distance = { sql: DISTANCE_SQL, params: [near.lat, near.lat, near.lon] };
  return {
    distance,
    parts: [
      { sql: "c.latitude BETWEEN ? AND ? AND c.longitude BETWEEN ? AND ?", params: [box.minLat, box.maxLat, box.minLon, box.maxLon] },
      { sql: `${DISTANCE_SQL} <= ?`, params: [...distance.params, near.radiusKm] },
    ],
  };
}

const ID_PART = { sql: "c.id", kind: "uuid", cast: "::uuid" } as const;

/** The sort key of each order. */
function directoryKeyset(order: CooperativeOrder, distance: Distance | null): Keyset<CooperativeRow> {
  if (order === CooperativeOrder.DISTANCE && distance) {
    return {
      key: [{ sql: distance.sql, kind: "number", cast: "" }, ID_PART],
      direction: "ASC",
      keyOf: (row) => [row.distanceKm ?? null, row.id],
      keyParams: distance.params,
    };
  }
  if (order === CooperativeOrder.NEWEST) {
    return {
      key: [{ sql: "c.created_at", kind: "date", cast: "::timestamptz" }, ID_PART],
      direction: "DESC",
      keyOf: (row) => [row.createdAt.toISOString(), row.id],
    };
  }
  return { key: [{ sql: "c.name", kind: "string", cast: "" }, ID_PART], direction: "ASC", keyOf: (row) => [row.name, row.id] };
}

function whereClause(part: SqlPart): string {
  return part.sql === "TRUE" ? "" : `WHERE ${part.sql}`;
}

/** The directory's page: its rows, with the distance to the centre of a `near` search. */
async function directoryRows(
  actor: Actor,
  selected: SqlPart,
  page: KeysetPage<CooperativeRow>,
  distance: Distance | null,
  wants: DirectoryWants,
): Promise<CooperativeRow[]> {
  const where = withCursor(selected, page);
  const order = page.orderBy();
  const distanceSelect = distance ? `, ${distance.sql} AS distance_km` : "";
  const { skillFields } = wants;
  const skillsSelect = skillFields ? `, ${skillsSql(SKILL_TIME_FIELDS.some((f) => skillFields.has(f)))}` : "";
  const sql = `SELECT ${columnsFor(wants.nodeFields)}${distanceSelect}${skillsSelect} FROM cooperatives c ${whereClause(where)} ORDER BY ${order.sql} LIMIT ?`;
  const params = [...(distance ? distance.params : []), ...where.params, ...order.params, page.limit];
  // A named prepared statement with bound values (bench/read: the ORM's text path cost more than the query).
  const rows = await preparedRows<Record<string, unknown>>(actor.em, sql, params);
  return rows.map((row) => {
    const entity = directoryRow(row);
    if (distance) entity.distanceKm = Number(row.distance_km);
    if (skillFields) entity[SKILLS] = skillsOf(row.skills_json);
    return entity;
  });
}

async function countDirectory(actor: Actor, selected: SqlPart): Promise<number> {
  const [count] = await preparedRows<{ n: string }>(actor.em, `SELECT count(*) AS n FROM cooperatives c ${whereClause(selected)}`, selected.params);
  return Number(count?.n ?? 0);
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
  const subject = subjectConditions(filter);
  const near = nearConditions(filter);
  if (order === CooperativeOrder.DISTANCE && !near.distance) {
    throw new BadInputError("orderBy", "DISTANCE needs the filter.near argument");
  }
  const selected = allOf([...subject, ...near.parts]);
  const page = new KeysetPage(directoryKeyset(order, near.distance), { first: size, after: args.after });
  const cooperatives = await directoryRows(actor, selected, page, near.distance, wants);
  const totalCount = wants.totalCount ? await countDirectory(actor, selected) : -1;
  const connection = page.connection(cooperatives, totalCount);
  return { ...connection, edges: connection.edges.map((edge) => ({ ...edge, distanceKm: edge.node.distanceKm ?? null })) };
}

export { preloadedSkills, type CooperativeRow, type DirectoryWants } from "./cooperative.directory-rows";
