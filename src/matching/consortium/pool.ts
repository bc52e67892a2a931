/**
 * From the caller's input to the pruned problem: input checks, integer lot scores, the lots
 * that can be covered (a maximum matching under the cap), the candidate pool, and the arrays
 * the searches read (module comment of index.ts, "Search").
 */
import { BadInputError } from "../../common/errors";
import { compareIds, lotName, must, plural, type Problem } from "./problem";
import {
  BROAD_CANDIDATES,
  CANDIDATES_PER_LOT,
  locality,
  MAX_SUGGESTIONS,
  NO_LIMIT,
  SCORE_UNIT,
  type ConsortiumCandidate,
  type ConsortiumInput,
  type TeamObjective,
} from "./types";

function checkInteger(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(field, `must be an integer between ${min} and ${max}`);
  }
}

function checkObjective(o: TeamObjective): void {
  if (o.teamSizePenalty !== null && (!Number.isFinite(o.teamSizePenalty) || o.teamSizePenalty < 0 || o.teamSizePenalty > 10)) {
    throw new BadInputError("objective.teamSizePenalty", "must be a number between 0 and 10, or null");
  }
  if (!Number.isFinite(o.distanceWeight) || o.distanceWeight < 0 || o.distanceWeight > 10) {
    throw new BadInputError("objective.distanceWeight", "must be a number between 0 and 10");
  }
  if (!Number.isFinite(o.decayKm) || o.decayKm <= 0 || o.decayKm > 20000) {
    throw new BadInputError("objective.decayKm", "must be a number of km above 0 and at most 20000");
  }
}

/** The checked settings of a search. */
export interface Settings {
  cap: number | null;
  /** `cap`, or no limit. */
  limit: number;
  exactLotLimit: number;
  maxNodes: number;
  objective: TeamObjective;
}

export function checkSettings(
  input: ConsortiumInput,
  defaults: { exactLotLimit: number; maxNodes: number; maxExactLotLimit: number; objective: TeamObjective },
): Settings {
  const cap = input.maxLotsPerMember;
  if (cap !== null) checkInteger(cap, "maxLotsPerMember", 1, 10_000);
  checkInteger(input.first, "first", 1, MAX_SUGGESTIONS);
  const exactLotLimit = input.exactLotLimit ?? defaults.exactLotLimit;
  checkInteger(exactLotLimit, "exactLotLimit", 0, defaults.maxExactLotLimit);
  const maxNodes = input.budget?.maxNodes ?? defaults.maxNodes;
  checkInteger(maxNodes, "budget.maxNodes", 1, 1_000_000_000);
  const objective = input.objective ?? defaults.objective;
  checkObjective(objective);
  return { cap, limit: cap ?? NO_LIMIT, exactLotLimit, maxNodes, objective };
}

/** The input indexed: integer scores per candidate and input lot, the lead's input index. */
export interface Indexed {
  /** scores[c][l], integer units; 0 = cannot. */
  scores: Int32Array[];
  excludedIds: Set<string>;
  /** Input index of the given lead, or -1. */
  leadInput: number;
}

function lotIndexOf(input: ConsortiumInput): Map<string, number> {
  const lotIndex = new Map<string, number>();
  input.lots.forEach((lot, i) => {
    if (lotIndex.has(lot.lotId)) throw new BadInputError(`lots[${i}].lotId`, `"${lot.lotId}" is repeated`);
    lotIndex.set(lot.lotId, i);
  });
  return lotIndex;
}

function scoreRow(candidate: ConsortiumCandidate, i: number, lotIndex: Map<string, number>): Int32Array {
  const d = candidate.distanceKm;
  if (d !== null && (!Number.isFinite(d) || d < 0)) {
    throw new BadInputError(`candidates[${i}].distanceKm`, "must be a finite number of km >= 0, or null");
  }
  const row = new Int32Array(lotIndex.size);
  for (const [lotId, score] of Object.entries(candidate.lotScores)) {
    const l = lotIndex.get(lotId);
    if (l === undefined) continue;
    if (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > 1) {
      throw new BadInputError(`candidates[${i}].lotScores.${lotId}`, "must be a number between 0 and 1");
    }
    if (score > 0) row[l] = Math.max(1, Math.round(score * SCORE_UNIT));
  }
  return row;
}

export function indexInput(input: ConsortiumInput): Indexed {
  const lotIndex = lotIndexOf(input);
  const candidateIndex = new Map<string, number>();
  const scores = input.candidates.map((candidate, i) => {
    if (candidateIndex.has(candidate.id)) throw new BadInputError(`candidates[${i}].id`, `"${candidate.id}" is repeated`);
    candidateIndex.set(candidate.id, i);
    return scoreRow(candidate, i, lotIndex);
  });
  const excludedIds = new Set(input.excludedLeads);
  let leadInput = -1;
  if (input.lead !== null) {
    const found = candidateIndex.get(input.lead);
    if (found === undefined) throw new BadInputError("lead", "must be one of the candidates");
    if (excludedIds.has(input.lead)) throw new BadInputError("lead", "already leads another group for this tender");
    leadInput = found;
  }
  return { scores, excludedIds, leadInput };
}

/** Maximum matching of lots to candidates under the cap (augmenting paths); -1 = unmatched. */
export function maximumMatching(able: number[][], cap: number, candidateCount: number): Int32Array {
  const matchOf = new Int32Array(able.length).fill(-1);
  const lotsOf: number[][] = Array.from({ length: candidateCount }, () => []);
  const augment = (lot: number, seen: Uint8Array): boolean => {
    for (const c of must(able[lot])) {
      if (seen[c]) continue;
      seen[c] = 1;
      const held = must(lotsOf[c]);
      if (held.length < cap) {
        held.push(lot);
        matchOf[lot] = c;
        return true;
      }
      for (let i = 0; i < held.length; i++) {
        if (augment(held[i] ?? 0, seen)) {
          held[i] = lot;
          matchOf[lot] = c;
          return true;
        }
      }
    }
    return false;
  };
  for (let lot = 0; lot < able.length; lot++) augment(lot, new Uint8Array(candidateCount));
  return matchOf;
}

/** Which lots can be covered, with a note per lot that cannot. */
export interface Coverage {
  /** Per input lot, candidate input indices able to do it, best first (then by id). */
  able: number[][];
  matchOf: Int32Array;
  active: number[];
  uncovered: number[];
}

export function coverage(input: ConsortiumInput, indexed: Indexed, limit: number, notes: string[]): Coverage {
  const { candidates, lots } = input;
  const at = (c: number, l: number): number => must(indexed.scores[c])[l] ?? 0;
  const idOf = (c: number): string => must(candidates[c]).id;
  const able = lots.map((_, l) =>
    candidates
      .map((_, c) => c)
      .filter((c) => at(c, l) > 0)
      .sort((a, b) => at(b, l) - at(a, l) || compareIds(idOf(a), idOf(b))),
  );
  const matchOf = maximumMatching(able, limit, candidates.length);
  const uncovered: number[] = [];
  const active: number[] = [];
  lots.forEach((lot, l) => {
    if (must(able[l]).length === 0) {
      uncovered.push(l);
      notes.push(`${lotName(lot)}: no cooperative able to do it`);
    } else if ((matchOf[l] ?? -1) < 0) {
      uncovered.push(l);
      notes.push(`${lotName(lot)}: cannot be covered together with the other lots under the limit of ${plural(limit, "lot")} per member`);
    } else {
      active.push(l);
    }
  });
  return { able, matchOf, active, uncovered };
}

/**
 * The pool, as candidate input indices sorted by id: for each lot the `CANDIDATES_PER_LOT` best,
 * the `BROAD_CANDIDATES` able to do most lots, those of the maximum matching, and the lead.
 */
export function choosePool(input: ConsortiumInput, indexed: Indexed, cover: Coverage, limit: number, notes: string[]): number[] {
  const { candidates } = input;
  const { active } = cover;
  const idOf = (c: number): string => must(candidates[c]).id;
  const inPool = new Set<number>();
  for (const l of active) for (const c of must(cover.able[l]).slice(0, CANDIDATES_PER_LOT)) inPool.add(c);
  const breadth = indexed.scores
    .map((row, c) => {
      let count = 0;
      let sum = 0;
      for (const l of active) {
        const s = row[l] ?? 0;
        if (s > 0) {
          count++;
          sum += s;
        }
      }
      return { c, count: Math.min(count, limit), sum };
    })
    .filter((b) => b.count > 0)
    .sort((a, b) => b.count - a.count || b.sum - a.sum || compareIds(idOf(a.c), idOf(b.c)));
  for (const b of breadth.slice(0, BROAD_CANDIDATES)) inPool.add(b.c);
  for (const l of active) inPool.add(cover.matchOf[l] ?? 0);
  const { leadInput } = indexed;
  if (leadInput >= 0) inPool.add(leadInput);
  const ableCount = breadth.length + (leadInput >= 0 && !breadth.some((b) => b.c === leadInput) ? 1 : 0);
  const pool = [...inPool].sort((a, b) => compareIds(idOf(a), idOf(b)));
  if (pool.length < ableCount) {
    notes.push(
      `searched the ${pool.length} most relevant of ${ableCount} able cooperatives (the ${CANDIDATES_PER_LOT} best per lot and the ${BROAD_CANDIDATES} able to do most lots)`,
    );
  }
  return pool;
}

/** Per active lot, the pool indices able to do it, best first (then known and nearer, then pool order). */
function optionsOf(score: Int32Array, n: number, L: number, unknownDistance: Uint8Array, distM: Float64Array): Int32Array[] {
  return Array.from({ length: L }, (_, l) => {
    const list: number[] = [];
    for (let c = 0; c < n; c++) if ((score[c * L + l] ?? 0) > 0) list.push(c);
    list.sort(
      (a, b) =>
        (score[b * L + l] ?? 0) - (score[a * L + l] ?? 0) ||
        (unknownDistance[a] ?? 0) - (unknownDistance[b] ?? 0) ||
        (distM[a] ?? 0) - (distM[b] ?? 0) ||
        a - b,
    );
    return Int32Array.from(list);
  });
}

/** The arrays the searches read, over the pool and the active lots. */
export function buildProblem(input: ConsortiumInput, indexed: Indexed, active: number[], poolInputs: number[], settings: Settings): Problem {
  const { limit, objective } = settings;
  const n = poolInputs.length;
  const L = active.length;
  const score = new Int32Array(n * L);
  const raw = new Int32Array(n * L);
  const distM = new Float64Array(n);
  const unknownDistance = new Uint8Array(n);
  const excluded = new Uint8Array(n);
  const cap = new Int32Array(n);
  poolInputs.forEach((c, i) => {
    const row = must(indexed.scores[c]);
    const candidate = must(input.candidates[c]);
    const d = candidate.distanceKm;
    const bonus = Math.round(objective.distanceWeight * locality(d, objective.decayKm) * SCORE_UNIT);
    active.forEach((l, j) => {
      const s = row[l] ?? 0;
      raw[i * L + j] = s;
      score[i * L + j] = s > 0 ? s + bonus : 0;
    });
    if (d === null) unknownDistance[i] = 1;
    else distM[i] = Math.round(d * 1000);
    excluded[i] = indexed.excludedIds.has(candidate.id) ? 1 : 0;
    cap[i] = Math.min(limit, L);
  });
  const lead = indexed.leadInput >= 0 ? poolInputs.indexOf(indexed.leadInput) : -1;
  let leadLots = 0;
  if (lead >= 0) {
    for (let l = 0; l < L; l++) if ((score[lead * L + l] ?? 0) > 0) leadLots++;
    leadLots = Math.min(leadLots, limit);
    cap[lead] = leadLots;
  }
  const options = optionsOf(score, n, L, unknownDistance, distM);
  const bestScore = Int32Array.from(options, (list, l) => (list.length > 0 ? (score[(list[0] ?? 0) * L + l] ?? 0) : 0));
  let maxCover = 0;
  for (let c = 0; c < n; c++) {
    if (c === lead) continue;
    let count = 0;
    for (let l = 0; l < L; l++) if ((score[c * L + l] ?? 0) > 0) count++;
    maxCover = Math.max(maxCover, Math.min(count, cap[c] ?? 0));
  }
  const pool = poolInputs.map((c) => must(input.candidates[c]));
  const penalty = objective.teamSizePenalty === null ? -1 : Math.round(objective.teamSizePenalty * SCORE_UNIT);
  return {
    lots: active,
    pool,
    score,
    raw,
    penalty,
    cap,
    excluded,
    unknownDistance,
    distM,
    options,
    bestScore,
    maxCover,
    lead,
    leadLots,
    maxNodes: settings.maxNodes,
  };
}
