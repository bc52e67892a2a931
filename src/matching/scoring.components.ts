import { BadInputError } from "../common/errors";
import { haversineKm, isValidLatLon } from "../common/geo";
import { strictCpvDigits } from "../common/cpv";
import { matchSignificant, significantDigits, type CpvRelation } from "./cpv-similarity";
import type { ProximityOptions } from "./scoring.options";
import type { CandidateProfile, Demand, Place, TrackEntry } from "./scoring.types";

/**
 * The four components of the match score, each in [0, 1] with its evidence in plain words
 * (the rules: the module comment of scoring.ts), and the constants they use.
 */

// Skills
export const SKILL_LEVEL_FACTOR: Readonly<Record<1 | 2 | 3 | 4 | 5, number>> = Object.freeze({
  1: 0.6,
  2: 0.7,
  3: 0.8,
  4: 0.9,
  5: 1,
});
export const SKILL_COVER_THRESHOLD = 0.6;
/** Skills value when the demand names no CPV code: no one is favoured. */
export const SKILLS_NO_DEMAND = 0.5;

// Proximity
export const PROXIMITY_UNKNOWN_LOCATION = 0.25;
export const PROXIMITY_UNKNOWN_PLACE = 0.5;

// Capacity
/** (lot value / annual revenue, fit) points, linearly interpolated, 0 beyond the last. */
export const REVENUE_RATIO_CURVE: readonly (readonly [number, number])[] = Object.freeze([
  [0, 1],
  [0.3, 1],
  [0.5, 0.6],
  [1, 0.2],
  [2, 0],
] as const);
/** Yearly output of one person in a communication cooperative, to read headcount as size. */
export const OUTPUT_PER_PERSON_EUR = 70_000;
export const REVENUE_SHARE_OF_SIZE = 0.7;
export const CAPACITY_NEUTRAL = 0.5;
export const EASY_OPEN_BIDS_MIN = 2;
export const PEOPLE_PER_OPEN_BID = 4;
export const LOAD_PENALTY_PER_BID = 0.1;
export const LOAD_PENALTY_MAX = 0.5;

// Track record
export const TRACK_SIMILARITY_THRESHOLD = 0.6;
export const TRACK_HALF_LIFE_YEARS = 3;
export const TRACK_KIND_WEIGHT: Readonly<Record<TrackEntry["kind"], number>> = Object.freeze({
  WON: 1,
  REFERENCE: 0.6,
});
export const TRACK_SMALL_AMOUNT_RATIO = 0.25;
export const TRACK_SMALL_AMOUNT_FACTOR = 0.7;
/** Track record value when the demand names no CPV code. */
export const TRACK_NO_DEMAND = 0.5;

export const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};
export const round4 = (x: number): number => round(x, 4);
export const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n === 1 ? word : words}`;

/** "900 €", "120 k€", "1.5 M€". */
export function formatEuros(amount: number): string {
  if (amount >= 1_000_000) return `${round(amount / 1_000_000, 1)} M€`;
  if (amount >= 1_000) return `${Math.round(amount / 1_000)} k€`;
  return `${Math.round(amount)} €`;
}

/**
 * Significant digits of a code, or null if invalid, memoized: the same skills and references are
 * scored against every lot and every tender. The CPV has under 10,000 codes; the cache is
 * emptied if odd input ever fills it.
 */
const significantCache = new Map<string, string | null>();
function significantOf(code: string): string | null {
  let significant = significantCache.get(code);
  if (significant === undefined) {
    const normalized = strictCpvDigits(code);
    significant = normalized === null ? null : significantDigits(normalized);
    if (significantCache.size >= 50_000) significantCache.clear();
    significantCache.set(code, significant);
  }
  return significant;
}

const knownAmount = (x: number | null | undefined): number | null => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : null);

/** A demand checked once, codes reduced to their significant digits. */
export interface PreparedDemand {
  codes: { normalized: string; significant: string }[];
  place: Place | null;
  value: number | null;
}

export function prepareDemand(demand: Demand): PreparedDemand {
  const seen = new Set<string>();
  const codes: PreparedDemand["codes"] = [];
  demand.cpvCodes.forEach((code, i) => {
    const normalized = strictCpvDigits(code);
    if (normalized === null) {
      throw new BadInputError(`demand.cpvCodes[${i}]`, `"${code}" is not a CPV code`);
    }
    if (seen.has(normalized)) return;
    seen.add(normalized);
    codes.push({ normalized, significant: significantDigits(normalized) });
  });
  if (demand.place !== null && !isValidLatLon(demand.place)) {
    throw new BadInputError("demand.place", "must have a latitude in [-90, 90] and a longitude in [-180, 180]");
  }
  if (demand.value !== null && (!Number.isFinite(demand.value) || demand.value < 0)) {
    throw new BadInputError("demand.value", "must be a finite amount >= 0");
  }
  return { codes, place: demand.place, value: demand.value };
}

function levelFactor(level: number): number {
  const clamped = Number.isFinite(level) ? Math.min(5, Math.max(1, Math.round(level))) : 1;
  return SKILL_LEVEL_FACTOR[clamped as 1 | 2 | 3 | 4 | 5];
}

export function skillsComponent(demand: PreparedDemand, candidate: CandidateProfile): { value: number; evidence: string; covered: string[] } {
  if (demand.codes.length === 0) {
    return { value: SKILLS_NO_DEMAND, evidence: "no CPV code demanded", covered: [] };
  }
  const skills: { significant: string; factor: number }[] = [];
  for (const skill of candidate.skills) {
    const significant = significantOf(skill.cpv);
    if (significant !== null) skills.push({ significant, factor: levelFactor(skill.level) });
  }
  const n = demand.codes.length;
  if (skills.length === 0) {
    return { value: 0, evidence: `no skills declared (0 of ${plural(n, "CPV code")})`, covered: [] };
  }
  let sum = 0;
  let exact = 0;
  const covered: string[] = [];
  const near: string[] = [];
  for (const code of demand.codes) {
    let best = 0;
    let bestSimilarity = 0;
    let nearest: { skill: string; relation: CpvRelation } | null = null;
    for (const skill of skills) {
      const { similarity, relation } = matchSignificant(skill.significant, code.significant);
      if (similarity > bestSimilarity) {
        bestSimilarity = similarity;
        nearest = { skill: skill.significant, relation };
      }
      const credit = similarity * skill.factor;
      if (credit > best) best = credit;
    }
    sum += best;
    if (bestSimilarity >= SKILL_COVER_THRESHOLD) covered.push(code.normalized);
    if (bestSimilarity === 1) exact++;
    if (nearest && bestSimilarity < 1) near.push(relationWords(code.normalized, nearest.skill, nearest.relation, bestSimilarity >= SKILL_COVER_THRESHOLD));
  }
  const evidence = `${covered.length} of ${plural(n, "CPV code")}` + (exact > 0 ? `, ${exact} exact` : "") + (near.length ? `; ${near.join("; ")}` : "");
  return { value: sum / n, evidence, covered };
}

const LEVEL_NAMES: Readonly<Record<number, string>> = Object.freeze({ 2: "division", 3: "group", 4: "class", 5: "category" });

/**
 * Why a code is (partly) credited without an exact skill: the parent, part or sibling code that
 * put the cooperative on the list ("72230000 not covered: its skill 72212000 only shares the group 722").
 */
function relationWords(demanded: string, skillSignificant: string, relation: CpvRelation, isCovered: boolean): string {
  const skill = skillSignificant.padEnd(8, "0");
  const head = isCovered ? `${demanded} covered by its skill ${skill}` : `${demanded} not covered: its skill ${skill}`;
  switch (relation) {
    case "BROADER_SKILL":
      return isCovered
        ? `${head}, a broader code that contains it`
        : `${head} is too broad (the whole ${LEVEL_NAMES[Math.min(5, skillSignificant.length)] ?? "division"} ${skillSignificant})`;
    case "NARROWER_SKILL":
      return `${head}, a narrower code, part of it`;
    case "UNRELATED":
    case "EXACT":
      return head;
    default: {
      const demandedSignificant = significantDigits(demanded);
      let shared = 0;
      while (shared < demandedSignificant.length && shared < skillSignificant.length && demandedSignificant[shared] === skillSignificant[shared]) shared++;
      const level = LEVEL_NAMES[Math.min(5, shared)] ?? "division";
      return `${head}${isCovered ? ", which" : " only"} shares the ${level} ${demandedSignificant.slice(0, shared)}`;
    }
  }
}

export function proximityComponent(
  demand: PreparedDemand,
  candidate: CandidateProfile,
  options: ProximityOptions,
): { value: number; evidence: string; distanceKm: number | null } {
  if (demand.place === null) {
    return { value: PROXIMITY_UNKNOWN_PLACE, evidence: "place of performance unknown", distanceKm: null };
  }
  if (candidate.location === null || !isValidLatLon(candidate.location)) {
    return { value: PROXIMITY_UNKNOWN_LOCATION, evidence: "no location known", distanceKm: null };
  }
  const distanceKm = haversineKm(candidate.location, demand.place);
  const label = placeName(demand.place);
  const where = distanceKm < 1 ? `less than 1 km from ${label}` : `${Math.round(distanceKm)} km from ${label}`;
  const max = options.maxDistanceKm ?? null;
  if (max !== null && distanceKm > max) {
    return { value: 0, evidence: `${where}, beyond the ${round(max, 1)} km limit`, distanceKm };
  }
  return { value: 2 ** (-distanceKm / options.decayKm), evidence: where, distanceKm };
}

/** The place of performance as explanations name it: its commune or area, never the buyer. */
export function placeName(place: Place | null): string {
  return place?.label?.trim() ? place.label.trim() : "the place of performance";
}

function interpolate(curve: readonly (readonly [number, number])[], x: number): number {
  let previous: readonly [number, number] | undefined;
  for (const point of curve) {
    const [x1, y1] = point;
    if (previous && x <= x1) {
      const [x0, y0] = previous;
      return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
    previous = point;
  }
  return previous ? previous[1] : 0;
}

export function capacityComponent(demand: PreparedDemand, candidate: CandidateProfile): { value: number; evidence: string } {
  const revenue = knownAmount(candidate.annualRevenue);
  const rawHeadcount = knownAmount(candidate.headcount);
  const headcount = rawHeadcount !== null && rawHeadcount > 0 ? rawHeadcount : null;
  const value = demand.value;
  const parts: string[] = [];

  let size: number;
  if (value === null) {
    size = CAPACITY_NEUTRAL;
    parts.push("lot value unknown");
  } else if (revenue === null && headcount === null) {
    size = CAPACITY_NEUTRAL;
    parts.push(`lot of ${formatEuros(value)}, size of the cooperative unknown`);
  } else {
    const revenueFit = revenue === null ? null : revenue === 0 ? (value === 0 ? 1 : 0) : interpolate(REVENUE_RATIO_CURVE, value / revenue);
    const headFit = headcount === null ? null : interpolate(REVENUE_RATIO_CURVE, value / (headcount * OUTPUT_PER_PERSON_EUR));
    size =
      revenueFit !== null && headFit !== null
        ? REVENUE_SHARE_OF_SIZE * revenueFit + (1 - REVENUE_SHARE_OF_SIZE) * headFit
        : (revenueFit ?? headFit ?? CAPACITY_NEUTRAL);
    if (revenue !== null && revenue > 0) {
      const percent = Math.round((100 * value) / revenue);
      parts.push(`lot of ${formatEuros(value)} is ${percent} % of annual revenue (${formatEuros(revenue)})`);
    } else if (revenue === 0) {
      parts.push(`lot of ${formatEuros(value)} against no revenue yet`);
    } else {
      parts.push(`lot of ${formatEuros(value)}, revenue unknown`);
    }
  }
  if (headcount !== null) parts.push(plural(headcount, "person", "people"));

  const openBids = Number.isFinite(candidate.openBids) && candidate.openBids > 0 ? Math.floor(candidate.openBids) : 0;
  const easyBids = Math.max(EASY_OPEN_BIDS_MIN, Math.floor((headcount ?? 0) / PEOPLE_PER_OPEN_BID));
  const excess = Math.max(0, openBids - easyBids);
  const penalty = Math.min(LOAD_PENALTY_MAX, LOAD_PENALTY_PER_BID * excess);
  parts.push(
    openBids === 0 ? "no open bid" : excess > 0 ? `${plural(openBids, "open bid")}, ${excess} more than it carries easily` : plural(openBids, "open bid"),
  );
  return { value: clamp01(size * (1 - penalty)), evidence: parts.join(", ") };
}

export function trackComponent(demand: PreparedDemand, candidate: CandidateProfile, now: Date): { value: number; evidence: string } {
  if (demand.codes.length === 0) {
    return { value: TRACK_NO_DEMAND, evidence: "no CPV code demanded to compare past work with" };
  }
  const nowYear = now.getUTCFullYear();
  let total = 0;
  const counts = { WON: 0, REFERENCE: 0 };
  const since = { WON: Infinity, REFERENCE: Infinity };
  for (const entry of candidate.track) {
    const significant = significantOf(entry.cpv);
    if (significant === null || !Number.isFinite(entry.year)) continue;
    let similarity = 0;
    for (const code of demand.codes) {
      const s = matchSignificant(significant, code.significant).similarity;
      if (s > similarity) similarity = s;
    }
    if (similarity < TRACK_SIMILARITY_THRESHOLD) continue;
    const kind = entry.kind === "WON" ? "WON" : "REFERENCE";
    const age = Math.max(0, nowYear - entry.year);
    const amount = knownAmount(entry.amount);
    const size = amount !== null && demand.value !== null && amount < TRACK_SMALL_AMOUNT_RATIO * demand.value ? TRACK_SMALL_AMOUNT_FACTOR : 1;
    total += similarity * TRACK_KIND_WEIGHT[kind] * 2 ** (-age / TRACK_HALF_LIFE_YEARS) * size;
    counts[kind]++;
    since[kind] = Math.min(since[kind], entry.year);
  }
  const when = (n: number, year: number): string => `${n === 1 ? "in" : "since"} ${year}`;
  const won =
    counts.WON > 0
      ? `won ${plural(counts.WON, "similar contract")} ${when(counts.WON, since.WON)}`
      : counts.REFERENCE > 0
        ? "no similar contract won"
        : "no similar contract won or referenced";
  const references = counts.REFERENCE > 0 ? `, ${plural(counts.REFERENCE, "reference")} ${when(counts.REFERENCE, since.REFERENCE)}` : "";
  return { value: 1 - 2 ** -total, evidence: won + references };
}
