/**
 * Consortium completion (ARCHITECTURE §6): teams of cooperatives that together cover every lot
 * of a tender, each lot assigned to one member able to do it.
 *
 * Ranking, by the `objective` (a `TeamObjective`, default `TEAM_OBJECTIVES.BALANCED`):
 * - With a `teamSizePenalty` (LOCAL, BALANCED): the team value is the sum over lots of the lot
 *   score plus `distanceWeight` × the locality of the member doing it (2^(−km / decayKm), 1 on
 *   site, 0.25 when its location is unknown), less `teamSizePenalty` per member. So a partner
 *   joins when it brings more than the penalty in skill and closeness: a local team of three
 *   beats one far cooperative doing two lots. Highest value first; then fewer members.
 * - Without one (SMALL_TEAM): fewer members first; then the higher sum of lot scores.
 * Then, in both: a shorter total distance (sum over members; a team with an unknown distance
 * ranks after teams without one); then member ids, so the same input always gives the same
 * list. Two suggestions never have the same member set: a member set appears once, with its
 * best assignment. `score` in a suggestion is always the plain mean lot score.
 *
 * Rules honoured:
 * - `maxLotsPerMember` (the tender's limit of lots per tenderer) caps each member's lots.
 * - With `lead`, that cooperative is in every team and takes the lots it can do, as many as the
 *   cap allows (the search picks which when capped); partners complete the rest. A lead able to
 *   do no lot still leads, without a lot of its own.
 * - Without `lead`, each team's lead is its member with most lots (then the best score sum, then
 *   the smallest id) among those not in `excludedLeads` (cooperatives already leading another
 *   group on the tender: one lead per group and per tender). A team of excluded cooperatives
 *   only is not suggested.
 *
 * Search:
 * - Candidates are first pruned to a pool: for each lot the `CANDIDATES_PER_LOT` best scored,
 *   plus the `BROAD_CANDIDATES` able to do most lots (for fewer members), plus those of a
 *   maximum matching (so the pool stays feasible under the cap), plus the lead. Pool members
 *   may take any lot they can do. "Exact" therefore means exact over this pool; a note says
 *   when the pool left cooperatives out.
 * - Up to `exactLotLimit` lots (default 12): depth-first branch and bound over lots, the lot
 *   with fewest open options first, current members tried before newcomers, best scores
 *   first. Pruned against the `first`-th team found so far (a narrow beam search, below,
 *   provides good teams from the start) with a lower bound on members (lots members cannot
 *   take, for want of ability or room, over the most lots one cooperative can take) and upper
 *   bounds on the score (best score still reachable per lot; members' best scores within
 *   their room; the largest gains the allowed number of newcomers could bring; with a team-size
 *   penalty, each newcomer's penalty shared over the lots it could improve, and, up to 13 lots,
 *   the best value newcomers alone reach on each subset of lots, by dynamic programming over
 *   the subsets: subsets.ts). `exact` is
 *   false if the node budget (`DEFAULT_MAX_NODES`) ran out; the result then merges the best
 *   teams found and those of a budget-wide beam search.
 * - Beyond: a beam search over lots (fewest options first) whose width is derived from the
 *   node budget; `exact` is false and a note says so.
 * - Lots no cooperative can do, or that cannot be covered together under the cap (found by a
 *   maximum matching), are returned in `uncoveredLots`; suggestions cover the other lots.
 */

import { beamSearch, budgetWidth } from "./beam";
import { describe } from "./describe";
import { exactSearch } from "./exact";
import { must, compareTeams, compareValues, TopTeams, type Problem } from "./problem";
import { buildProblem, checkSettings, choosePool, coverage, indexInput, type Settings } from "./pool";
import {
  DEFAULT_EXACT_LOT_LIMIT,
  DEFAULT_MAX_NODES,
  MAX_EXACT_LOT_LIMIT,
  TEAM_OBJECTIVES,
  WARM_START_WIDTH,
  type ConsortiumInput,
  type ConsortiumResult,
} from "./types";

export * from "./types";

/** Runs the search the lot count calls for into `top`; returns whether the result is exact. */
function search(problem: Problem, top: TopTeams, settings: Settings, first: number, notes: string[]): boolean {
  const L = problem.lots.length;
  if (L > settings.exactLotLimit) {
    const width = budgetWidth(problem, first);
    beamSearch(problem, top, width);
    notes.push(`approximate: ${L} lots is above the exact limit of ${settings.exactLotLimit}; beam search of width ${width}`);
    return false;
  }
  // A narrow beam first gives the branch and bound good teams to prune against from the start.
  beamSearch(problem, top, Math.max(WARM_START_WIDTH, first));
  if (exactSearch(problem, top)) return true;
  const width = budgetWidth(problem, first);
  beamSearch(problem, top, width);
  notes.push(`approximate: the exact search stopped after ${settings.maxNodes} nodes; completed with a beam search of width ${width}`);
  return false;
}

/** Suggest teams covering the tender's lots; see the module comment for rules and guarantees. */
export function suggestConsortia(input: ConsortiumInput): ConsortiumResult {
  const settings = checkSettings(input, {
    exactLotLimit: DEFAULT_EXACT_LOT_LIMIT,
    maxExactLotLimit: MAX_EXACT_LOT_LIMIT,
    maxNodes: DEFAULT_MAX_NODES,
    objective: TEAM_OBJECTIVES.BALANCED,
  });
  const indexed = indexInput(input);
  const notes: string[] = [];
  // Lots nobody can do, then lots a maximum matching under the cap leaves out.
  const cover = coverage(input, indexed, settings.limit, notes);
  const { active, uncovered } = cover;
  const uncoveredLots = uncovered.map((l) => must(input.lots[l]).lotId);
  const empty = (exact: boolean): ConsortiumResult => ({ suggestions: [], exact, uncoveredLots, notes });
  if (input.lots.length === 0) {
    notes.push("no lot to cover");
    return empty(true);
  }
  if (active.length === 0) return empty(true);
  const canLead = (row: Int32Array, c: number): boolean => !indexed.excludedIds.has(must(input.candidates[c]).id) && active.some((l) => (row[l] ?? 0) > 0);
  if (indexed.leadInput < 0 && !indexed.scores.some(canLead)) {
    notes.push("every cooperative able to do a lot already leads another group for this tender");
    return empty(true);
  }

  const poolInputs = choosePool(input, indexed, cover, settings.limit, notes);
  const problem = buildProblem(input, indexed, active, poolInputs, settings);
  const top = new TopTeams(input.first, problem.penalty < 0 ? compareTeams : compareValues);
  const exact = search(problem, top, settings, input.first, notes);
  if (top.list.length === 0) {
    notes.push(
      indexed.leadInput >= 0
        ? "no team found around the requested lead"
        : exact
          ? "no valid team: each possible team lacks a member free to lead"
          : "no team found within the search budget",
    );
  }
  const place = input.place?.trim() ? input.place.trim() : "the place of performance";
  const ctx = { p: problem, lots: input.lots, uncovered, cap: settings.cap, place };
  const suggestions = top.list.map((team) => describe(team, ctx));
  return { suggestions, exact, uncoveredLots, notes };
}
