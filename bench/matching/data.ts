/**
 * The directory of bench/matching, generated fast: cooperatives, their skills and references are
 * drawn in Node with the demo seed's generator and trades (src/db/seed.ts), then sent to
 * PostgreSQL in chunks of multi-row `INSERT … SELECT FROM unnest($1, $2, …)`, one statement per
 * table and chunk, never through the ORM row by row. The tenders (a few hundred rows) go
 * through the ORM as the integration tests insert them (`em.create(Tender, { …cpvSummary })`).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Client } from "pg";
import { hashPassword } from "../../src/auth/password";
import { PlatformRole } from "../../src/auth/roles";
import { User } from "../../src/auth/user.entity";
import { knownCpv } from "../../src/common/cpv";
import { communes, findDepartment, type Commune } from "../../src/common/reference/reference";
import { prng, TRADES } from "../../src/db/seed";
import { placeOf } from "../../src/places/place.embeddable";
import { cpvPrefixes } from "../../src/matching/cpv-similarity";
import { Lot, Tender } from "../../src/tenders/tender.entity";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import { cpvSummary } from "../../src/tenders/tender.cpv";

export const OFFICER_EMAIL = "officer@bench-matching.scopgraph.coop";
export const OFFICER_PASSWORD = "bench-matching-officer";

/** Open tenders besides the two measured ones, so that `opportunities` has a market to rank. */
export const OPEN_TENDERS = 200;
const CHUNK = 5_000;

const LEGAL_FORMS = ["SCOP_SARL", "SCOP_SARL", "SCOP_SAS", "SCOP_SA", "SCIC_SAS", "SCIC_SARL", "CAE"] as const;
const NAMES = [
  "Ricochet",
  "Mistral",
  "L'Établi",
  "La Fabrique",
  "Colibri",
  "Les Arpenteurs",
  "Cap Horizon",
  "Le Lavoir",
  "Grand Angle",
  "La Navette",
  "Contrechamp",
  "L'Encrier",
  "La Ruche",
  "Le Phare",
  "La Boussole",
  "Fil Rouge",
];
const CLIENTS = [
  "Région Normandie",
  "Ville de Lyon",
  "Département de la Gironde",
  "CHU de Nantes",
  "Métropole de Lille",
  "Université de Rennes",
  "Ville de Besançon",
];
const BUYERS = [
  "Région Bretagne",
  "Ville de Grenoble",
  "Métropole de Lyon",
  "Département du Nord",
  "CHU de Bordeaux",
  "Université de Strasbourg",
  "Ville de Toulouse",
];

/** One lot per trade of the sector: title and codes (all from the TRADES of src/db/seed.ts). */
const LOTS: Record<string, [string, string[]]> = {
  print: ["Impression des supports", ["79810000", "79823000"]],
  web: ["Site internet", ["72413000", "72212200"]],
  video: ["Film de campagne", ["92111000"]],
  events: ["Organisation de l'événement", ["79952000"]],
  design: ["Identité visuelle et mise en page", ["79822500"]],
  press: ["Relations presse", ["79416000"]],
  translation: ["Traduction", ["79530000"]],
  photo: ["Reportage photo", ["79961000"]],
  advertising: ["Campagne publicitaire", ["79341000"]],
  subtitles: ["Sous-titrage", ["79540000"]],
  seminars: ["Séminaires et colloques", ["79951000"]],
  software: ["Application mobile", ["72212000"]],
};

/** The measured tenders: 5 lots (print, web, video, events, design) and 12 lots. */
export const MEASURED_TENDERS = {
  five: { lots: ["print", "web", "video", "events", "design"], maxLotsPerTenderer: 2, city: "Nantes" },
  twelve: {
    lots: ["print", "web", "video", "events", "design", "press", "translation", "photo", "advertising", "subtitles", "seminars", "software"],
    maxLotsPerTenderer: 3,
    city: "Lyon",
  },
} as const;

export interface MeasuredTender {
  id: string;
  title: string;
  city: string;
  lots: number;
  maxLotsPerTenderer: number;
}

export interface BenchData {
  officerEmail: string;
  five: MeasuredTender;
  twelve: MeasuredTender;
  openTenders: number;
}

/**
 * Communes of 2,000 people or more, weighted by the square root of the population as the demo
 * seed does (cooperatives sit where people live); the table is built once.
 */
let communeTable: { pool: readonly Commune[]; cumulative: number[]; total: number } | null = null;
function sampleCommune(rand: () => number): Commune {
  if (!communeTable) {
    const pool = communes().filter((c) => c.population >= 2_000);
    const cumulative: number[] = [];
    let sum = 0;
    for (const c of pool) cumulative.push((sum += Math.sqrt(c.population)));
    communeTable = { pool, cumulative, total: sum };
  }
  const { pool, cumulative, total } = communeTable;
  {
    const r = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    return pool[lo] as Commune;
  }
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

/** A version-4-shaped UUID from the generator, so that the same size gives the same directory. */
function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 4 }, () =>
    Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, "0"),
  ).join("");
  const variant = (8 | (parseInt(hex[16] as string, 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function findCity(name: string): Commune {
  const list = communes();
  return list.find((c) => c.name === name) ?? ([...list].sort((a, b) => b.population - a.population)[0] as Commune);
}

interface CooperativeRows {
  id: string[];
  name: string[];
  legalForm: string[];
  siret: string[];
  naf: string[];
  description: string[];
  postcode: (string | null)[];
  city: string[];
  commune: string[];
  dept: string[];
  region: (string | null)[];
  lat: number[];
  lon: number[];
  headcount: number[];
  revenue: number[];
  prefixes: string[];
}

interface SkillRows {
  cooperative: string[];
  cpv: string[];
  level: number[];
}

interface ReferenceRows {
  cooperative: string[];
  title: string[];
  client: string[];
  cpv: string[];
  year: number[];
  amount: number[];
}

/**
 * Generates cooperatives number `from` to `to - 1` (the directory grows in steps; cooperative i
 * is the same whatever the steps). Skills: 2 to 6 codes, most from the cooperative's trade at
 * levels 2-5, the rest from other trades at levels 1-3; 0 to 3 references on its skills.
 */
export async function addCooperatives(client: Client, from: number, to: number): Promise<{ skills: number; references: number }> {
  let skills = 0;
  let references = 0;
  const year = new Date().getUTCFullYear();
  for (let start = from; start < to; start += CHUNK) {
    const end = Math.min(to, start + CHUNK);
    const coops: CooperativeRows = {
      id: [],
      name: [],
      legalForm: [],
      siret: [],
      naf: [],
      description: [],
      postcode: [],
      city: [],
      commune: [],
      dept: [],
      region: [],
      lat: [],
      lon: [],
      headcount: [],
      revenue: [],
      prefixes: [],
    };
    const skillRows: SkillRows = { cooperative: [], cpv: [], level: [] };
    const refRows: ReferenceRows = { cooperative: [], title: [], client: [], cpv: [], year: [], amount: [] };
    for (let i = start; i < end; i++) {
      // One generator per cooperative: the directory does not depend on the steps it grew in.
      const rand = prng(1_000_003 * (i + 1));
      const trade = TRADES[i % TRADES.length] as (typeof TRADES)[number];
      const commune = sampleCommune(rand);
      const id = uuidFrom(rand);
      const headcount = 2 + Math.floor(Math.pow(rand(), 2) * 60);
      const count = 2 + Math.floor(rand() * 5);
      const codes = new Map<string, number>();
      const own = [...trade.skills].sort(() => rand() - 0.5);
      const fromOwn = Math.min(own.length, Math.max(1, count - Math.floor(rand() * 3)));
      for (const code of own.slice(0, fromOwn)) codes.set(code, 2 + Math.floor(rand() * 4));
      for (let guard = 0; codes.size < count && guard < 20; guard++) {
        const other = pick(rand, TRADES);
        const code = pick(rand, other.skills);
        if (!codes.has(code)) codes.set(code, 1 + Math.floor(rand() * 3));
      }
      const known = [...codes].flatMap(([code, level]) => {
        const cpv = knownCpv(code);
        return cpv ? [[cpv, level] as const] : [];
      });
      coops.id.push(id);
      coops.name.push(`${pick(rand, trade.words)} ${pick(rand, NAMES)} ${i + 1}`);
      coops.legalForm.push(pick(rand, LEGAL_FORMS));
      coops.siret.push(String(10_000_000_000_000 + i));
      coops.naf.push(trade.naf);
      coops.description.push(`${trade.blurb} Coopérative basée à ${commune.name}.`);
      coops.postcode.push(commune.postcodes[0] ?? null);
      coops.city.push(commune.name);
      coops.commune.push(commune.insee);
      coops.dept.push(commune.dept);
      coops.region.push(findDepartment(commune.dept)?.region ?? null);
      coops.lat.push(commune.lat + (rand() - 0.5) * 0.02);
      coops.lon.push(commune.lon + (rand() - 0.5) * 0.02);
      coops.headcount.push(headcount);
      coops.revenue.push(Math.round(headcount * (55_000 + rand() * 40_000)));
      coops.prefixes.push([...new Set(known.flatMap(([cpv]) => cpvPrefixes(cpv)))].sort().join(","));
      for (const [cpv, level] of known) {
        skillRows.cooperative.push(id);
        skillRows.cpv.push(cpv);
        skillRows.level.push(level);
      }
      const referenceCount = Math.floor(rand() * 4);
      for (let r = 0; r < referenceCount; r++) {
        const [cpv] = pick(rand, known);
        const buyer = pick(rand, CLIENTS);
        refRows.cooperative.push(id);
        refRows.title.push(`${trade.words[0]} pour ${buyer}`);
        refRows.client.push(buyer);
        refRows.cpv.push(cpv);
        refRows.year.push(year - 1 - Math.floor(rand() * 6));
        refRows.amount.push(Math.round((5 + rand() * 120) * 1000));
      }
    }
    await client.query(
      `INSERT INTO cooperatives (id, name, legal_form, siret, naf_code, description, postcode, city, commune_code,
         department_code, region_code, latitude, longitude, headcount, annual_revenue, cpv_prefixes)
       SELECT id, name, legal_form::legal_form, siret, naf, description, postcode, city, commune, dept, region, lat, lon,
              headcount, revenue, string_to_array(prefixes, ',')
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::float8[], $13::float8[], $14::int[], $15::int[], $16::text[])
           AS t(id, name, legal_form, siret, naf, description, postcode, city, commune, dept, region, lat, lon, headcount, revenue, prefixes)`,
      [
        coops.id,
        coops.name,
        coops.legalForm,
        coops.siret,
        coops.naf,
        coops.description,
        coops.postcode,
        coops.city,
        coops.commune,
        coops.dept,
        coops.region,
        coops.lat,
        coops.lon,
        coops.headcount,
        coops.revenue,
        coops.prefixes,
      ],
    );
    await client.query(
      `INSERT INTO cooperative_skills (id, cooperative_id, cpv, level)
       SELECT gen_random_uuid(), c, cpv, level FROM unnest($1::uuid[], $2::text[], $3::int[]) AS t(c, cpv, level)`,
      [skillRows.cooperative, skillRows.cpv, skillRows.level],
    );
    await client.query(
      `INSERT INTO cooperative_references (id, cooperative_id, title, client, cpv, year, amount)
       SELECT gen_random_uuid(), c, title, client, cpv, year, amount
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[]) AS t(c, title, client, cpv, year, amount)`,
      [refRows.cooperative, refRows.title, refRows.client, refRows.cpv, refRows.year, refRows.amount],
    );
    skills += skillRows.cpv.length;
    references += refRows.cpv.length;
  }
  return { skills, references };
}

/** The first cooperative generated (siret 10000000000000): the one whose `opportunities` are timed. */
export async function firstCooperative(client: Client): Promise<{ id: string; name: string; city: string; skills: string[] }> {
  const row = (
    await client.query<{ id: string; name: string; city: string; skills: string[] }>(
      `SELECT c.id, c.name, c.city, array_agg(s.cpv || ' (' || s.level || ')' ORDER BY s.cpv) AS skills
         FROM cooperatives c JOIN cooperative_skills s ON s.cooperative_id = c.id
        WHERE c.siret = '10000000000000' GROUP BY c.id`,
    )
  ).rows[0];
  if (!row) throw new Error("the first cooperative is missing");
  return row;
}

/**
 * The officer (a known scrypt hash, to sign in once), the open tenders across France with 1 to
 * 4 lots of the sector, and the two measured tenders, through the ORM.
 */
export async function addOfficerAndTenders(em: EntityManager): Promise<BenchData> {
  em.create(User, {
    email: OFFICER_EMAIL,
    name: "Bench Officer",
    role: PlatformRole.MISSION_OFFICER,
    passwordHash: await hashPassword(OFFICER_PASSWORD),
    emailVerifiedAt: new Date(),
  });
  const rand = prng(4242);
  const now = Date.now();
  const day = 86_400_000;
  const keys = Object.keys(LOTS);
  const create = (title: string, commune: Commune, lotKeys: readonly string[], maxLots: number | null, buyer: string) => {
    const lots = lotKeys.map((key, i) => {
      const [lotTitle, cpvCodes] = LOTS[key] as [string, string[]];
      return { number: i + 1, title: lotTitle, cpvCodes, estimatedValue: Math.round((10 + rand() * 70) * 1000) };
    });
    const tender = em.create(Tender, {
      kind: TenderKind.PUBLIC_TENDER,
      status: TenderStatus.OPEN,
      title,
      buyerName: buyer,
      place: placeOf({
        city: commune.name,
        communeCode: commune.insee,
        departmentCode: commune.dept,
        regionCode: findDepartment(commune.dept)?.region ?? null,
        latitude: commune.lat,
        longitude: commune.lon,
      }),
      countryCode: "FRA",
      estimatedValue: lots.reduce((s, l) => s + l.estimatedValue, 0),
      publishedAt: new Date(now - (1 + Math.floor(rand() * 10)) * day),
      submissionDeadline: new Date(now + (10 + Math.floor(rand() * 50)) * day),
      maxLotsPerTenderer: maxLots,
      ...cpvSummary(lots.map((l) => l.cpvCodes)),
    });
    for (const lot of lots) em.create(Lot, { ...lot, tender, cpvPrefixes: cpvSummary([lot.cpvCodes]).cpvPrefixes });
    return tender;
  };
  for (let i = 0; i < OPEN_TENDERS; i++) {
    const commune = sampleCommune(rand);
    const count = 1 + Math.floor(rand() * 4);
    const chosen = [...new Set(Array.from({ length: count }, () => pick(rand, keys)))];
    create(`Marché de communication n° ${i + 1} — ${commune.name}`, commune, chosen, chosen.length > 2 ? 2 : null, pick(rand, BUYERS));
  }
  const measured = (spec: (typeof MEASURED_TENDERS)["five" | "twelve"], title: string): MeasuredTender => {
    const commune = findCity(spec.city);
    const tender = create(title, commune, spec.lots, spec.maxLotsPerTenderer, `Ville de ${commune.name}`);
    return { id: tender.id, title, city: commune.name, lots: spec.lots.length, maxLotsPerTenderer: spec.maxLotsPerTenderer };
  };
  const five = measured(MEASURED_TENDERS.five, "Campagne municipale : impression, web, vidéo, événement, design");
  const twelve = measured(MEASURED_TENDERS.twelve, "Accord-cadre de communication en 12 lots");
  await em.flush();
  return { officerEmail: OFFICER_EMAIL, five, twelve, openTenders: OPEN_TENDERS };
}
