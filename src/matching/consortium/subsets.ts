/**
 * An upper bound for the exact search over lot subsets (penalized objectives): `newcomers[U]`
 * is the best value newcomers alone can reach on the lot set U, each paying the penalty and
 * taking at most its cap of lots, ignoring only that two groups of lots may go to the same
 * cooperative. Computed once per problem by dynamic programming over the 2^L lot subsets (so
 * only for a few lots), it bounds a node with members by letting members take any subset T of
 * the remaining lots at their best score with room, and newcomers the rest: the maximum over T
 * of Σ member best + newcomers[rest \ T].
 */
import { lowestBit, popcount, type Problem } from "./problem";

/** Above this many lots the table (2^L entries, 3^L steps to fill) is not built. */
export const SUBSET_BOUND_MAX_LOTS = 13;

/** Best value of newcomers alone per lot subset; -Infinity when the subset cannot be covered so. */
export function newcomerTable(p: Problem): Float64Array | null {
  const L = p.lots.length;
  if (L > SUBSET_BOUND_MAX_LOTS || p.penalty < 0) return null;
  const size = 1 << L;
  // One cooperative taking the subset S: its scores on S less the penalty.
  const single = new Float64Array(size).fill(-Infinity);
  // sums[s]: the candidate's scores on s, each from s less its lowest lot (submasks in increasing order).
  const sums = new Float64Array(size);
  for (let c = 0; c < p.pool.length; c++) {
    let doable = 0;
    for (let l = 0; l < L; l++) if ((p.score[c * L + l] ?? 0) > 0) doable |= 1 << l;
    const cap = p.cap[c] ?? 0;
    for (let s = (0 - doable) & doable; s !== 0; s = (s - doable) & doable) {
      const sum = (sums[s & (s - 1)] ?? 0) + (p.score[c * L + lowestBit(s)] ?? 0);
      sums[s] = sum;
      if (popcount(s) <= cap && sum - p.penalty > (single[s] ?? -Infinity)) single[s] = sum - p.penalty;
    }
  }
  const table = new Float64Array(size).fill(-Infinity);
  table[0] = 0;
  for (let u = 1; u < size; u++) {
    const low = u & -u;
    const rest = u ^ low;
    // The group holding the lowest lot: `low` plus any part of the rest.
    let best = (single[low] ?? -Infinity) + (table[rest] ?? -Infinity);
    for (let part = rest; part !== 0; part = (part - 1) & rest) {
      const value = (single[low | part] ?? -Infinity) + (table[rest ^ part] ?? -Infinity);
      if (value > best) best = value;
    }
    table[u] = best;
  }
  return table;
}

/**
 * Upper bound on (score of the remaining lots − penalty × newcomers) at a node: members take a
 * subset of the lots they can do (`coverable`), each at `memberBest` (the best score of a member
 * with room), newcomers the rest at the table's value.
 */
export function subsetBound(table: Float64Array, remaining: number, coverable: number, memberBest: Int32Array): number {
  const lots = remaining & coverable;
  let best = table[remaining] ?? -Infinity;
  for (let t = lots; t !== 0; t = (t - 1) & lots) {
    let members = 0;
    for (let rest = t; rest !== 0; rest &= rest - 1) members += memberBest[lowestBit(rest)] ?? 0;
    const value = members + (table[remaining ^ t] ?? -Infinity);
    if (value > best) best = value;
  }
  return best;
}
