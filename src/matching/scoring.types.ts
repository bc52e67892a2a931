/** The shapes the match score (scoring.ts) reads and returns. */

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
