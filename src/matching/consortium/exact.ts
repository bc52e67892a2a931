/**
 * The exact search: depth-first branch and bound over lots, the lot with fewest open options
 * first, current members tried before newcomers, best scores first, pruned against the
 * `first`-th team found so far with a lower bound on members and upper bounds on the score
 * (module comment of index.ts).
 */
import { makeTeam, must, popcount, lowestBit, type Problem, type Team, type TopTeams } from "./problem";
import { newcomerTable, subsetBound } from "./subsets";
import { NO_LIMIT } from "./types";

/** The lot a node branches on, and what the node may still reach. */
interface Step {
  lot: number;
  /** Upper bound on the team score (partial plus the best per remaining lot). */
  bound: number;
  /** Fewest members a completed team can have from here. */
  lowestCount: number;
  /** Whether a newcomer may still join. */
  newcomers: boolean;
  worst: Team | undefined;
}

class ExactSearch {
  private readonly L: number;
  private readonly doable: Int32Array;
  private readonly assign: Int32Array;
  private readonly load: Int32Array;
  private readonly isMember: Uint8Array;
  private readonly members: number[] = [];
  private partial = 0;
  private unknown = 0;
  private distM = 0;
  private nodes = 0;
  aborted = false;
  private readonly memberOptions: number[][];
  private readonly gainSum: Int32Array;
  private readonly gainMax: Int32Array;
  /** Per newcomer, the lots it may improve in the amortized bound (0 when none or useless), valid when `stamp` is the node's. */
  private readonly reach: Int32Array;
  private readonly stamp: Int32Array;
  /** Best value of newcomers alone per lot subset (subsets.ts), or null when not built. */
  private readonly table: Float64Array | null;
  private stamps = 0;
  /** Per lot, the best score of a member with room (amortized bound's scratch). */
  private readonly memberBest: Int32Array;
  private readonly touched: number[] = [];
  private readonly topGains: number[] = [];
  private readonly scratch: number[] = [];
  /** The largest cap: no one takes more lots. */
  private readonly maxCap: number;

  constructor(
    private readonly p: Problem,
    private readonly top: TopTeams,
  ) {
    const L = p.lots.length;
    const n = p.pool.length;
    this.L = L;
    this.doable = new Int32Array(n);
    for (let c = 0; c < n; c++) {
      let mask = 0;
      for (let l = 0; l < L; l++) if ((p.score[c * L + l] ?? 0) > 0) mask |= 1 << l;
      this.doable[c] = mask;
    }
    this.assign = new Int32Array(L).fill(-1);
    this.load = new Int32Array(n);
    this.isMember = new Uint8Array(n);
    this.memberOptions = Array.from({ length: L + 1 }, () => []);
    this.gainSum = new Int32Array(n);
    this.gainMax = new Int32Array(n);
    this.reach = new Int32Array(n);
    this.stamp = new Int32Array(n);
    this.memberBest = new Int32Array(L);
    this.table = newcomerTable(p);
    this.maxCap = p.cap.reduce((max, cap) => Math.max(max, cap), 0);
    if (p.lead >= 0) this.join(p.lead);
  }

  private join(c: number): void {
    this.isMember[c] = 1;
    this.members.push(c);
    if (this.p.unknownDistance[c]) this.unknown++;
    else this.distM += this.p.distM[c] ?? 0;
  }

  private leave(c: number): void {
    this.isMember[c] = 0;
    this.members.pop();
    if (this.p.unknownDistance[c]) this.unknown--;
    else this.distM -= this.p.distM[c] ?? 0;
  }

  /** Spare room of a member under its cap (0 or less: full). */
  private spare(m: number): number {
    return (this.p.cap[m] ?? 0) - (this.load[m] ?? 0);
  }

  /** Best score of a member with room on lot `l` (0 if none). */
  private memberBestOn(l: number): number {
    const { p, L } = this;
    let best = 0;
    for (const m of this.members) {
      if (this.spare(m) <= 0) continue;
      const s = p.score[m * L + l] ?? 0;
      if (s > best) best = s;
    }
    return best;
  }

  /**
   * Upper bound on the score of the remaining lots when at most `slots` newcomers may join:
   * each lot at the best score of a member with room, plus the `slots` largest gains a single
   * newcomer could bring (its improvements over those, on at most its cap of lots, bounded by
   * cap × its largest improvement). Options are sorted by score, so each lot stops early.
   */
  private newcomerBound(remaining: number, slots: number): number {
    const { p, L, touched, gainSum, gainMax } = this;
    let base = 0;
    touched.length = 0;
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = lowestBit(rest);
      const best = this.memberBestOn(l);
      base += best;
      for (const c of must(p.options[l])) {
        const gain = (p.score[c * L + l] ?? 0) - best;
        if (gain <= 0) break;
        if (this.isMember[c]) continue;
        const sum = gainSum[c] ?? 0;
        if (sum === 0) touched.push(c);
        gainSum[c] = sum + gain;
        if (gain > (gainMax[c] ?? 0)) gainMax[c] = gain;
      }
    }
    return base + this.largestGains(slots);
  }

  /** Sum of the `slots` largest gains of the touched newcomers; resets their sums. */
  private largestGains(slots: number): number {
    const { p, touched, topGains, gainSum, gainMax } = this;
    topGains.length = 0;
    for (const c of touched) {
      const gain = Math.min(gainSum[c] ?? 0, (p.cap[c] ?? 0) * (gainMax[c] ?? 0));
      gainSum[c] = 0;
      gainMax[c] = 0;
      if (topGains.length < slots) topGains.push(gain);
      else {
        let low = 0;
        for (let i = 1; i < topGains.length; i++) if ((topGains[i] ?? 0) < (topGains[low] ?? 0)) low = i;
        if (gain > (topGains[low] ?? 0)) topGains[low] = gain;
      }
    }
    let extra = 0;
    for (const g of topGains) extra += g;
    return extra;
  }

  /**
   * Upper bound on (score of the remaining lots − penalty × newcomers): each lot at the best of a
   * member with room, or of a newcomer less its penalty shared over the lots where it could beat
   * those members (at most its cap): a newcomer's other lots bring no more than the members
   * would, so it pays at least that share on each lot it improves. A newcomer whose improvements
   * (at most its cap of them) cannot repay the penalty brings nothing over the members. Options
   * are sorted by score, so each lot stops at the first one that cannot beat the best so far.
   */
  private amortizedBound(remaining: number): number {
    const { p, L, memberBest, reach, stamp } = this;
    const node = ++this.stamps;
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = lowestBit(rest);
      memberBest[l] = this.memberBestOn(l);
    }
    let total = 0;
    // No newcomer pays less than the penalty shared over this many lots.
    const widest = p.penalty / Math.max(1, Math.min(this.maxCap, popcount(remaining)));
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = lowestBit(rest);
      let best = memberBest[l] ?? 0;
      for (const c of must(p.options[l])) {
        const s = p.score[c * L + l] ?? 0;
        // Options come best first: none further on can beat `best`.
        if (s - widest <= best) break;
        if (this.isMember[c]) continue;
        if (stamp[c] !== node) {
          stamp[c] = node;
          reach[c] = this.improvable(c, remaining);
        }
        const lots = reach[c] ?? 0;
        if (lots === 0) continue;
        const value = s - p.penalty / lots;
        if (value > best) best = value;
      }
      total += best;
    }
    // A margin against floating-point rounding: the bound must never fall below the truth.
    return total + 1e-6;
  }

  /** The remaining lots some member with room can do (`memberBest` filled by `amortizedBound`). */
  private coverable(remaining: number): number {
    let mask = 0;
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = lowestBit(rest);
      if ((this.memberBest[l] ?? 0) > 0) mask |= 1 << l;
    }
    return mask;
  }

  /**
   * The lots a newcomer could improve over the members' best (at most its cap), or 0 when its
   * best improvements, at most that many of them, do not exceed the penalty.
   */
  private improvable(c: number, remaining: number): number {
    const { p, L, memberBest } = this;
    let count = 0;
    let sum = 0;
    let max = 0;
    for (let rest = remaining & (this.doable[c] ?? 0); rest !== 0; rest &= rest - 1) {
      const l = lowestBit(rest);
      const gain = (p.score[c * L + l] ?? 0) - (memberBest[l] ?? 0);
      if (gain <= 0) continue;
      count++;
      sum += gain;
      if (gain > max) max = gain;
    }
    const lots = Math.min(p.cap[c] ?? 0, count);
    return Math.min(sum, lots * max) <= p.penalty ? 0 : lots;
  }

  /** Without newcomers: each member adds at most its best scores on as many lots as it has room for. */
  private membersBound(remaining: number): number {
    const { p, L, scratch } = this;
    let total = 0;
    for (const m of this.members) {
      const spare = this.spare(m);
      if (spare <= 0) continue;
      scratch.length = 0;
      for (let rest = remaining & (this.doable[m] ?? 0); rest !== 0; rest &= rest - 1) {
        scratch.push(p.score[m * L + lowestBit(rest)] ?? 0);
      }
      if (scratch.length > spare) scratch.sort((a, b) => b - a);
      for (let i = 0; i < scratch.length && i < spare; i++) total += scratch[i] ?? 0;
    }
    return total;
  }

  /** Fewest members any completion can have: lots members cannot take need newcomers, each taking at most maxCover. */
  private lowestCount(remaining: number): number {
    let coverable = 0;
    let room = 0;
    for (const m of this.members) {
      const spare = this.spare(m);
      if (spare <= 0) continue;
      const doable = this.doable[m] ?? 0;
      coverable |= doable;
      room += Math.min(spare, popcount(remaining & doable));
    }
    const left = Math.max(popcount(remaining & ~coverable), popcount(remaining) - room);
    const extra = left === 0 ? 0 : this.p.maxCover === 0 ? NO_LIMIT : Math.ceil(left / this.p.maxCover);
    return this.members.length + extra;
  }

  /** The lot with fewest options and the score bound; null when a lot has no option left (or too many members). */
  private step(remaining: number): Step | null {
    const { p, L, top } = this;
    const lowestCount = this.lowestCount(remaining);
    const worst = top.full ? top.worst : undefined;
    // Penalized objectives: any team size may win, the value bound prunes instead.
    const target = worst && p.penalty < 0 ? worst.memberCount : NO_LIMIT;
    if (lowestCount > target) return null;
    const newcomers = this.members.length + 1 <= target;
    let bound = this.partial;
    let lot = -1;
    let fewest = NO_LIMIT;
    for (let rest = remaining; rest !== 0; rest &= rest - 1) {
      const l = lowestBit(rest);
      let best = 0;
      let count = 0;
      let able = 0;
      for (const m of this.members) {
        const s = p.score[m * L + l] ?? 0;
        if (s === 0) continue;
        able++;
        if (this.spare(m) > 0) {
          count++;
          if (s > best) best = s;
        }
      }
      if (newcomers) {
        count += must(p.options[l]).length - able;
        best = Math.max(best, p.bestScore[l] ?? 0);
      }
      if (count === 0) return null;
      bound += best;
      if (count < fewest) {
        fewest = count;
        lot = l;
      }
    }
    return { lot, bound, lowestCount, newcomers, worst };
  }

  /** Whether no completion from this node can enter the top teams. */
  private pruned(remaining: number, step: Step): boolean {
    const { p } = this;
    const { worst, lowestCount, newcomers } = step;
    let bound = step.bound;
    if (!worst) return false;
    if (p.penalty >= 0) {
      // Newcomers' distances and penalties beyond the fewest needed only lower the value.
      if (bound - p.penalty * lowestCount < worst.value) return true;
      const floor = worst.value - this.partial + p.penalty * this.members.length;
      if (this.amortizedBound(remaining) < floor) return true;
      return this.table !== null && subsetBound(this.table, remaining, this.coverable(remaining), this.memberBest) < floor;
    }
    if (lowestCount !== worst.memberCount) return false;
    if (bound < worst.score) return true;
    const tighter = newcomers
      ? this.partial + this.newcomerBound(remaining, worst.memberCount - this.members.length)
      : this.partial + this.membersBound(remaining);
    if (tighter < bound) bound = tighter;
    if (bound < worst.score) return true;
    return bound === worst.score && (this.unknown > worst.unknown || (this.unknown === worst.unknown && this.distM > worst.distM));
  }

  /** Assign `lot` to `c` and search the rest. */
  private descend(c: number, lot: number, next: number, depth: number): void {
    const s = this.p.score[c * this.L + lot] ?? 0;
    this.assign[lot] = c;
    this.load[c] = (this.load[c] ?? 0) + 1;
    this.partial += s;
    this.visit(next, depth + 1);
    this.partial -= s;
    this.load[c] = (this.load[c] ?? 0) - 1;
    this.assign[lot] = -1;
  }

  /** Current members with room first (best score first), then newcomers in option order. */
  private branch(remaining: number, depth: number, step: Step): void {
    const { p, L, top } = this;
    const { lot } = step;
    const next = remaining & ~(1 << lot);
    const mine = must(this.memberOptions[depth]);
    mine.length = 0;
    for (const m of this.members) {
      if ((p.score[m * L + lot] ?? 0) > 0 && this.spare(m) > 0) mine.push(m);
    }
    mine.sort((a, b) => (p.score[b * L + lot] ?? 0) - (p.score[a * L + lot] ?? 0) || a - b);
    for (const m of mine) {
      this.descend(m, lot, next, depth);
      if (this.aborted) return;
    }
    if (!step.newcomers) return;
    for (const c of must(p.options[lot])) {
      if (this.isMember[c]) continue;
      // A newcomer may have become useless if a better team set the target meanwhile.
      const worst = top.full ? top.worst : undefined;
      if (p.penalty < 0 && worst && this.members.length + 1 > worst.memberCount) return;
      this.join(c);
      this.descend(c, lot, next, depth);
      this.leave(c);
      if (this.aborted) return;
    }
  }

  visit(remaining: number, depth: number): void {
    const { p } = this;
    if (this.aborted) return;
    if (++this.nodes > p.maxNodes) {
      this.aborted = true;
      return;
    }
    if (remaining === 0) {
      const team = makeTeam(p, this.assign, this.isMember);
      if (team) this.top.offer(team);
      return;
    }
    if (p.lead >= 0 && p.leadLots - (this.load[p.lead] ?? 0) > popcount(remaining & (this.doable[p.lead] ?? 0))) return;
    const step = this.step(remaining);
    if (step === null || this.pruned(remaining, step)) return;
    this.branch(remaining, depth, step);
  }
}

/** Depth-first branch and bound into `top`; returns false if the node budget ran out. */
export function exactSearch(p: Problem, top: TopTeams): boolean {
  const search = new ExactSearch(p, top);
  search.visit((1 << p.lots.length) - 1, 0);
  return !search.aborted;
}
