/**
 * The candidate statement of matching, as it is and rewritten, timed side by side on a directory
 * of the benchmark's (bench/matching/data.ts), with the top of the final ranking compared:
 *
 *   npx ts-node --transpile-only bench/matching/candidates-experiment.ts --database-url postgres://… [--size 100000] [--runs 30]
 *
 * Variants (class-level prefixes of the demand, limit 300, as findCandidates' first statement):
 * - current: ORDER BY (correlated unnest/sum subquery) DESC, haversine, id over every overlapping row;
 * - nearest only: the nearest 300 overlapping cooperatives by KNN, no overlap pre-ranking;
 * - nearest-first: a GiST index on point(longitude, latitude); the nearest 1,000 or 3,000
 *   overlapping cooperatives by KNN (`<->`), then the same order over those only.
 * Reference: every overlapping cooperative loaded and scored (the exact top 20 of the directory).
 * It creates and drops its own database (scopgraph_bench_matching_experiment) on that server
 * (`--keep` leaves it there for EXPLAIN by hand).
 */
import "reflect-metadata";
import { MikroORM } from "@mikro-orm/postgresql";
import { Client } from "pg";
import pino from "pino";
import { openDatabase } from "../../src/db/database";
import { ormConfig } from "../../src/db/mikro-orm.config";
import { demandPrefixes, loadProfiles } from "../../src/matching/matching.candidates";
import { rankCandidates, validateProximityOptions, validateWeights } from "../../src/matching/scoring";
import { fixed, renderTable, thousands } from "../lib/table";
import { addCooperatives, addOfficerAndTenders, MEASURED_TENDERS } from "./data";

const DATABASE = "scopgraph_bench_matching_experiment";
const EARTH_KM = 6371.0088;
const NEAREST = [1_000, 3_000];
const LIMIT = 300;

type Rows = Parameters<typeof loadProfiles>[1];

function argOf(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function distanceSql(lat: number, lon: number): string {
  return `(${EARTH_KM} * 2 * asin(sqrt(power(sin(radians(c.latitude - ${lat}) / 2), 2)
    + cos(radians(${lat})) * cos(radians(c.latitude)) * power(sin(radians(c.longitude - ${lon}) / 2), 2))))`;
}

const COLUMNS = "c.id, c.name, c.city, c.latitude, c.longitude, c.headcount, c.annual_revenue";

function variants(prefixes: string[], lat: number, lon: number): { name: string; sql: string; params: unknown[] }[] {
  const distance = distanceSql(lat, lon);
  const subplan = "(SELECT coalesce(sum(length(x)), 0) FROM unnest(c.cpv_prefixes) AS x WHERE x = ANY($1::text[]))";
  return [
    {
      name: "current (subplan per row)",
      sql: `SELECT ${COLUMNS}, ${distance} AS distance_km FROM cooperatives c WHERE c.cpv_prefixes && $1::text[]
            ORDER BY ${subplan} DESC, distance_km ASC NULLS LAST, c.id ASC LIMIT ${LIMIT}`,
      params: [prefixes],
    },
    {
      name: `nearest ${LIMIT} by KNN (no overlap pre-rank)`,
      sql: `SELECT ${COLUMNS}, ${distance} AS distance_km FROM cooperatives c WHERE c.cpv_prefixes && $1::text[] AND c.latitude IS NOT NULL
            ORDER BY point(c.longitude, c.latitude) <-> point(${lon}, ${lat}) LIMIT ${LIMIT}`,
      params: [prefixes],
    },
    ...NEAREST.map((nearest) => ({
      name: `nearest ${thousands(nearest)} by KNN, then ranked`,
      sql: `SELECT ${COLUMNS}, ${distance} AS distance_km FROM (
              SELECT * FROM cooperatives c0 WHERE c0.cpv_prefixes && $1::text[] AND c0.latitude IS NOT NULL
               ORDER BY point(c0.longitude, c0.latitude) <-> point(${lon}, ${lat}) LIMIT ${nearest}) c
            ORDER BY ${subplan} DESC, distance_km ASC NULLS LAST, c.id ASC LIMIT ${LIMIT}`,
      params: [prefixes],
    })),
  ];
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const adminUrl = argOf(argv, "--database-url") ?? process.env.DATABASE_URL;
  if (!adminUrl) throw new Error("--database-url or DATABASE_URL is needed");
  const size = Number(argOf(argv, "--size") ?? 100_000);
  const runs = Number(argOf(argv, "--runs") ?? 30);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  const client = new Client({ connectionString: url.toString() });
  let orm: MikroORM | null = null;
  try {
    const migrated = await openDatabase(url.toString(), pino({ level: "warn" }));
    const data = await addOfficerAndTenders(migrated.em.fork());
    await migrated.close(true);
    await client.connect();
    const started = performance.now();
    await addCooperatives(client, 0, size);
    await client.query("CREATE INDEX cooperatives_point_gist ON cooperatives USING gist (point(longitude, latitude))");
    await client.query("VACUUM (ANALYZE) cooperatives, cooperative_skills, cooperative_references");
    console.error(`${thousands(size)} cooperatives in ${fixed((performance.now() - started) / 1000, 1)} s (with the GiST index)`);
    orm = await MikroORM.init(ormConfig(url.toString(), { pool: { min: 0, max: 5 } }));
    const em = orm.em.fork();
    const tender = (
      await client.query<{ latitude: number; longitude: number; city: string }>("SELECT latitude, longitude, city FROM tenders WHERE id = $1", [data.five.id])
    ).rows[0];
    const lots = (await client.query<{ cpv_codes: string[] }>("SELECT cpv_codes FROM lots WHERE tender_id = $1 ORDER BY number", [data.five.id])).rows;
    if (!tender) throw new Error("no tender");
    const demands = [
      { label: `whole 5-lot tender (${MEASURED_TENDERS.five.lots.join(", ")})`, codes: [...new Set(lots.flatMap((l) => l.cpv_codes))] },
      { label: `lot 1 (${MEASURED_TENDERS.five.lots[0]})`, codes: lots[0]?.cpv_codes ?? [] },
    ];
    const rows: string[][] = [];
    const weights = validateWeights({});
    const proximity = validateProximityOptions({ maxDistanceKm: null });
    for (const demand of demands) {
      const prefixes = demandPrefixes(demand.codes, 4);
      const place = { lat: tender.latitude, lon: tender.longitude, label: tender.city };
      const score = async (found: Rows) =>
        rankCandidates({ cpvCodes: demand.codes, place, value: null }, await loadProfiles(em, found), weights, proximity, new Date()).slice(0, 20);
      const all = (
        await client.query(`SELECT ${COLUMNS}, NULL::double precision AS distance_km FROM cooperatives c WHERE c.cpv_prefixes && $1::text[]`, [prefixes])
      ).rows as Rows;
      const exact = await score(all);
      const exactIds = new Set(exact.map((r) => r.id));
      const mean = (list: { score: number }[]) => list.reduce((t, r) => t + r.score, 0) / Math.max(1, list.length);
      rows.push([
        demand.label,
        `exact: all ${thousands(all.length)} overlapping scored`,
        "-",
        "-",
        String(all.length),
        "20/20",
        fixed(exact[0]?.score, 3),
        fixed(mean(exact), 3),
      ]);
      for (const variant of variants(prefixes, tender.latitude, tender.longitude)) {
        for (let i = 0; i < 3; i++) await client.query(variant.sql, variant.params);
        const times: number[] = [];
        let found: Rows = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          found = (await client.query(variant.sql, variant.params)).rows as Rows;
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const top = await score(found);
        const same = top.filter((r) => exactIds.has(r.id)).length;
        rows.push([
          demand.label,
          variant.name,
          fixed(quantile(times, 0.5), 1),
          fixed(quantile(times, 0.95), 1),
          String(found.length),
          `${same}/20`,
          fixed(top[0]?.score, 3),
          fixed(mean(top), 3),
        ]);
        console.error(`${demand.label} — ${variant.name}: p50 ${fixed(quantile(times, 0.5), 1)} ms`);
      }
    }
    console.log(`Candidate statement at ${thousands(size)} cooperatives, ${runs} sequential runs each (pg client, no app):\n`);
    console.log(
      renderTable(
        [
          { title: "Demand", align: "left" },
          { title: "Variant", align: "left" },
          { title: "p50 ms", align: "right" },
          { title: "p95 ms", align: "right" },
          { title: "rows", align: "right" },
          { title: "in the exact top 20", align: "right" },
          { title: "#1 score", align: "right" },
          { title: "mean top-20 score", align: "right" },
        ],
        rows,
      ),
    );
  } finally {
    await orm?.close(true);
    await client.end().catch(() => undefined);
    if (!argv.includes("--keep")) await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
