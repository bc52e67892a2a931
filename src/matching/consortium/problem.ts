/**
 * The pruned problem both searches work on, the teams they find, and the small helpers they
 * share. Everything is in pool indices and active-lot indices; ids come back in `describe.ts`.
 */
import type { ConsortiumCandidate, ConsortiumLot } from "./types";

/** An element that must be there (an index computed from the same arrays); throws otherwise. */
export function must<T>(value: T | undefined, what = "index"): T {
  if (value === undefined) throw new RangeError(`consortium solver: ${what} out of range`);
  return value;
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Index of the lowest set bit of a non-zero mask. */
export function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

export const plural = (n: number, word: string): string => `${n} ${n === 1 ? word : `${word}s`}`;

export function lotName(lot: ConsortiumLot): string {
  const label = lot.label.trim();
  if (lot.number !== undefined && lot.number !== null) return label ? `Lot ${lot.number} (${label})` : `Lot ${lot.number}`;
  return label || `Lot ${lot.lotId}`;
}

/** A complete team found by a search, over pool indices and active lot indices. */
export interface Team {
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

export function compareTeams(a: Team, b: Team): number {
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
export function compareValues(a: Team, b: Team): number {
  return b.value - a.value || compareTeams(a, b);
}

/** The `first` best teams, one per member set. */
export class TopTeams {
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
    const worst = this.worst;
    if (same) {
      if (this.compare(team, same) >= 0) return;
      this.list.splice(this.list.indexOf(same), 1);
      this.byKey.delete(same.key);
    } else if (this.full && worst && this.compare(team, worst) >= 0) {
      return;
    }
    let at = this.list.length;
    while (at > 0 && this.compare(team, must(this.list[at - 1])) < 0) at--;
    this.list.splice(at, 0, team);
    this.byKey.set(team.key, team);
    if (this.list.length > this.size) {
      const dropped = this.list.pop();
      if (dropped) this.byKey.delete(dropped.key);
    }
  }
}

/** The pruned problem both searches work on. */
export interface Problem {
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

/** The pool indices flagged in `memberFlags` (a 0/1 array over the pool, or a set), sorted. */
function memberList(memberFlags: Uint8Array | Set<number>): number[] {
  if (memberFlags instanceof Set) return [...memberFlags].sort((a, b) => a - b);
  const members: number[] = [];
  for (let c = 0; c < memberFlags.length; c++) if (memberFlags[c] === 1) members.push(c);
  return members;
}

/** The team of a complete assignment, or null when it breaks the lead rules. */
export function makeTeam(p: Problem, assign: Int32Array, memberFlags: Uint8Array | Set<number>): Team | null {
  const L = p.lots.length;
  const members = memberList(memberFlags);
  let score = 0;
  let leadLoad = 0;
  for (let l = 0; l < L; l++) {
    const c = assign[l] ?? 0;
    score += p.score[c * L + l] ?? 0;
    if (c === p.lead) leadLoad++;
  }
  if (p.lead >= 0) {
    if (leadLoad !== p.leadLots) return null;
  } else if (!members.some((c) => p.excluded[c] === 0)) {
    return null;
  }
  let unknown = 0;
  let distM = 0;
  for (const c of members) {
    if (p.unknownDistance[c]) unknown++;
    else distM += p.distM[c] ?? 0;
  }
  const idOf = (c: number): string => must(p.pool[c], "pool index").id;
  const assignIds: string[] = [];
  for (let l = 0; l < L; l++) assignIds.push(idOf(assign[l] ?? 0));
  return {
    assign: Int32Array.from(assign),
    members,
    memberCount: members.length,
    score,
    value: p.penalty < 0 ? 0 : score - p.penalty * members.length,
    unknown,
    distM,
    key: members.map(idOf).join("\u0000"),
    assignKey: assignIds.join("\u0000"),
  };
}
