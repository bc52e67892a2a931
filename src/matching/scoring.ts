import {
  capacityComponent,
  clamp01,
  prepareDemand,
  proximityComponent,
  round,
  round4,
  skillsComponent,
  trackComponent,
  type PreparedDemand,
} from "./scoring.components";
import { validateProximityOptions, validateWeights, type ProximityOptions, type ScoringWeights, type WeightsInput } from "./scoring.options";
import type { CandidateProfile, ComponentName, Demand, MatchScore, RankedCandidate, ScoreComponent } from "./scoring.types";

export {
  CAPACITY_NEUTRAL,
  EASY_OPEN_BIDS_MIN,
  formatEuros,
  LOAD_PENALTY_MAX,
  LOAD_PENALTY_PER_BID,
  OUTPUT_PER_PERSON_EUR,
  PEOPLE_PER_OPEN_BID,
  placeName,
  PROXIMITY_UNKNOWN_LOCATION,
  PROXIMITY_UNKNOWN_PLACE,
  REVENUE_RATIO_CURVE,
  REVENUE_SHARE_OF_SIZE,
  SKILL_COVER_THRESHOLD,
  SKILL_LEVEL_FACTOR,
  SKILLS_NO_DEMAND,
  TRACK_HALF_LIFE_YEARS,
  TRACK_KIND_WEIGHT,
  TRACK_NO_DEMAND,
  TRACK_SIMILARITY_THRESHOLD,
  TRACK_SMALL_AMOUNT_FACTOR,
  TRACK_SMALL_AMOUNT_RATIO,
} from "./scoring.components";
export * from "./scoring.options";
export * from "./scoring.types";

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
export function scoreCandidate(demand: Demand, candidate: CandidateProfile, weights: WeightsInput, options: Partial<ProximityOptions>, now: Date): MatchScore {
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
