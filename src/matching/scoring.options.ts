import { BadInputError } from "../common/errors";

/** Weights and proximity options of the match score (scoring.ts), completed and checked. */

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
export function validateProximityOptions(input: Partial<ProximityOptions> | null | undefined = {}): ProximityOptions {
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
