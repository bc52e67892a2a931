/**
 * The beam search: over lots (fewest options first), keeping `width` partial teams from one lot
 * to the next. It warms up the exact search with good teams, and replaces it beyond the exact
 * lot limit or when its node budget runs out.
 */
import { makeTeam, must, type Problem, type TopTeams } from "./problem";
import { BEAM_MAX_WIDTH, BEAM_MIN_WIDTH, NO_LIMIT } from "./types";

interface BeamState {
  assign: Int32Array;
  members: number[];
  loads: number[];
  score: number;
  unknown: number;
  distM: number;
}

interface BeamChild {
  parent: number;
  candidate: number;
  /** Index in `parent.members`, or -1 for a newcomer. */
  slot: number;
  estimate: number;
  /** score − penalty × estimate (penalized objectives), the first criterion. */
  value: number;
  score: number;
  unknown: number;
  distM: number;
  order: number;
}

/** What every step shares: the problem, the lot order, and the lots the lead can still take from each step on. */
interface Walk {
  p: Problem;
  L: number;
  order: number[];
  leadAhead: Int32Array;
  coverCount: Int32Array;
}

/** Width of a beam search spending about the node budget. */
export function budgetWidth(p: Problem, first: number): number {
  let perState = 0;
  for (const options of p.options) perState += options.length + 1;
  return Math.min(BEAM_MAX_WIDTH, Math.max(BEAM_MIN_WIDTH, first, Math.floor(p.maxNodes / Math.max(1, perState))));
}

function startWalk(p: Problem): Walk {
  const L = p.lots.length;
  const order = Array.from({ length: L }, (_, l) => l).sort((a, b) => must(p.options[a]).length - must(p.options[b]).length || a - b);
  const leadAhead = new Int32Array(L + 1);
  for (let t = L - 1; t >= 0; t--) {
    const able = p.lead >= 0 && (p.score[p.lead * L + (order[t] ?? 0)] ?? 0) > 0;
    leadAhead[t] = (leadAhead[t + 1] ?? 0) + (able ? 1 : 0);
  }
  return { p, L, order, leadAhead, coverCount: new Int32Array(L) };
}

function startState(p: Problem): BeamState {
  const start: BeamState = { assign: new Int32Array(p.lots.length).fill(-1), members: [], loads: [], score: 0, unknown: 0, distM: 0 };
  if (p.lead >= 0) {
    start.members.push(p.lead);
    start.loads.push(0);
    if (p.unknownDistance[p.lead]) start.unknown++;
    else start.distM += p.distM[p.lead] ?? 0;
  }
  return start;
}

/** Whether candidate `c` can do the lot of step `u`. */
function ableAt(w: Walk, c: number, u: number): boolean {
  return (w.p.score[c * w.L + (w.order[u] ?? 0)] ?? 0) > 0;
}

/** Counts, in `w.coverCount`, the members with room able to take each later lot; returns the later lots none can. */
function countCover(w: Walk, state: BeamState, t: number): number {
  const { p, L, coverCount } = w;
  coverCount.fill(0);
  state.members.forEach((m, i) => {
    if ((state.loads[i] ?? 0) >= (p.cap[m] ?? 0)) return;
    for (let u = t + 1; u < L; u++) if (ableAt(w, m, u)) coverCount[u] = (coverCount[u] ?? 0) + 1;
  });
  let uncovered = 0;
  for (let u = t + 1; u < L; u++) if (coverCount[u] === 0) uncovered++;
  return uncovered;
}

/** The children of one state at step `t`: a member with room, or a newcomer, takes the step's lot. */
function expand(w: Walk, state: BeamState, parent: number, t: number, children: BeamChild[]): void {
  const { p, L, coverCount } = w;
  const lot = w.order[t] ?? 0;
  const uncovered = countCover(w, state, t);
  const leadLoad = p.lead >= 0 ? (state.loads[0] ?? 0) : 0;
  const push = (candidate: number, slot: number, stillUncovered: number, members: number): void => {
    if (p.lead >= 0) {
      const taken = leadLoad + (candidate === p.lead ? 1 : 0);
      if (p.leadLots - taken > (w.leadAhead[t + 1] ?? 0)) return;
    }
    const known = p.unknownDistance[candidate] === 0;
    const newcomersNeeded = stillUncovered === 0 ? 0 : p.maxCover === 0 ? NO_LIMIT : Math.ceil(stillUncovered / p.maxCover);
    const estimate = members + newcomersNeeded;
    const score = state.score + (p.score[candidate * L + lot] ?? 0);
    children.push({
      parent,
      candidate,
      slot,
      estimate,
      value: p.penalty < 0 ? 0 : estimate >= NO_LIMIT ? -NO_LIMIT : score - p.penalty * estimate,
      score,
      unknown: state.unknown + (slot < 0 && !known ? 1 : 0),
      distM: state.distM + (slot < 0 && known ? (p.distM[candidate] ?? 0) : 0),
      order: children.length,
    });
  };
  state.members.forEach((m, i) => {
    const load = state.loads[i] ?? 0;
    const cap = p.cap[m] ?? 0;
    if ((p.score[m * L + lot] ?? 0) === 0 || load >= cap) return;
    let still = uncovered;
    // Its last room: the later lots only it could take are uncovered again.
    if (load + 1 >= cap) for (let u = t + 1; u < L; u++) if (coverCount[u] === 1 && ableAt(w, m, u)) still++;
    push(m, i, still, state.members.length);
  });
  for (const c of must(p.options[lot])) {
    if (state.members.includes(c)) continue;
    let still = uncovered;
    if ((p.cap[c] ?? 0) > 1) for (let u = t + 1; u < L; u++) if (coverCount[u] === 0 && ableAt(w, c, u)) still--;
    push(c, -1, still, state.members.length + 1);
  }
}

/** The order of children: value (penalized objectives), fewest members, score, distance, then creation order. */
function compareChildren(a: BeamChild, b: BeamChild): number {
  return b.value - a.value || a.estimate - b.estimate || b.score - a.score || a.unknown - b.unknown || a.distM - b.distM || a.order - b.order;
}

/**
 * Moves the `k` first children (in `compareChildren` order) to the front, in any order
 * (quickselect, Hoare partition): sorting them then gives the prefix a full sort would.
 */
function selectFirst(children: BeamChild[], k: number): void {
  let lo = 0;
  let hi = children.length - 1;
  while (lo < hi && k - 1 >= lo && k - 1 <= hi) {
    const pivot = must(children[(lo + hi) >>> 1]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (compareChildren(must(children[i]), pivot) < 0) i++;
      while (compareChildren(must(children[j]), pivot) > 0) j--;
      if (i <= j) {
        const swap = must(children[i]);
        children[i] = must(children[j]);
        children[j] = swap;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

/**
 * The children in `compareChildren` order, as far as the next beam needs them: a sorted
 * prefix of a few times `width` (duplicates of a member set are skipped), all of them sorted
 * when that prefix does not fill the beam.
 */
function nextFromChildren(beam: BeamState[], children: BeamChild[], lot: number, width: number): BeamState[] {
  const k = width * 4;
  if (children.length > k * 2) {
    selectFirst(children, k);
    const prefix = children.slice(0, k).sort(compareChildren);
    const next = nextBeam(beam, prefix, lot, width);
    if (next.length >= width) return next;
  }
  return nextBeam(beam, children.sort(compareChildren), lot, width);
}

/** The `width` best children as states, one per member set with its loads. */
function nextBeam(beam: BeamState[], children: BeamChild[], lot: number, width: number): BeamState[] {
  const next: BeamState[] = [];
  const seen = new Set<string>();
  for (const child of children) {
    if (next.length >= width) break;
    const parent = must(beam[child.parent]);
    const members = parent.members.slice();
    const loads = parent.loads.slice();
    if (child.slot >= 0) loads[child.slot] = (loads[child.slot] ?? 0) + 1;
    else {
      members.push(child.candidate);
      loads.push(1);
    }
    // Same members with the same loads: same future, keep the best (first) only.
    const signature = members
      .map((m, i) => `${m}:${loads[i] ?? 0}`)
      .sort()
      .join(",");
    if (seen.has(signature)) continue;
    seen.add(signature);
    const assign = Int32Array.from(parent.assign);
    assign[lot] = child.candidate;
    next.push({ assign, members, loads, score: child.score, unknown: child.unknown, distM: child.distM });
  }
  return next;
}

/** Beam search over lots into `top`, keeping `width` partial teams from one lot to the next. */
export function beamSearch(p: Problem, top: TopTeams, width: number): void {
  const w = startWalk(p);
  let beam: BeamState[] = [startState(p)];
  for (let t = 0; t < w.L && beam.length > 0; t++) {
    const children: BeamChild[] = [];
    beam.forEach((state, parent) => expand(w, state, parent, t, children));
    beam = nextFromChildren(beam, children, w.order[t] ?? 0, width);
  }
  for (const state of beam) {
    const team = makeTeam(p, state.assign, new Set(state.members));
    if (team) top.offer(team);
  }
}
