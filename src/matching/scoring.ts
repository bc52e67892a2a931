import { BadInputError } from "../common/errors";
import { haversineKm, isValidLatLon } from "../common/geo";
import { matchSignificant, normalizeCpv, significantDigits, type CpvRelation } from "./cpv-similarity";

/**
 * Match score of a cooperative for a demand (a tender or one of its lots), ARCHITECTURE §6.
 *
 * Pure and deterministic: the clock is passed in, nothing is read from the database. The
 * score is the weighted sum of four components, each in [0, 1] and explained in plain words:
 *
 * - SKILLS: for each demanded CPV code, the best `cpvSimilarity` of a skill times the skill's
 *   level factor (level 1 → 0.6 … level 5 → 1, +0.1 a level), averaged over demanded codes.
 *   A code counts as covered from a similarity of 0.6 (same class, or a broader/narrower code).
 * - PROXIMITY: 2^(−distance / decayKm), i.e. 1 on site, 0.5 at `decayKm` (default 50 km),
 *   0.25 at twice that; 0 beyond `maxDistanceKm` when given. Unknown cooperative location →
 *   0.25 (low: not knowing is not rewarded); unknown place of performance → 0.5 for everyone.
 *   Proximity is a preselection aid of the platform, not an award criterion of the buyer.
 * - CAPACITY: the lot value against annual revenue (full up to 30 %, 0.6 at 50 % — public buyers
 *   may not require a turnover above twice the value —, 0.2 at 100 %, 0 from 200 %), weighted
 *   0.7, and against headcount × 70 k€ of yearly output per person, weighted 0.3 (one of the
 *   two alone when the other is unknown; 0.5 when the value or both sizes are unknown); then
 *   reduced by 10 % per open bid beyond what the team carries easily (max(2, headcount / 4)
 *   bids), by at most 50 %.
 * - TRACK_RECORD: every won contract or reference whose CPV code has a similarity of at least
 *   0.6 with a demanded code counts similarity × kind (won 1, reference 0.6) × recency
 *   (half-life 3 years) × size (0.7 when its amount is under 25 % of the demanded value);
 *   value = 1 − 2^(−total): one recent exact win gives 0.5, two 0.75, three 0.875.
 *
 * Contributions (value × weight) add up to the score, so that the ranking can be read; values,
 * weights, contributions and the score are rounded to 4 decimals (the rounded contributions may
 * differ from the score by 0.0001). A cooperative without skills gets 0 on SKILLS, so with the
 * default weights it cannot score above 0.5, and 0.35 without a similar track record.
 */

export interface ScoringWeights {
  skills: number;
  proximity: number;
  capacity: number;
  trackRecord: number;
}

/** Defaults: what a cooperative can do matters most; the other three refine. Sum to 1. */
export const DEFAULT_WEIGHTS: Readonly<ScoringWeights> = Object.freeze({
  skills: 0.5,
  proximity: 0.2,
  capacity: 0.15,
  trackRecord: 0.15,
});

const WEIGHT_NAMES = ["skills", "proximity", "capacity", "trackRecord"] as const;

/** Weights as an officer passes them: any subset, null meaning "the default". */
export type WeightsInput = { readonly [K in keyof ScoringWeights]?: number | null };

/**
 * Complete, check and normalize weights. Missing (or null) weights take their default; each
 * given one must be a finite number in [0, 1]; at least one must be above 0. The result is
 * scaled to sum to 1, so the score stays in [0, 1] and weights read as shares.
 */
export function validateWeights(input: WeightsInput | null | undefined = {}): ScoringWeights {
  const given: Record<string, unknown> = { ...(input ?? {}) };
  for (const key of Object.keys(given)) {
    if (!(WEIGHT_NAMES as readonly string[]).includes(key)) {
      throw new BadInputError(`weights.${key}`, "is not a known weight (skills, proximity, capacity, trackRecord)");
    }
  }
  const weights: ScoringWeights = { ...DEFAULT_WEIGHTS };
  for (const name of WEIGHT_NAMES) {
    const value = given[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new BadInputError(`weights.${name}`, "must be a finite number between 0 and 1");
    }
    weights[name] = value;
  }
  const total = weights.skills + weights.proximity + weights.capacity + weights.trackRecord;
  if (total <= 0) {
    throw new BadInputError("weights", "at least one weight must be above 0");
  }
  return {
    skills: weights.skills / total,
    proximity: weights.proximity / total,
    capacity: weights.capacity / total,
    trackRecord: weights.trackRecord / total,
  };
}

export interface ProximityOptions {
  /** Distance, in km, at which proximity halves. */
  decayKm: number;
  /** Beyond this distance, proximity is 0 and `rankCandidates` leaves the cooperative out. */
  maxDistanceKm?: number | null;
}

export const DEFAULT_PROXIMITY: Readonly<ProximityOptions> = Object.freeze({ decayKm: 50, maxDistanceKm: null });

/** Complete and check proximity options (BadInputError on `decayKm` / `maxDistanceKm`). */
export function validateProximityOptions(
  input: Partial<ProximityOptions> | null | undefined = {},
): ProximityOptions {
  const decayKm = input?.decayKm ?? DEFAULT_PROXIMITY.decayKm;
  if (!Number.isFinite(decayKm) || decayKm <= 0 || decayKm > 20000) {
    throw new BadInputError("decayKm", "must be a number of km above 0 and at most 20000");
  }
  const maxDistanceKm = input?.maxDistanceKm ?? null;
  if (maxDistanceKm !== null && (!Number.isFinite(maxDistanceKm) || maxDistanceKm <= 0)) {
    throw new BadInputError("maxDistanceKm", "must be a finite number of km above 0");
  }
  return { decayKm, maxDistanceKm };
}

export interface Place {
  lat: number;
  lon: number;
  /** A name for the evidence ("Rouen"); null reads "the place of performance". */
  label: string | null;
}

/** What is asked: a tender or one of its lots. */
export interface Demand {
  cpvCodes: string[];
  place: Place | null;
  /** Estimated value in EUR, excluding VAT. */
  value: number | null;
}

export interface CandidateSkill {
  cpv: string;
  /** 1 (beginner) to 5 (expert); out-of-range levels are clamped. */
  level: number;
}

export interface TrackEntry {
  cpv: string;
  year: number;
  /** EUR; null when unknown. */
  amount: number | null;
  kind: "WON" | "REFERENCE";
}

/**
 * A cooperative as scoring sees it. Data stored by the platform is trusted to be mostly clean:
 * an invalid CPV code, coordinate or figure here is ignored (treated as unknown), not thrown.
 */
export interface CandidateProfile {
  id: string;
  name: string;
  skills: CandidateSkill[];
  location: Place | null;
  headcount: number | null;
  annualRevenue: number | null;
  /** Bids in preparation or submitted and not yet decided. */
  openBids: number;
  track: TrackEntry[];
}

export type ComponentName = "SKILLS" | "PROXIMITY" | "CAPACITY" | "TRACK_RECORD";

export interface ScoreComponent {
  name: ComponentName;
  /** In [0, 1]. */
  value: number;
  /** Normalized weight; the four sum to 1. */
  weight: number;
  /** value × weight. */
  contribution: number;
  /** Plain words: "3 of 4 CPV codes, 2 exact", "12 km from Rouen". */
  evidence: string;
}

export interface MatchScore {
  /** In [0, 1], rounded to 4 decimals. */
  score: number;
  components: ScoreComponent[];
  /** Great-circle km to the place of performance, 1 decimal; null if either is unknown. */
  distanceKm: number | null;
  /** Normalized demanded CPV codes (8 digits) covered by a skill (similarity >= 0.6). */
  coveredCpv: string[];
}

export interface RankedCandidate extends MatchScore {
  id: string;
  name: string;
}

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

const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};
const round4 = (x: number): number => round(x, 4);
const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
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
    const normalized = normalizeCpv(code);
    significant = normalized === null ? null : significantDigits(normalized);
    if (significantCache.size >= 50_000) significantCache.clear();
    significantCache.set(code, significant);
  }
  return significant;
}

const knownAmount = (x: number | null | undefined): number | null =>
  typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : null;

/** A demand checked once, codes reduced to their significant digits. */
interface PreparedDemand {
  codes: { normalized: string; significant: string }[];
  place: Place | null;
  value: number | null;
}

function prepareDemand(demand: Demand): PreparedDemand {
  const seen = new Set<string>();
  const codes: PreparedDemand["codes"] = [];
  demand.cpvCodes.forEach((code, i) => {
    const normalized = normalizeCpv(code);
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

function skillsComponent(
  demand: PreparedDemand,
  candidate: CandidateProfile,
): { value: number; evidence: string; covered: string[] } {
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
  const evidence =
    `${covered.length} of ${plural(n, "CPV code")}` + (exact > 0 ? `, ${exact} exact` : "") + (near.length ? `; ${near.join("; ")}` : "");
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
      return isCovered ? `${head}, a broader code that contains it` : `${head} is too broad (the whole ${LEVEL_NAMES[Math.min(5, skillSignificant.length)] ?? "division"} ${skillSignificant})`;
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

function proximityComponent(
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
  for (let i = 1; i < curve.length; i++) {
    const [x1, y1] = curve[i] as readonly [number, number];
    if (x <= x1) {
      const [x0, y0] = curve[i - 1] as readonly [number, number];
      return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return (curve[curve.length - 1] as readonly [number, number])[1];
}

function capacityComponent(demand: PreparedDemand, candidate: CandidateProfile): { value: number; evidence: string } {
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
    const headFit =
      headcount === null ? null : interpolate(REVENUE_RATIO_CURVE, value / (headcount * OUTPUT_PER_PERSON_EUR));
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
    openBids === 0
      ? "no open bid"
      : excess > 0
        ? `${plural(openBids, "open bid")}, ${excess} more than it carries easily`
        : plural(openBids, "open bid"),
  );
  return { value: clamp01(size * (1 - penalty)), evidence: parts.join(", ") };
}

function trackComponent(
  demand: PreparedDemand,
  candidate: CandidateProfile,
  now: Date,
): { value: number; evidence: string } {
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
    const size =
      amount !== null && demand.value !== null && amount < TRACK_SMALL_AMOUNT_RATIO * demand.value
        ? TRACK_SMALL_AMOUNT_FACTOR
        : 1;
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
  const references =
    counts.REFERENCE > 0 ? `, ${plural(counts.REFERENCE, "reference")} ${when(counts.REFERENCE, since.REFERENCE)}` : "";
  return { value: 1 - 2 ** -total, evidence: won + references };
}

function scorePrepared(
  demand: PreparedDemand,
  candidate: CandidateProfile,
  weights: ScoringWeights,
  options: ProximityOptions,
  now: Date,
): { match: MatchScore; beyondLimit: boolean } {
  const skills = skillsComponent(demand, candidate);
  const proximity = proximityComponent(demand, candidate, options);
  const capacity = capacityComponent(demand, candidate);
  const track = trackComponent(demand, candidate, now);
  const raw: [ComponentName, number, number, string][] = [
    ["SKILLS", skills.value, weights.skills, skills.evidence],
    ["PROXIMITY", proximity.value, weights.proximity, proximity.evidence],
    ["CAPACITY", capacity.value, weights.capacity, capacity.evidence],
    ["TRACK_RECORD", track.value, weights.trackRecord, track.evidence],
  ];
  let score = 0;
  const components = raw.map(([name, value, weight, evidence]): ScoreComponent => {
    const v = clamp01(value);
    score += v * weight;
    return { name, value: round4(v), weight: round4(weight), contribution: round4(v * weight), evidence };
  });
  const max = options.maxDistanceKm ?? null;
  return {
    match: {
      score: round4(clamp01(score)),
      components,
      distanceKm: proximity.distanceKm === null ? null : round(proximity.distanceKm, 1),
      coveredCpv: skills.covered,
    },
    beyondLimit: max !== null && proximity.distanceKm !== null && proximity.distanceKm > max,
  };
}

function checkNow(now: Date): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new RangeError("now must be a valid Date");
}

/**
 * Score one cooperative for a demand. `weights` are completed and normalized with
 * `validateWeights`, `options` with `validateProximityOptions` (both throw `BadInputError`);
 * pass `DEFAULT_WEIGHTS` and `{}` for the defaults. `now` dates the track record.
 */
export function scoreCandidate(
  demand: Demand,
  candidate: CandidateProfile,
  weights: WeightsInput,
  options: Partial<ProximityOptions>,
  now: Date,
): MatchScore {
  checkNow(now);
  const prepared = prepareDemand(demand);
  return scorePrepared(prepared, candidate, validateWeights(weights), validateProximityOptions(options), now).match;
}

/**
 * Score and rank cooperatives for a demand: those covering at least one demanded code first,
 * then score descending, then distance ascending (unknown last), then id ascending, so that the same inputs always give the same ranking. Cooperatives
 * farther than `maxDistanceKm` are left out; those without a location stay (with their low
 * proximity), since a distance limit cannot be checked on them.
 */
export function rankCandidates(
  demand: Demand,
  candidates: readonly CandidateProfile[],
  weights: WeightsInput,
  options: Partial<ProximityOptions>,
  now: Date,
): RankedCandidate[] {
  checkNow(now);
  const prepared = prepareDemand(demand);
  const w = validateWeights(weights);
  const o = validateProximityOptions(options);
  const ranked: RankedCandidate[] = [];
  for (const candidate of candidates) {
    const { match, beyondLimit } = scorePrepared(prepared, candidate, w, o, now);
    if (beyondLimit) continue;
    ranked.push({ id: candidate.id, name: candidate.name, ...match });
  }
  return ranked.sort(compareRanked);
}

/**
 * The ranking order of `rankCandidates`: skill first where it matters (a cooperative covering
 * at least one demanded code always before one covering none, whatever the weights); then the
 * score; then the distance; then the id.
 */
export function compareRanked(a: RankedCandidate, b: RankedCandidate): number {
  const tier = (r: RankedCandidate): number => (r.coveredCpv.length > 0 ? 0 : 1);
  if (tier(a) !== tier(b)) return tier(a) - tier(b);
  if (a.score !== b.score) return b.score - a.score;
  if (a.distanceKm !== b.distanceKm) {
    if (a.distanceKm === null) return 1;
    if (b.distanceKm === null) return -1;
    return a.distanceKm - b.distanceKm;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
