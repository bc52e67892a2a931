import { BadInputError } from "../common/errors";
import { readOnlyEntity } from "../common/base.entity";
import { boundingBox } from "../common/geo";
import {
  decodeCursor,
  encodeCursor,
  pageSize,
  toConnection,
  type ConnectionShape,
  type CursorKind,
  type CursorValue,
} from "../common/pagination";
import * as v from "../common/validate";
import { cpvPrefixes } from "../matching/cpv-similarity";
import { communeOf, communesOfKnownPostcode, departmentCode, regionCode } from "../places/place.service";
import type { LocationPrecision } from "../places/place.types";
import { Cooperative } from "./cooperative.entity";
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

export interface CooperativeRow extends Cooperative {
  distanceKm?: number | null;
}

/** The directory's columns (not the search vector), read as is. */
const DIRECTORY_COLUMNS = `c.id, c.created_at, c.updated_at, c.name, c.legal_form, c.siret, c.naf_code, c.description,
  c.website, c.address, c.postcode, c.city, c.commune_code, c.department_code, c.region_code, c.latitude,
  c.longitude, c.location_precision, c.headcount, c.annual_revenue, c.opportunity_threshold, c.cpv_prefixes, c.status, c.verified_at`;

/**
 * A page of the directory as read-only objects of the Cooperative type, without the identity
 * map's cost (bench/read: most of a page's CPU went to entity creation and tracking). Writes
 * always load the entity through the entity manager.
 */
function directoryRow(row: Record<string, unknown>): CooperativeRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return readOnlyEntity<CooperativeRow>(Cooperative, {
    id: String(row.id),
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
    name: String(row.name),
    legalForm: row.legal_form as LegalForm,
    siret: String(row.siret),
    nafCode: str(row.naf_code),
    description: str(row.description),
    website: str(row.website),
    address: str(row.address),
    postcode: str(row.postcode),
    city: str(row.city),
    communeCode: str(row.commune_code),
    departmentCode: str(row.department_code),
    regionCode: str(row.region_code),
    latitude: num(row.latitude),
    longitude: num(row.longitude),
    locationPrecision: row.location_precision == null ? null : (row.location_precision as LocationPrecision),
    headcount: num(row.headcount),
    annualRevenue: num(row.annual_revenue),
    opportunityThreshold: Number(row.opportunity_threshold),
    cpvPrefixes: (row.cpv_prefixes as string[] | null) ?? [],
    status: row.status as CooperativeStatus,
    verifiedAt: row.verified_at === null || row.verified_at === undefined ? null : new Date(row.verified_at as string),
  });
}

export async function listCooperatives(
  actor: Actor,
  args: CooperativesArgs,
  wantsTotal: boolean,
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
  const sql = `SELECT ${DIRECTORY_COLUMNS}${distanceSelect} FROM cooperatives c ${whereSql} ORDER BY ${orderSql} LIMIT ?`;
  const selectParams = [...(distance ? distance.params : []), ...params, ...(distance && order === CooperativeOrder.DISTANCE ? distance.params : []), size + 1];
  const connection = actor.em.getConnection();
  const rows = await connection.execute<Record<string, unknown>[]>(sql, selectParams);
  const cooperatives: CooperativeRow[] = rows.map((row) => {
    const entity = directoryRow(row);
    if (distance) entity.distanceKm = Number(row.distance_km);
    return entity;
  });
  let totalCount = -1;
  if (wantsTotal) {
    const countWhere = filterWhere.length ? `WHERE ${filterWhere.join(" AND ")}` : "";
    const [count] = await connection.execute<{ n: string }[]>(
      `SELECT count(*) AS n FROM cooperatives c ${countWhere}`,
      filterParams,
    );
    totalCount = Number(count?.n ?? 0);
  }
  const page = toConnection(cooperatives, size, (row) => encodeCursor(keyOf(row)), totalCount, cursor !== null);
  return { ...page, edges: page.edges.map((edge) => ({ ...edge, distanceKm: edge.node.distanceKm ?? null })) };
}
