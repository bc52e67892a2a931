import type { EntityManager } from "@mikro-orm/postgresql";
import { boundingBox } from "../common/geo";
import { pgArray } from "../common/validate";
import { cpvPrefixes } from "./cpv-similarity";
import type { CandidateProfile, Demand, TrackEntry } from "./scoring";

/**
 * Candidate narrowing in SQL, before any scoring (ARCHITECTURE §6): cooperatives whose indexed
 * CPV prefixes share at least a group (3 digits) with the demand, inside the distance limit when
 * there is one, pre-ranked by how deep their skills overlap the demand, then by distance. Only
 * the best `limit` of them are loaded and scored, so a page of matches costs a fixed number of
 * queries whatever the size of the directory.
 */
export const CANDIDATE_POOL = 300;
/**
 * With a place of performance, only the nearest overlapping cooperatives are pre-ranked (a GiST
 * index answers "nearest first" without reading the directory): the statement stops growing
 * with the directory, and ranks better than depth of overlap alone (bench/matching measured 17
 * of the exact top 20 against 3).
 */
export const NEAREST_POOL = 1_000;

const EARTH_KM = 6371.0088;
const DISTANCE_SQL = `(${EARTH_KM} * 2 * asin(sqrt(power(sin(radians(c.latitude - ?) / 2), 2)
  + cos(radians(?)) * cos(radians(c.latitude)) * power(sin(radians(c.longitude - ?) / 2), 2))))`;

/** Prefixes of the demanded codes, deepest first; the division alone is too broad to narrow on. */
export function demandPrefixes(cpvCodes: readonly string[], minLength: number): string[] {
  return [...new Set(cpvCodes.flatMap((c) => cpvPrefixes(c)).filter((p) => p.length >= minLength))];
}

export interface CandidateRow {
  id: string;
  name: string;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  headcount: number | null;
  annual_revenue: number | null;
  distance_km: number | null;
}

export interface CandidateSearch {
  demand: Demand;
  maxDistanceKm: number | null;
  limit?: number;
  /** Restrict to these cooperatives (one cooperative's own score). */
  onlyIds?: string[];
}

export async function findCandidates(em: EntityManager, search: CandidateSearch): Promise<CandidateProfile[]> {
  return loadProfiles(em, await findCandidateRows(em, search));
}

/** The candidates' rows, without their profiles (several demands share one profile load). */
export async function findCandidateRows(em: EntityManager, search: CandidateSearch): Promise<CandidateRow[]> {
  const [rows] = await findCandidateRowsOfMany(em, [search]);
  return rows ?? [];
}

interface Statement {
  sql: string;
  params: unknown[];
}

/** A candidate row as the combined statement returns it: its search, its tier (1 class-level, 2 group-level). */
type TieredRow = CandidateRow & { search: number; tier: number; overlap: string };

/** Searches per statement: a tender's lots run in a few statements at once, on as many connections. */
const SEARCHES_PER_STATEMENT = 4;

/**
 * The candidates of several searches (one per lot of a tender), a few searches per statement
 * (`SEARCHES_PER_STATEMENT`), the statements run concurrently: PostgreSQL runs each on one
 * core. Per search, class-level overlap first; the group-level statement runs only when the
 * first found fewer than `limit` (a one-time filter), and completes it with the rows not
 * already found.
 */
export async function findCandidateRowsOfMany(em: EntityManager, searches: readonly CandidateSearch[]): Promise<CandidateRow[][]> {
  const result: CandidateRow[][] = searches.map(() => []);
  await Promise.all(statementGroups(searches).map(async (indices) => collect(searches, await runSearches(em, searches, indices), result)));
  return result;
}

/**
 * `findCandidateRowsOfMany` with the profiles of the candidates: each statement's candidates
 * are loaded as soon as it answers, while the other statements run.
 */
export async function findCandidatesOfMany(
  em: EntityManager,
  searches: readonly CandidateSearch[],
): Promise<{ rows: CandidateRow[][]; profiles: Map<string, CandidateProfile> }> {
  const rows: CandidateRow[][] = searches.map(() => []);
  const profiles = new Map<string, CandidateProfile>();
  await Promise.all(
    statementGroups(searches).map(async (indices) => {
      collect(searches, await runSearches(em, searches, indices), rows);
      const found = new Map(indices.flatMap((i) => rows[i] ?? []).map((row) => [row.id, row]));
      for (const profile of await loadProfiles(em, [...found.values()])) profiles.set(profile.id, profile);
    }),
  );
  return { rows, profiles };
}

/** Search indices per statement: search i in statement i mod n, so statements differ by one search at most. */
function statementGroups(searches: readonly CandidateSearch[]): number[][] {
  const statements = Math.ceil(searches.length / SEARCHES_PER_STATEMENT);
  const groups: number[][] = Array.from({ length: statements }, () => []);
  searches.forEach((_, i) => groups[i % statements]?.push(i));
  return groups;
}

/** Adds a statement's rows to their searches' lists: first occurrence of a cooperative, up to the search's limit. */
function collect(searches: readonly CandidateSearch[], rows: readonly TieredRow[], result: CandidateRow[][]): void {
  const seen = new Map<number, Set<string>>();
  for (const { search, tier: _tier, overlap: _overlap, ...row } of rows) {
    const list = result[search];
    const ids = seen.get(search) ?? new Set<string>();
    seen.set(search, ids);
    const limit = searches[search]?.limit ?? CANDIDATE_POOL;
    if (!list || ids.has(row.id) || list.length >= limit) continue;
    ids.add(row.id);
    list.push(row);
  }
}

/** The searches at `indices` in one statement, rows ordered by search, tier, then rank. */
async function runSearches(em: EntityManager, searches: readonly CandidateSearch[], indices: readonly number[]): Promise<TieredRow[]> {
  const ctes: string[] = [];
  const selects: string[] = [];
  const params: unknown[] = [];
  for (const i of indices) {
    const search = searches[i];
    if (!search) continue;
    const limit = search.limit ?? CANDIDATE_POOL;
    const narrow = candidateStatement(search, demandPrefixes(search.demand.cpvCodes, 4), limit);
    const wide = search.onlyIds ? null : candidateStatement(search, demandPrefixes(search.demand.cpvCodes, 3), limit);
    if (narrow) {
      ctes.push(`s${i}_1 AS (${narrow.sql})`);
      params.push(...narrow.params);
      selects.push(`SELECT ${i} AS search, 1 AS tier, * FROM s${i}_1`);
    }
    if (wide) {
      ctes.push(`s${i}_2 AS (${wide.sql})`);
      params.push(...wide.params);
      const needed = narrow ? ` WHERE (SELECT count(*) FROM s${i}_1) < ${Math.trunc(limit)}` : "";
      selects.push(`SELECT ${i} AS search, 2 AS tier, * FROM s${i}_2${needed}`);
    }
  }
  if (selects.length === 0) return [];
  const sql = `WITH ${ctes.join(",\n")}\n${selects.join("\nUNION ALL ")}
    ORDER BY search, tier, overlap DESC, distance_km ASC NULLS LAST, id ASC`;
  return em.getConnection().execute<TieredRow[]>(sql, params);
}

/**
 * Depth of overlap of a `text[]` column of CPV prefixes (without duplicates) with `prefixes`:
 * the sum of the lengths of the shared ones, so a shared category outweighs a shared group. One
 * containment test per prefix (bound as parameters, in order), no set-returning subquery per row.
 */
export function overlapSql(column: string, prefixes: readonly string[]): string {
  if (prefixes.length === 0) return "0";
  return `(${prefixes.map((p) => `CASE WHEN ${column} @> ARRAY[?]::text[] THEN ${Math.trunc(p.length)} ELSE 0 END`).join(" + ")})`;
}

/** One search's candidate statement for these prefixes, or null when there is nothing to narrow on. */
function candidateStatement(search: CandidateSearch, prefixes: string[], limit: number): Statement | null {
  const { demand, maxDistanceKm, onlyIds } = search;
  if (prefixes.length === 0 && !onlyIds) return null;
  // A cooperative awaiting verification is proposed to no one (src/cooperatives/cooperative.status.ts).
  const where: string[] = ["c.status = 'VERIFIED'"];
  const params: unknown[] = [];
  const place = demand.place;
  const distanceParams = place ? [place.lat, place.lat, place.lon] : [];
  if (onlyIds) {
    where.push("c.id = ANY(?::uuid[])");
    params.push(pgArray(onlyIds));
  } else {
    where.push("c.cpv_prefixes && ?::text[]");
    params.push(pgArray(prefixes));
  }
  if (place && maxDistanceKm !== null) {
    const box = boundingBox({ lat: place.lat, lon: place.lon }, maxDistanceKm);
    where.push("c.latitude BETWEEN ? AND ? AND c.longitude BETWEEN ? AND ?", `${DISTANCE_SQL} <= ?`);
    params.push(box.minLat, box.maxLat, box.minLon, box.maxLon, ...distanceParams, maxDistanceKm);
  }
  const distanceSelect = place ? DISTANCE_SQL : "NULL::double precision";
  const overlap = overlapSql("c.cpv_prefixes", prefixes);
  const nearest = place !== null && !onlyIds;
  // Ranked on the columns the nearest-first index carries (an index-only scan), the other
  // columns read for the kept rows only.
  const source = nearest
    ? `(SELECT c.id, c.latitude, c.longitude, c.cpv_prefixes FROM cooperatives c WHERE ${where.join(" AND ")}
         ORDER BY point(c.longitude, c.latitude) <-> point(?, ?) LIMIT ?) AS c`
    : `cooperatives c WHERE ${where.join(" AND ")}`;
  const sql = `SELECT c.id, c.name, c.city, c.latitude, c.longitude, c.headcount, c.annual_revenue, r.distance_km, r.overlap
    FROM (SELECT c.id, ${distanceSelect} AS distance_km, ${overlap} AS overlap
      FROM ${source}
      ORDER BY overlap DESC, distance_km ASC NULLS LAST, c.id ASC
      LIMIT ?) AS r
    JOIN cooperatives c ON c.id = r.id`;
  const nearestParams = nearest && place ? [place.lon, place.lat, NEAREST_POOL] : [];
  return { sql, params: [...distanceParams, ...prefixes, ...params, ...nearestParams, limit] };
}

interface ProfileRow {
  id: string;
  skills: [string, number][] | null;
  refs: [string, number, number | null][] | null;
  wins: [string[], string, number][] | null;
  open_bids: string | number;
}

/**
 * Skills, references, won outcomes and open bids (bids still being written, with the
 * cooperative invited or in: its current load) of the candidates, in one statement.
 */
export async function loadProfiles(em: EntityManager, rows: CandidateRow[]): Promise<CandidateProfile[]> {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => r.id))];
  const found = await em.getConnection().execute<ProfileRow[]>(
    `WITH wins AS (
       SELECT w.cooperative_id, json_agg(json_build_array(t.cpv_codes, o.awarded_at, o.awarded_amount)) AS wins
         FROM outcomes o
         JOIN tenders t ON t.id = o.tender_id
         CROSS JOIN LATERAL unnest(o.winner_ids) AS w(cooperative_id)
        WHERE o.result = 'WON' AND w.cooperative_id = ANY(?::text[])
        GROUP BY w.cooperative_id)
     SELECT i.id,
       (SELECT json_agg(json_build_array(s.cpv, s.level) ORDER BY s.cpv) FROM cooperative_skills s WHERE s.cooperative_id = i.id) AS skills,
       (SELECT json_agg(json_build_array(r.cpv, r.year, r.amount)) FROM cooperative_references r WHERE r.cooperative_id = i.id) AS refs,
       wins.wins,
       (SELECT count(*) FROM bid_members m JOIN bids b ON b.id = m.bid_id
         WHERE m.cooperative_id = i.id AND m.status IN ('INVITED', 'ACCEPTED') AND b.status IN ('DRAFT', 'IN_REVIEW')) AS open_bids
     FROM unnest(?::uuid[]) AS i(id)
     LEFT JOIN wins ON wins.cooperative_id = i.id::text`,
    [pgArray(ids), pgArray(ids)],
  );
  const byId = new Map(found.map((p) => [p.id, p]));
  return rows.map((row) => profileOf(row, byId.get(row.id)));
}

function profileOf(row: CandidateRow, found: ProfileRow | undefined): CandidateProfile {
  const track: TrackEntry[] = [
    ...(found?.refs ?? []).map(([cpv, year, amount]) => ({ cpv, year, amount, kind: "REFERENCE" as const })),
    ...(found?.wins ?? []).flatMap(([cpvCodes, awardedAt, amount]) =>
      cpvCodes.slice(0, 1).map((cpv) => ({ cpv, year: new Date(awardedAt).getUTCFullYear(), amount, kind: "WON" as const })),
    ),
  ];
  return {
    id: row.id,
    name: row.name,
    skills: (found?.skills ?? []).map(([cpv, level]) => ({ cpv, level })),
    location: row.latitude !== null && row.longitude !== null ? { lat: row.latitude, lon: row.longitude, label: row.city } : null,
    headcount: row.headcount,
    annualRevenue: row.annual_revenue,
    openBids: Number(found?.open_bids ?? 0),
    track,
  };
}
