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
  const limit = search.limit ?? CANDIDATE_POOL;
  const { demand } = search;
  // Class-level overlap first; widen to the group when that finds too few.
  let rows = await queryCandidates(em, search, demandPrefixes(demand.cpvCodes, 4), limit);
  if (rows.length < limit && !search.onlyIds) {
    const wider = await queryCandidates(em, search, demandPrefixes(demand.cpvCodes, 3), limit);
    const seen = new Set(rows.map((r) => r.id));
    rows = [...rows, ...wider.filter((r) => !seen.has(r.id))].slice(0, limit);
  }
  return rows;
}

async function queryCandidates(em: EntityManager, search: CandidateSearch, prefixes: string[], limit: number): Promise<CandidateRow[]> {
  const { demand, maxDistanceKm, onlyIds } = search;
  if (prefixes.length === 0 && !onlyIds) return [];
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
  // Depth of overlap: a shared category outweighs a shared group.
  const overlap = "(SELECT coalesce(sum(length(x)), 0) FROM unnest(c.cpv_prefixes) AS x WHERE x = ANY(?::text[]))";
  const nearest = place !== null && !onlyIds;
  const source = nearest
    ? `(SELECT c.* FROM cooperatives c WHERE ${where.join(" AND ")}
         ORDER BY point(c.longitude, c.latitude) <-> point(?, ?) LIMIT ?) AS c`
    : `cooperatives c WHERE ${where.join(" AND ")}`;
  const sql = `SELECT c.id, c.name, c.city, c.latitude, c.longitude, c.headcount, c.annual_revenue,
      ${distanceSelect} AS distance_km
    FROM ${source}
    ORDER BY ${overlap} DESC, distance_km ASC NULLS LAST, c.id ASC
    LIMIT ?`;
  const nearestParams = nearest && place ? [place.lon, place.lat, NEAREST_POOL] : [];
  return em.getConnection().execute<CandidateRow[]>(sql, [...distanceParams, ...params, ...nearestParams, pgArray(prefixes), limit]);
}

/** Skills, references, won outcomes and open bids of the candidates: one query each. */
export async function loadProfiles(em: EntityManager, rows: CandidateRow[]): Promise<CandidateProfile[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const connection = em.getConnection();
  const [skills, references, wins, load] = await Promise.all([
    connection.execute<{ cooperative_id: string; cpv: string; level: number }[]>(
      "SELECT cooperative_id, cpv, level FROM cooperative_skills WHERE cooperative_id = ANY(?::uuid[])",
      [pgArray(ids)],
    ),
    connection.execute<{ cooperative_id: string; cpv: string; year: number; amount: number | null }[]>(
      "SELECT cooperative_id, cpv, year, amount FROM cooperative_references WHERE cooperative_id = ANY(?::uuid[])",
      [pgArray(ids)],
    ),
    connection.execute<{ cooperative_id: string; cpv_codes: string[]; awarded_at: Date; awarded_amount: number }[]>(
      `SELECT w.cooperative_id, t.cpv_codes, o.awarded_at, o.awarded_amount
         FROM outcomes o
         JOIN tenders t ON t.id = o.tender_id
         CROSS JOIN LATERAL unnest(o.winner_ids) AS w(cooperative_id)
        WHERE o.result = 'WON' AND w.cooperative_id = ANY(?::text[])`,
      [pgArray(ids)],
    ),
    openBidCounts(em, ids),
  ]);
  const byId = <T extends { cooperative_id: string }>(list: T[]) => {
    const map = new Map<string, T[]>();
    for (const row of list) map.set(row.cooperative_id, [...(map.get(row.cooperative_id) ?? []), row]);
    return map;
  };
  const skillsOf = byId(skills);
  const referencesOf = byId(references);
  const winsOf = byId(wins);
  return rows.map((row) => {
    const track: TrackEntry[] = [
      ...(referencesOf.get(row.id) ?? []).map((r) => ({ cpv: r.cpv, year: r.year, amount: r.amount, kind: "REFERENCE" as const })),
      ...(winsOf.get(row.id) ?? []).flatMap((w) =>
        w.cpv_codes.slice(0, 1).map((cpv) => ({
          cpv,
          year: new Date(w.awarded_at).getUTCFullYear(),
          amount: w.awarded_amount,
          kind: "WON" as const,
        })),
      ),
    ];
    return {
      id: row.id,
      name: row.name,
      skills: (skillsOf.get(row.id) ?? []).map((s) => ({ cpv: s.cpv, level: s.level })),
      location:
        row.latitude !== null && row.longitude !== null ? { lat: row.latitude, lon: row.longitude, label: row.city } : null,
      headcount: row.headcount,
      annualRevenue: row.annual_revenue,
      openBids: load.get(row.id) ?? 0,
      track,
    };
  });
}

/** Bids each cooperative takes part in that are still being written: its current load. */
async function openBidCounts(em: EntityManager, ids: string[]): Promise<Map<string, number>> {
  const rows = await em.getConnection().execute<{ cooperative_id: string; n: string }[]>(
    `SELECT m.cooperative_id, count(*) AS n FROM bid_members m JOIN bids b ON b.id = m.bid_id
      WHERE m.cooperative_id = ANY(?::uuid[]) AND m.status IN ('INVITED', 'ACCEPTED') AND b.status IN ('DRAFT', 'IN_REVIEW')
      GROUP BY m.cooperative_id`,
    [pgArray(ids)],
  );
  return new Map(rows.map((r) => [r.cooperative_id, Number(r.n)]));
}
