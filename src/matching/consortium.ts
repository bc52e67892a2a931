import { BadInputError } from "../common/errors";

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
 *   their room; the largest gains the allowed number of newcomers could bring). `exact` is
 *   false if the node budget (`DEFAULT_MAX_NODES`) ran out; the result then merges the best
 *   teams found and those of a budget-wide beam search.
 * - Beyond: a beam search over lots (fewest options first) whose width is derived from the
 *   node budget; `exact` is false and a note says so.
 * - Lots no cooperative can do, or that cannot be covered together under the cap (found by a
 *   maximum matching), are returned in `uncoveredLots`; suggestions cover the other lots.
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
const SCORE_UNIT = 10_000;
const BEAM_MIN_WIDTH = 16;
const WARM_START_WIDTH = 32;
const BEAM_MAX_WIDTH = 2_000;

const NO_LIMIT = Number.MAX_SAFE_INTEGER;

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

const plural = (n: number, word: string): string => `${n} ${n === 1 ? word : `${word}s`}`;

/** A complete team found by a search, over pool indices and active lot indices. */
interface Team {
  /** Pool index per active lot. */
  assign: Int32Array;
  /** Pool indices, sorted (pool order is id order). */
  members: number[];
  memberCount: number;
  /** Sum of the objective's lot values (score plus locality), integer units. */
  score: number;
  /** score − penalty × members (penalized objectives), the first criterion. */
  value: number;
  unknown: number;
  distM: number;
  /** Member ids joined by NUL: compares like the id arrays. */
  key: string;
  /** Member ids per lot joined by NUL: the last tie-break, for one member set. */
  assignKey: string;
}

type TeamOrder = (a: Team, b: Team) => number;

function compareTeams(a: Team, b: Team): number {
  return (
    a.memberCount - b.memberCount ||
    b.score - a.score ||
    a.unknown - b.unknown ||
    a.distM - b.distM ||
    compareIds(a.key, b.key) ||
    compareIds(a.assignKey, b.assignKey)
  );
}

/** Team value first (penalized objectives), then fewer members, then as `compareTeams`. */
function compareValues(a: Team, b: Team): number {
  return b.value - a.value || compareTeams(a, b);
}

/** The `first` best teams, one per member set. */
class TopTeams {
  readonly list: Team[] = [];
  private readonly byKey = new Map<string, Team>();
  constructor(
    readonly size: number,
    private readonly compare: TeamOrder,
  ) {}

  get full(): boolean {
    return this.list.length >= this.size;
  }

  get worst(): Team | undefined {
    return this.list[this.list.length - 1];
  }

  offer(team: Team): void {
    const same = this.byKey.get(team.key);
    if (same) {
      if (this.compare(team, same) >= 0) return;
      this.list.splice(this.list.indexOf(same), 1);
      this.byKey.delete(same.key);
    } else if (this.full && this.compare(team, this.worst as Team) >= 0) {
      return;
    }
    let at = this.list.length;
    while (at > 0 && this.compare(team, this.list[at - 1] as Team) < 0) at--;
    this.list.splice(at, 0, team);
    this.byKey.set(team.key, team);
    if (this.list.length > this.size) {
      const dropped = this.list.pop() as Team;
      this.byKey.delete(dropped.key);
    }
  }
}

/** The pruned problem both searches work on. */
interface Problem {
  /** Active lots (covered ones), as input lot indices. */
  lots: number[];
  /** Pool, sorted by id. */
  pool: ConsortiumCandidate[];
  /** score[c * L + l]: the objective's lot value (score plus locality), integer units; 0 = cannot. */
  score: Int32Array;
  /** The plain lot score, integer units, for the suggestion's `score`. */
  raw: Int32Array;
  /** Penalty per member, integer units; -1 = fewest members first. */
  penalty: number;
  cap: Int32Array;
  excluded: Uint8Array;
  unknownDistance: Uint8Array;
  distM: Float64Array;
  /** Per active lot, pool indices able to do it, best first. */
  options: Int32Array[];
  /** Best score per active lot over the pool. */
  bestScore: Int32Array;
  /** Most lots one non-lead cooperative can take (capped). */
  maxCover: number;
  /** Pool index of the given lead, or -1. */
  lead: number;
  /** Lots the given lead must take. */
  leadLots: number;
  maxNodes: number;
}

function makeTeam(p: Problem, assign: Int32Array, memberFlags: Uint8Array | Set<number>): Team | null {
  const L = p.lots.length;
  const members: number[] = [];
  const has = (c: number): boolean => (memberFlags instanceof Set ? memberFlags.has(c) : memberFlags[c] === 1);
  if (memberFlags instanceof Set) {
    members.push(...memberFlags);
    members.sort((a, b) => a - b);
  } else {
    for (let c = 0; c < memberFlags.length; c++) if (has(c)) members.push(c);
  }
  let score = 0;
  const loads = new Map<number, number>();
  for (let l = 0; l < L; l++) {
    const c = assign[l] as number;
    score += p.score[c * L + l] as number;
    loads.set(c, (loads.get(c) ?? 0) + 1);
  }
  if (p.lead >= 0) {
    if ((loads.get(p.lead) ?? 0) !== p.leadLots) return null;
  } else if (!members.some((c) => p.excluded[c] === 0)) {
    return null;
  }
  let unknown = 0;
  let distM = 0;
  for (const c of members) {
    if (p.unknownDistance[c]) unknown++;
    else distM += p.distM[c] as number;
  }
  const ids = members.map((c) => (p.pool[c] as ConsortiumCandidate).id);
  const assignIds: string[] = [];
  for (let l = 0; l < L; l++) assignIds.push((p.pool[assign[l] as number] as ConsortiumCandidate).id);
  return {
    assign: Int32Array.from(assign),
    members,
    memberCount: members.length,
    score,
    value: p.penalty < 0 ? 0 : score - p.penalty * members.length,
    unknown,
    distM,
    key: ids.join("\u0000"),
    assignKey: assignIds.join("\u0000"),
  };
}

/** Depth-first branch and bound; returns false if the node budget ran out. */
function exactSearch(p: Problem, top: TopTeams): boolean {
  const L = p.lots.length;
  const n = p.pool.length;
  const doable = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    let mask = 0;
    for (let l = 0; l < L; l++) if ((p.score[c * L + l] as number) > 0) mask |= 1 << l;
    doable[c] = mask;
  }
  const assign = new Int32Array(L).fill(-1);
  const load = new Int32Array(n);
  const isMember = new Uint8Array(n);
  const members: number[] = [];
  let partial = 0;
  let unknown = 0;
  let distM = 0;
  let nodes = 0;
  let aborted = false;
  const memberOptions: number[][] = Array.from({ length: L + 1 }, () => []);

  const join = (c: number): void => {
    isMember[c] = 1;
    members.push(c);
    if (p.unknownDistance[c]) unknown++;
    else distM += p.distM[c] as number;
  };
  const leave = (c: number): void => {
    isMember[c] = 0;
    members.pop();
    if (p.unknownDistance[c]) unknown--;
    else distM -= p.distM[c] as number;
  };
  if (p.lead >= 0) join(p.lead);

  const memberBest = new Int32Array(L);
  const gainSum = new Int32Array(n);
  const gainMax = new Int32Array(n);
  const touched: number[] = [];
  const topGains: number[] = [];
  /**
   * Upper bound on the score of the remaining lots when at most `slots` newcomers may join:
   * each lot at the best score of a member with room, plus the `slots` largest gains a single
   * newcomer could bring (its improvements over those, on at most its cap of lots, bounded by
   * cap × its largest improvement). Options are sorted by score, so each lot stops early.
   */
  const newcomerBound = (remaining: number, slots: number): number => {
    let base = 0;
    touched.length = 0;
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = 31 - Math.clz32(rest & -rest);
      let best = 0;
      for (const m of members) {
        if ((load[m] as number) >= (p.cap[m] as number)) continue;
        const s = p.score[m * L + l] as number;
        if (s > best) best = s;
      }
      memberBest[l] = best;
      base += best;
      for (const c of p.options[l] as Int32Array) {
        const gain = (p.score[c * L + l] as number) - best;
        if (gain <= 0) break;
        if (isMember[c]) continue;
        if (gainSum[c] === 0) touched.push(c);
        gainSum[c] += gain;
        if (gain > (gainMax[c] as number)) gainMax[c] = gain;
      }
    }
    topGains.length = 0;
    for (const c of touched) {
      const gain = Math.min(gainSum[c] as number, (p.cap[c] as number) * (gainMax[c] as number));
      gainSum[c] = 0;
      gainMax[c] = 0;
      if (topGains.length < slots) topGains.push(gain);
      else {
        let low = 0;
        for (let i = 1; i < topGains.length; i++) if ((topGains[i] as number) < (topGains[low] as number)) low = i;
        if (gain > (topGains[low] as number)) topGains[low] = gain;
      }
    }
    let extra = 0;
    for (const g of topGains) extra += g;
    return base + extra;
  };

  /**
   * Upper bound on (score of the remaining lots − penalty × newcomers): each lot at the best of a
   * member with room, or of a newcomer less its penalty shared over the most lots it could take
   * (it takes at most that many, so it pays at least that share on each). Options are sorted by
   * score, so each lot stops at the first one that cannot beat the best so far.
   */
  const amortizedBound = (remaining: number): number => {
    let total = 0;
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = 31 - Math.clz32(rest & -rest);
      let best = 0;
      for (const m of members) {
        if ((load[m] as number) >= (p.cap[m] as number)) continue;
        const s = p.score[m * L + l] as number;
        if (s > best) best = s;
      }
      for (const c of p.options[l] as Int32Array) {
        const s = p.score[c * L + l] as number;
        if (s <= best) break;
        if (isMember[c]) continue;
        const reach = Math.min(p.cap[c] as number, popcount(remaining & (doable[c] as number)));
        const value = s - p.penalty / Math.max(1, reach);
        if (value > best) best = value;
      }
      total += best;
    }
    // A margin against floating-point rounding: the bound must never fall below the truth.
    return total + 1e-6;
  };

  const scratch: number[] = [];
  /** Without newcomers: each member adds at most its best scores on as many lots as it has room for. */
  const membersBound = (remaining: number): number => {
    let total = 0;
    for (const m of members) {
      const spare = (p.cap[m] as number) - (load[m] as number);
      if (spare <= 0) continue;
      scratch.length = 0;
      for (let rest = remaining & (doable[m] as number); rest !== 0; rest &= rest - 1) {
        scratch.push(p.score[m * L + (31 - Math.clz32(rest & -rest))] as number);
      }
      if (scratch.length > spare) scratch.sort((a, b) => b - a);
      for (let i = 0; i < scratch.length && i < spare; i++) total += scratch[i] as number;
    }
    return total;
  };

  const visit = (remaining: number, depth: number): void => {
    if (aborted) return;
    if (++nodes > p.maxNodes) {
      aborted = true;
      return;
    }
    if (remaining === 0) {
      const team = makeTeam(p, assign, isMember);
      if (team) top.offer(team);
      return;
    }
    if (p.lead >= 0 && p.leadLots - (load[p.lead] as number) > popcount(remaining & (doable[p.lead] as number))) {
      return;
    }
    // Lots members cannot take (none able, or no room left) need newcomers, each taking at most maxCover.
    let coverable = 0;
    let room = 0;
    for (const m of members) {
      const spare = (p.cap[m] as number) - (load[m] as number);
      if (spare <= 0) continue;
      coverable |= doable[m] as number;
      room += Math.min(spare, popcount(remaining & (doable[m] as number)));
    }
    const left = Math.max(popcount(remaining & ~coverable), popcount(remaining) - room);
    const extra = left === 0 ? 0 : p.maxCover === 0 ? NO_LIMIT : Math.ceil(left / p.maxCover);
    const worst = top.full ? top.worst : undefined;
    const penalized = p.penalty >= 0;
    // Penalized objectives: any team size may win, the value bound below prunes instead.
    const target = worst && !penalized ? worst.memberCount : NO_LIMIT;
    const lowestCount = members.length + extra;
    if (lowestCount > target) return;
    const newcomers = members.length + 1 <= target;

    let bound = partial;
    let lot = -1;
    let fewest = NO_LIMIT;
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = 31 - Math.clz32(rest & -rest);
      let best = 0;
      let count = 0;
      let able = 0;
      for (const m of members) {
        const s = p.score[m * L + l] as number;
        if (s === 0) continue;
        able++;
        if ((load[m] as number) < (p.cap[m] as number)) {
          count++;
          if (s > best) best = s;
        }
      }
      if (newcomers) {
        count += (p.options[l] as Int32Array).length - able;
        best = Math.max(best, p.bestScore[l] as number);
      }
      if (count === 0) return;
      bound += best;
      if (count < fewest) {
        fewest = count;
        lot = l;
      }
    }
    if (worst && penalized) {
      // Newcomers' distances and penalties beyond the fewest needed only lower the value.
      if (bound - p.penalty * lowestCount < worst.value) return;
      if (partial + amortizedBound(remaining) - p.penalty * members.length < worst.value) return;
    } else if (worst && lowestCount === worst.memberCount) {
      if (bound < worst.score) return;
      if (newcomers) {
        const gainBound = partial + newcomerBound(remaining, worst.memberCount - members.length);
        if (gainBound < bound) bound = gainBound;
        if (bound < worst.score) return;
      } else {
        const roomBound = partial + membersBound(remaining);
        if (roomBound < bound) bound = roomBound;
        if (bound < worst.score) return;
      }
      if (bound === worst.score && (unknown > worst.unknown || (unknown === worst.unknown && distM > worst.distM))) return;
    }

    const bit = 1 << lot;
    const next = remaining & ~bit;
    const mine = memberOptions[depth] as number[];
    mine.length = 0;
    for (const m of members) {
      if ((p.score[m * L + lot] as number) > 0 && (load[m] as number) < (p.cap[m] as number)) mine.push(m);
    }
    mine.sort((a, b) => (p.score[b * L + lot] as number) - (p.score[a * L + lot] as number) || a - b);
    for (const m of mine) {
      const s = p.score[m * L + lot] as number;
      assign[lot] = m;
      load[m]++;
      partial += s;
      visit(next, depth + 1);
      partial -= s;
      load[m]--;
      assign[lot] = -1;
      if (aborted) return;
    }
    if (!newcomers) return;
    for (const c of p.options[lot] as Int32Array) {
      if (isMember[c]) continue;
      // A newcomer may have become useless if a better team set the target meanwhile.
      if (p.penalty < 0 && top.full && members.length + 1 > (top.worst as Team).memberCount) return;
      const s = p.score[c * L + lot] as number;
      join(c);
      assign[lot] = c;
      load[c]++;
      partial += s;
      visit(next, depth + 1);
      partial -= s;
      load[c]--;
      assign[lot] = -1;
      leave(c);
      if (aborted) return;
    }
  };

  visit((1 << L) - 1, 0);
  return !aborted;
}

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
  score: number;
  unknown: number;
  distM: number;
  order: number;
}

/** Width of a beam search spending about the node budget. */
function budgetWidth(p: Problem, first: number): number {
  let perState = 0;
  for (const options of p.options) perState += options.length + 1;
  return Math.min(BEAM_MAX_WIDTH, Math.max(BEAM_MIN_WIDTH, first, Math.floor(p.maxNodes / Math.max(1, perState))));
}

/** Beam search over lots, keeping `width` partial teams from one lot to the next. */
function beamSearch(p: Problem, top: TopTeams, width: number): void {
  const L = p.lots.length;
  const order = Array.from({ length: L }, (_, l) => l).sort(
    (a, b) => (p.options[a] as Int32Array).length - (p.options[b] as Int32Array).length || a - b,
  );
  // Lots the lead can still take from step t on.
  const leadAhead = new Int32Array(L + 1);
  for (let t = L - 1; t >= 0; t--) {
    leadAhead[t] = (leadAhead[t + 1] as number) + (p.lead >= 0 && (p.score[p.lead * L + (order[t] as number)] as number) > 0 ? 1 : 0);
  }
  const start: BeamState = { assign: new Int32Array(L).fill(-1), members: [], loads: [], score: 0, unknown: 0, distM: 0 };
  if (p.lead >= 0) {
    start.members.push(p.lead);
    start.loads.push(0);
    if (p.unknownDistance[p.lead]) start.unknown++;
    else start.distM += p.distM[p.lead] as number;
  }
  let beam: BeamState[] = [start];
  const coverCount = new Int32Array(L);

  for (let t = 0; t < L && beam.length > 0; t++) {
    const lot = order[t] as number;
    const children: BeamChild[] = [];
    beam.forEach((state, parent) => {
      // How many members with room can take each later lot, and how many later lots nobody can.
      coverCount.fill(0);
      for (let i = 0; i < state.members.length; i++) {
        const m = state.members[i] as number;
        if ((state.loads[i] as number) >= (p.cap[m] as number)) continue;
        for (let u = t + 1; u < L; u++) if ((p.score[m * L + (order[u] as number)] as number) > 0) coverCount[u]++;
      }
      let uncovered = 0;
      for (let u = t + 1; u < L; u++) if (coverCount[u] === 0) uncovered++;
      const estimateOf = (members: number, stillUncovered: number): number =>
        members + (stillUncovered === 0 ? 0 : p.maxCover === 0 ? NO_LIMIT : Math.ceil(stillUncovered / p.maxCover));
      const leadLoad = p.lead >= 0 ? (state.loads[0] as number) : 0;
      const push = (candidate: number, slot: number, stillUncovered: number, members: number): void => {
        if (p.lead >= 0) {
          const taken = leadLoad + (candidate === p.lead ? 1 : 0);
          if (p.leadLots - taken > (leadAhead[t + 1] as number)) return;
        }
        const known = p.unknownDistance[candidate] === 0;
        children.push({
          parent,
          candidate,
          slot,
          estimate: estimateOf(members, stillUncovered),
          score: state.score + (p.score[candidate * L + lot] as number),
          unknown: state.unknown + (slot < 0 && !known ? 1 : 0),
          distM: state.distM + (slot < 0 && known ? (p.distM[candidate] as number) : 0),
          order: children.length,
        });
      };
      for (let i = 0; i < state.members.length; i++) {
        const m = state.members[i] as number;
        if ((p.score[m * L + lot] as number) === 0 || (state.loads[i] as number) >= (p.cap[m] as number)) continue;
        let still = uncovered;
        if ((state.loads[i] as number) + 1 >= (p.cap[m] as number)) {
          for (let u = t + 1; u < L; u++) {
            if (coverCount[u] === 1 && (p.score[m * L + (order[u] as number)] as number) > 0) still++;
          }
        }
        push(m, i, still, state.members.length);
      }
      for (const c of p.options[lot] as Int32Array) {
        if (state.members.includes(c)) continue;
        let still = uncovered;
        if ((p.cap[c] as number) > 1) {
          for (let u = t + 1; u < L; u++) {
            if (coverCount[u] === 0 && (p.score[c * L + (order[u] as number)] as number) > 0) still--;
          }
        }
        push(c, -1, still, state.members.length + 1);
      }
    });
    const valueOf = (c: BeamChild): number => (c.estimate >= NO_LIMIT ? -NO_LIMIT : c.score - p.penalty * c.estimate);
    children.sort(
      (a, b) =>
        (p.penalty >= 0 ? valueOf(b) - valueOf(a) : 0) ||
        a.estimate - b.estimate ||
        b.score - a.score ||
        a.unknown - b.unknown ||
        a.distM - b.distM ||
        a.order - b.order,
    );
    const next: BeamState[] = [];
    const seen = new Set<string>();
    for (const child of children) {
      if (next.length >= width) break;
      const parent = beam[child.parent] as BeamState;
      const members = parent.members.slice();
      const loads = parent.loads.slice();
      if (child.slot >= 0) loads[child.slot]++;
      else {
        members.push(child.candidate);
        loads.push(1);
      }
      // Same members with the same loads: same future, keep the best (first) only.
      const signature = members
        .map((m, i) => `${m}:${loads[i] as number}`)
        .sort()
        .join(",");
      if (seen.has(signature)) continue;
      seen.add(signature);
      const assign = Int32Array.from(parent.assign);
      assign[lot] = child.candidate;
      next.push({ assign, members, loads, score: child.score, unknown: child.unknown, distM: child.distM });
    }
    beam = next;
  }
  for (const state of beam) {
    const team = makeTeam(p, state.assign, new Set(state.members));
    if (team) top.offer(team);
  }
}

/** Maximum matching of lots to candidates under the cap (augmenting paths); -1 = unmatched. */
function maximumMatching(able: number[][], cap: (c: number) => number, candidateCount: number): Int32Array {
  const matchOf = new Int32Array(able.length).fill(-1);
  const lotsOf: number[][] = Array.from({ length: candidateCount }, () => []);
  const augment = (lot: number, seen: Uint8Array): boolean => {
    for (const c of able[lot] as number[]) {
      if (seen[c]) continue;
      seen[c] = 1;
      const held = lotsOf[c] as number[];
      if (held.length < cap(c)) {
        held.push(lot);
        matchOf[lot] = c;
        return true;
      }
      for (let i = 0; i < held.length; i++) {
        const other = held[i] as number;
        if (augment(other, seen)) {
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

function lotName(lot: ConsortiumLot): string {
  const label = lot.label.trim();
  if (lot.number !== undefined && lot.number !== null) return label ? `Lot ${lot.number} (${label})` : `Lot ${lot.number}`;
  return label || `Lot ${lot.lotId}`;
}

/** Suggest teams covering the tender's lots; see the module comment for rules and guarantees. */
export function suggestConsortia(input: ConsortiumInput): ConsortiumResult {
  const { lots, candidates } = input;
  const cap = input.maxLotsPerMember;
  if (cap !== null) checkInteger(cap, "maxLotsPerMember", 1, 10_000);
  checkInteger(input.first, "first", 1, MAX_SUGGESTIONS);
  const exactLotLimit = input.exactLotLimit ?? DEFAULT_EXACT_LOT_LIMIT;
  checkInteger(exactLotLimit, "exactLotLimit", 0, MAX_EXACT_LOT_LIMIT);
  const maxNodes = input.budget?.maxNodes ?? DEFAULT_MAX_NODES;
  checkInteger(maxNodes, "budget.maxNodes", 1, 1_000_000_000);
  const objective = input.objective ?? TEAM_OBJECTIVES.BALANCED;
  checkObjective(objective);

  const lotIndex = new Map<string, number>();
  lots.forEach((lot, i) => {
    if (lotIndex.has(lot.lotId)) throw new BadInputError(`lots[${i}].lotId`, `"${lot.lotId}" is repeated`);
    lotIndex.set(lot.lotId, i);
  });
  const candidateIndex = new Map<string, number>();
  // Integer scores per candidate and input lot.
  const scores: Int32Array[] = candidates.map((candidate, i) => {
    if (candidateIndex.has(candidate.id)) throw new BadInputError(`candidates[${i}].id`, `"${candidate.id}" is repeated`);
    candidateIndex.set(candidate.id, i);
    const d = candidate.distanceKm;
    if (d !== null && (!Number.isFinite(d) || d < 0)) {
      throw new BadInputError(`candidates[${i}].distanceKm`, "must be a finite number of km >= 0, or null");
    }
    const row = new Int32Array(lots.length);
    for (const [lotId, score] of Object.entries(candidate.lotScores)) {
      const l = lotIndex.get(lotId);
      if (l === undefined) continue;
      if (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > 1) {
        throw new BadInputError(`candidates[${i}].lotScores.${lotId}`, "must be a number between 0 and 1");
      }
      if (score > 0) row[l] = Math.max(1, Math.round(score * SCORE_UNIT));
    }
    return row;
  });
  const excludedIds = new Set(input.excludedLeads);
  let leadInput = -1;
  if (input.lead !== null) {
    const found = candidateIndex.get(input.lead);
    if (found === undefined) throw new BadInputError("lead", "must be one of the candidates");
    if (excludedIds.has(input.lead)) throw new BadInputError("lead", "already leads another group for this tender");
    leadInput = found;
  }

  const notes: string[] = [];
  const limit = cap ?? NO_LIMIT;
  // Lots nobody can do, then lots a maximum matching under the cap leaves out.
  const able: number[][] = lots.map((_, l) =>
    candidates
      .map((_, c) => c)
      .filter((c) => ((scores[c] as Int32Array)[l] as number) > 0)
      .sort((a, b) => ((scores[b] as Int32Array)[l] as number) - ((scores[a] as Int32Array)[l] as number) || compareIds((candidates[a] as ConsortiumCandidate).id, (candidates[b] as ConsortiumCandidate).id)),
  );
  const matchOf = maximumMatching(able, () => limit, candidates.length);
  const uncovered: number[] = [];
  const active: number[] = [];
  lots.forEach((lot, l) => {
    if ((able[l] as number[]).length === 0) {
      uncovered.push(l);
      notes.push(`${lotName(lot)}: no cooperative able to do it`);
    } else if ((matchOf[l] as number) < 0) {
      uncovered.push(l);
      notes.push(`${lotName(lot)}: cannot be covered together with the other lots under the limit of ${plural(limit, "lot")} per member`);
    } else {
      active.push(l);
    }
  });
  const uncoveredLots = uncovered.map((l) => (lots[l] as ConsortiumLot).lotId);
  const empty = (exact: boolean): ConsortiumResult => ({ suggestions: [], exact, uncoveredLots, notes });
  if (lots.length === 0) {
    notes.push("no lot to cover");
    return empty(true);
  }
  if (active.length === 0) return empty(true);
  if (leadInput < 0 && !candidates.some((c, i) => !excludedIds.has(c.id) && active.some((l) => ((scores[i] as Int32Array)[l] as number) > 0))) {
    notes.push("every cooperative able to do a lot already leads another group for this tender");
    return empty(true);
  }

  // The pool.
  const inPool = new Set<number>();
  for (const l of active) for (const c of (able[l] as number[]).slice(0, CANDIDATES_PER_LOT)) inPool.add(c);
  const breadth = candidates
    .map((_, c) => {
      let count = 0;
      let sum = 0;
      for (const l of active) {
        const s = (scores[c] as Int32Array)[l] as number;
        if (s > 0) {
          count++;
          sum += s;
        }
      }
      return { c, count: Math.min(count, limit), sum };
    })
    .filter((b) => b.count > 0)
    .sort((a, b) => b.count - a.count || b.sum - a.sum || compareIds((candidates[a.c] as ConsortiumCandidate).id, (candidates[b.c] as ConsortiumCandidate).id));
  for (const b of breadth.slice(0, BROAD_CANDIDATES)) inPool.add(b.c);
  for (const l of active) inPool.add(matchOf[l] as number);
  if (leadInput >= 0) inPool.add(leadInput);
  const ableCount = breadth.length + (leadInput >= 0 && !breadth.some((b) => b.c === leadInput) ? 1 : 0);
  const poolInputs = [...inPool].sort((a, b) => compareIds((candidates[a] as ConsortiumCandidate).id, (candidates[b] as ConsortiumCandidate).id));
  const pool = poolInputs.map((c) => candidates[c] as ConsortiumCandidate);
  const n = pool.length;
  const L = active.length;
  if (n < ableCount) {
    notes.push(
      `searched the ${n} most relevant of ${ableCount} able cooperatives (the ${CANDIDATES_PER_LOT} best per lot and the ${BROAD_CANDIDATES} able to do most lots)`,
    );
  }

  const score = new Int32Array(n * L);
  const raw = new Int32Array(n * L);
  const distM = new Float64Array(n);
  const unknownDistance = new Uint8Array(n);
  const excluded = new Uint8Array(n);
  const capArray = new Int32Array(n);
  poolInputs.forEach((c, i) => {
    const row = scores[c] as Int32Array;
    const d = (candidates[c] as ConsortiumCandidate).distanceKm;
    const bonus = Math.round(objective.distanceWeight * locality(d, objective.decayKm) * SCORE_UNIT);
    active.forEach((l, j) => {
      const s = row[l] as number;
      raw[i * L + j] = s;
      score[i * L + j] = s > 0 ? s + bonus : 0;
    });
    if (d === null) unknownDistance[i] = 1;
    else distM[i] = Math.round(d * 1000);
    excluded[i] = excludedIds.has((candidates[c] as ConsortiumCandidate).id) ? 1 : 0;
    capArray[i] = Math.min(limit, L);
  });
  const lead = leadInput >= 0 ? poolInputs.indexOf(leadInput) : -1;
  let leadLots = 0;
  if (lead >= 0) {
    for (let l = 0; l < L; l++) if ((score[lead * L + l] as number) > 0) leadLots++;
    leadLots = Math.min(leadLots, limit);
    capArray[lead] = leadLots;
  }
  const options = Array.from({ length: L }, (_, l) => {
    const list: number[] = [];
    for (let c = 0; c < n; c++) if ((score[c * L + l] as number) > 0) list.push(c);
    list.sort(
      (a, b) =>
        (score[b * L + l] as number) - (score[a * L + l] as number) ||
        (unknownDistance[a] as number) - (unknownDistance[b] as number) ||
        (distM[a] as number) - (distM[b] as number) ||
        a - b,
    );
    return Int32Array.from(list);
  });
  const bestScore = Int32Array.from(options, (list, l) => (list.length > 0 ? (score[(list[0] as number) * L + l] as number) : 0));
  let maxCover = 0;
  for (let c = 0; c < n; c++) {
    if (c === lead) continue;
    let count = 0;
    for (let l = 0; l < L; l++) if ((score[c * L + l] as number) > 0) count++;
    maxCover = Math.max(maxCover, Math.min(count, capArray[c] as number));
  }
  const problem: Problem = {
    lots: active,
    pool,
    score,
    raw,
    penalty: objective.teamSizePenalty === null ? -1 : Math.round(objective.teamSizePenalty * SCORE_UNIT),
    cap: capArray,
    excluded,
    unknownDistance,
    distM,
    options,
    bestScore,
    maxCover,
    lead,
    leadLots,
    maxNodes,
  };

  const top = new TopTeams(input.first, problem.penalty < 0 ? compareTeams : compareValues);
  let exact: boolean;
  if (L <= exactLotLimit) {
    // A narrow beam first gives the branch and bound good teams to prune against from the start.
    beamSearch(problem, top, Math.max(WARM_START_WIDTH, input.first));
    exact = exactSearch(problem, top);
    if (!exact) {
      const width = budgetWidth(problem, input.first);
      beamSearch(problem, top, width);
      notes.push(
        `approximate: the exact search stopped after ${maxNodes} nodes; completed with a beam search of width ${width}`,
      );
    }
  } else {
    exact = false;
    const width = budgetWidth(problem, input.first);
    beamSearch(problem, top, width);
    notes.push(`approximate: ${L} lots is above the exact limit of ${exactLotLimit}; beam search of width ${width}`);
  }
  if (top.list.length === 0) {
    notes.push(
      leadInput >= 0
        ? "no team found around the requested lead"
        : exact
          ? "no valid team: each possible team lacks a member free to lead"
          : "no team found within the search budget",
    );
  }

  const place = input.place?.trim() ? input.place.trim() : "the place of performance";
  const suggestions = top.list.map((team) => describe(team, problem, lots, uncovered, cap, place));
  return { suggestions, exact, uncoveredLots, notes };
}

function describe(
  team: Team,
  p: Problem,
  lots: readonly ConsortiumLot[],
  uncovered: number[],
  cap: number | null,
  place: string,
): ConsortiumSuggestion {
  const L = p.lots.length;
  const lotsOf = new Map<number, number[]>();
  const sumOf = new Map<number, number>();
  for (const c of team.members) {
    lotsOf.set(c, []);
    sumOf.set(c, 0);
  }
  for (let j = 0; j < L; j++) {
    const c = team.assign[j] as number;
    (lotsOf.get(c) as number[]).push(p.lots[j] as number);
    sumOf.set(c, (sumOf.get(c) as number) + (p.raw[c * L + j] as number));
  }
  const byWeight = team.members.slice().sort(
    (a, b) =>
      (lotsOf.get(b) as number[]).length - (lotsOf.get(a) as number[]).length ||
      (sumOf.get(b) as number) - (sumOf.get(a) as number) ||
      a - b,
  );
  const lead = p.lead >= 0 ? p.lead : (byWeight.find((c) => p.excluded[c] === 0) as number);
  const ordered = [lead, ...byWeight.filter((c) => c !== lead)];
  const nameOf = (c: number): string => (p.pool[c] as ConsortiumCandidate).name;
  const distanceOf = (c: number): number | null => (p.pool[c] as ConsortiumCandidate).distanceKm;
  const km = (d: number | null): string =>
    d === null ? `distance to ${place} unknown` : d < 1 ? `less than 1 km from ${place}` : `${Math.round(d)} km from ${place}`;

  const members: ConsortiumMember[] = ordered.map((c) => ({
    id: (p.pool[c] as ConsortiumCandidate).id,
    name: nameOf(c),
    role: c === lead ? "LEAD" : "MEMBER",
    lots: (lotsOf.get(c) as number[]).slice().sort((a, b) => a - b).map((l) => (lots[l] as ConsortiumLot).lotId),
    distanceKm: distanceOf(c),
  }));
  const assignment: Record<string, string> = {};
  const lines = new Map<number, string>();
  p.lots.forEach((l, j) => {
    const c = team.assign[j] as number;
    assignment[(lots[l] as ConsortiumLot).lotId] = (p.pool[c] as ConsortiumCandidate).id;
    const s = (p.raw[c * L + j] as number) / SCORE_UNIT;
    const evidence = (p.pool[c] as ConsortiumCandidate).lotEvidence?.[(lots[l] as ConsortiumLot).lotId];
    lines.set(l, `${lotName(lots[l] as ConsortiumLot)} → ${nameOf(c)}, score ${s.toFixed(2)}${evidence ? ` (${evidence})` : ""}, ${km(distanceOf(c))}`);
  });
  for (const l of uncovered) lines.set(l, `${lotName(lots[l] as ConsortiumLot)}: not covered`);
  const explanation = [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => line);

  const leadLots = (lotsOf.get(lead) as number[]).length;
  if (p.lead >= 0) {
    let able = 0;
    for (let j = 0; j < L; j++) if ((p.score[lead * L + j] as number) > 0) able++;
    explanation.push(
      able === 0
        ? `${nameOf(lead)} leads the group, as asked, without a lot of its own`
        : able > leadLots
          ? `${nameOf(lead)} leads the group, as asked, with ${leadLots} of the ${able} lots it can do (limit of ${plural(cap ?? leadLots, "lot")} per member)`
          : `${nameOf(lead)} leads the group, as asked, with every lot it can do`,
    );
  } else {
    explanation.push(`${nameOf(lead)} leads the group: ${plural(leadLots, "lot")}, the most of the members free to lead`);
    for (const c of byWeight) {
      if (c === lead) break;
      explanation.push(`${nameOf(c)} already leads another group for this tender, so joins as a member`);
    }
  }
  for (const c of ordered) explanation.push(`${nameOf(c)}${c === lead ? " (lead)" : ""}: ${km(distanceOf(c))}`);
  const totalDistanceKm = team.unknown > 0 ? null : Math.round(team.distM / 100) / 10;
  let rawSum = 0;
  for (const c of team.members) rawSum += sumOf.get(c) as number;
  explanation.push(
    `${plural(team.memberCount, "member")}, mean lot score ${(rawSum / SCORE_UNIT / L).toFixed(2)}, ` +
      (totalDistanceKm === null ? "a distance unknown" : `${Math.round(totalDistanceKm)} km in total`),
  );
  return {
    members,
    assignment,
    score: Math.round(rawSum / L) / SCORE_UNIT,
    memberCount: team.memberCount,
    totalDistanceKm,
    explanation,
  };
}
