/**
 * The consortium solver's public shapes and constants (the rules and guarantees: index.ts).
 */

export interface ConsortiumLot {
  lotId: string;
  /** The lot's title ("Impression"). */
  label: string;
  /** The lot number, shown as "Lot 2 (Impression)" in explanations when given. */
  number?: number | null;
}

export interface ConsortiumCandidate {
  id: string;
  name: string;
  /** km to the place of performance; null when unknown. */
  distanceKm: number | null;
  /** Match score in (0, 1] of each lot it can do (lots it cannot do are absent or 0). */
  lotScores: Readonly<Record<string, number>>;
  /** Per lot, how its skills meet the lot's codes ("1 of 1 CPV code, 1 exact"), for the explanation. */
  lotEvidence?: Readonly<Record<string, string>>;
}

/** How teams are ranked: see the module comment. */
export interface TeamObjective {
  /** Value (in lot-score points) a member must bring to be worth adding; null: fewest members first. */
  teamSizePenalty: number | null;
  /** Weight of a lot's locality (0 to 1 on site) against its score (0 to 1). */
  distanceWeight: number;
  /** Distance at which locality halves, km. */
  decayKm: number;
}

export type TeamPreferenceName = "LOCAL" | "BALANCED" | "SMALL_TEAM";

export const TEAM_OBJECTIVES: Readonly<Record<TeamPreferenceName, Readonly<TeamObjective>>> = Object.freeze({
  /** Near the client first: a partner is worth adding for little, distance weighs like half the skill. */
  LOCAL: Object.freeze({ teamSizePenalty: 0.05, distanceWeight: 0.5, decayKm: 50 }),
  /** The default: a partner must bring 0.15 of a lot score; distance weighs a quarter of the skill. */
  BALANCED: Object.freeze({ teamSizePenalty: 0.15, distanceWeight: 0.25, decayKm: 50 }),
  /** Fewest members first, wherever they are (the former ranking). */
  SMALL_TEAM: Object.freeze({ teamSizePenalty: null, distanceWeight: 0, decayKm: 50 }),
});

/** Locality of a member for a lot: 1 on site, halving every `decayKm`; 0.25 when unknown. */
export function locality(distanceKm: number | null, decayKm: number): number {
  return distanceKm === null ? UNKNOWN_LOCALITY : 2 ** (-distanceKm / decayKm);
}
export const UNKNOWN_LOCALITY = 0.25;

export interface ConsortiumInput {
  lots: readonly ConsortiumLot[];
  candidates: readonly ConsortiumCandidate[];
  /** The tender's maximum number of lots per tenderer; null for no limit. */
  maxLotsPerMember: number | null;
  /** Build every team around this cooperative (one of `candidates`), or null. */
  lead: string | null;
  /** Cooperatives already leading another group on this tender: members, never lead. */
  excludedLeads: readonly string[];
  /** How many teams to suggest, 1 to `MAX_SUGGESTIONS`. */
  first: number;
  /** Exact search up to this many lots (default 12, at most 30). */
  exactLotLimit?: number;
  /** Work limit: search nodes (exact) or expanded states (beam). */
  budget?: { maxNodes: number };
  /** How teams are ranked; default `TEAM_OBJECTIVES.BALANCED`. */
  objective?: TeamObjective;
  /** The place of performance as the explanation names it ("Toulouse (FRJ23)"); null: "the place of performance". */
  place?: string | null;
}

export interface ConsortiumMember {
  id: string;
  name: string;
  role: "LEAD" | "MEMBER";
  /** Lot ids assigned to this member, in the order of the input lots. */
  lots: string[];
  distanceKm: number | null;
}

export interface ConsortiumSuggestion {
  /** The lead first, then by number of lots, then by id. */
  members: ConsortiumMember[];
  /** Lot id → member id, for every covered lot. */
  assignment: Record<string, string>;
  /** Mean lot score over covered lots, 4 decimals. */
  score: number;
  memberCount: number;
  /** Sum of member distances (1 decimal); null if one of them is unknown. */
  totalDistanceKm: number | null;
  /** Plain words: one line per lot, then who leads and why. */
  explanation: string[];
}

export interface ConsortiumResult {
  suggestions: ConsortiumSuggestion[];
  /** True when the suggestions are the best over the candidate pool (see the module comment). */
  exact: boolean;
  /** Lots left out of every suggestion, in input order. */
  uncoveredLots: string[];
  /** Plain words on how the search went: pruning, approximation, why nothing was found. */
  notes: string[];
}

export const DEFAULT_EXACT_LOT_LIMIT = 12;
/** The exact search keeps lot sets in 31-bit masks. */
export const MAX_EXACT_LOT_LIMIT = 30;
export const CANDIDATES_PER_LOT = 30;
export const BROAD_CANDIDATES = 30;
export const DEFAULT_MAX_NODES = 250_000;
export const MAX_SUGGESTIONS = 100;
/** Lot scores are compared as integers of 1/10000, so that sums and ties are exact. */
export const SCORE_UNIT = 10_000;
export const BEAM_MIN_WIDTH = 16;
export const WARM_START_WIDTH = 32;
export const BEAM_MAX_WIDTH = 2_000;
/** "No limit" in integer comparisons. */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER;
