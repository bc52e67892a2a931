/**
 * A found team in the caller's words: members (lead first) with their lots and distances, the
 * lot → member assignment, the mean lot score, and the explanation, one line per lot, then who
 * leads and why, each member's distance, and the totals.
 */
import { lotName, must, plural, type Problem, type Team } from "./problem";
import { SCORE_UNIT, type ConsortiumLot, type ConsortiumMember, type ConsortiumSuggestion } from "./types";

/** What `describe` needs besides the team. */
export interface DescribeContext {
  p: Problem;
  lots: readonly ConsortiumLot[];
  uncovered: readonly number[];
  cap: number | null;
  place: string;
}

/** Per member of a team, its input lots and the sum of its raw lot scores. */
interface Shares {
  lotsOf: Map<number, number[]>;
  sumOf: Map<number, number>;
}

function sharesOf(team: Team, p: Problem): Shares {
  const L = p.lots.length;
  const lotsOf = new Map<number, number[]>();
  const sumOf = new Map<number, number>();
  for (const c of team.members) {
    lotsOf.set(c, []);
    sumOf.set(c, 0);
  }
  for (let j = 0; j < L; j++) {
    const c = team.assign[j] ?? 0;
    lotsOf.get(c)?.push(p.lots[j] ?? 0);
    sumOf.set(c, (sumOf.get(c) ?? 0) + (p.raw[c * L + j] ?? 0));
  }
  return { lotsOf, sumOf };
}

class TeamWords {
  readonly shares: Shares;
  /** Members by number of lots, then score sum, then pool order. */
  readonly byWeight: number[];
  readonly lead: number;
  /** The lead first, then `byWeight`. */
  readonly ordered: number[];

  constructor(
    readonly team: Team,
    readonly ctx: DescribeContext,
  ) {
    const shares = sharesOf(team, ctx.p);
    const count = (c: number): number => shares.lotsOf.get(c)?.length ?? 0;
    const sum = (c: number): number => shares.sumOf.get(c) ?? 0;
    this.shares = shares;
    this.byWeight = team.members.slice().sort((a, b) => count(b) - count(a) || sum(b) - sum(a) || a - b);
    this.lead =
      ctx.p.lead >= 0
        ? ctx.p.lead
        : must(
            this.byWeight.find((c) => ctx.p.excluded[c] === 0),
            "lead",
          );
    this.ordered = [this.lead, ...this.byWeight.filter((c) => c !== this.lead)];
  }

  name(c: number): string {
    return must(this.ctx.p.pool[c]).name;
  }

  distance(c: number): number | null {
    return must(this.ctx.p.pool[c]).distanceKm;
  }

  lotId(l: number): string {
    return must(this.ctx.lots[l]).lotId;
  }

  km(d: number | null): string {
    const { place } = this.ctx;
    return d === null ? `distance to ${place} unknown` : d < 1 ? `less than 1 km from ${place}` : `${Math.round(d)} km from ${place}`;
  }

  members(): ConsortiumMember[] {
    return this.ordered.map((c) => ({
      id: must(this.ctx.p.pool[c]).id,
      name: this.name(c),
      role: c === this.lead ? "LEAD" : "MEMBER",
      lots: (this.shares.lotsOf.get(c) ?? [])
        .slice()
        .sort((a, b) => a - b)
        .map((l) => this.lotId(l)),
      distanceKm: this.distance(c),
    }));
  }

  /** The assignment by lot id, and one line per input lot (covered or not), in input order. */
  lotLines(): { assignment: Record<string, string>; lines: string[] } {
    const { p, lots, uncovered } = this.ctx;
    const L = p.lots.length;
    const assignment: Record<string, string> = {};
    const lines = new Map<number, string>();
    p.lots.forEach((l, j) => {
      const c = this.team.assign[j] ?? 0;
      const candidate = must(p.pool[c]);
      const lot = must(lots[l]);
      assignment[lot.lotId] = candidate.id;
      const s = (p.raw[c * L + j] ?? 0) / SCORE_UNIT;
      const evidence = candidate.lotEvidence?.[lot.lotId];
      lines.set(l, `${lotName(lot)} → ${candidate.name}, score ${s.toFixed(2)}${evidence ? ` (${evidence})` : ""}, ${this.km(candidate.distanceKm)}`);
    });
    for (const l of uncovered) lines.set(l, `${lotName(must(lots[l]))}: not covered`);
    return { assignment, lines: [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => line) };
  }

  /** Who leads and why. */
  leadLines(): string[] {
    const { p, cap } = this.ctx;
    const { lead } = this;
    const L = p.lots.length;
    const leadLots = this.shares.lotsOf.get(lead)?.length ?? 0;
    if (p.lead >= 0) {
      let able = 0;
      for (let j = 0; j < L; j++) if ((p.score[lead * L + j] ?? 0) > 0) able++;
      return [
        able === 0
          ? `${this.name(lead)} leads the group, as asked, without a lot of its own`
          : able > leadLots
            ? `${this.name(lead)} leads the group, as asked, with ${leadLots} of the ${able} lots it can do (limit of ${plural(cap ?? leadLots, "lot")} per member)`
            : `${this.name(lead)} leads the group, as asked, with every lot it can do`,
      ];
    }
    const lines = [`${this.name(lead)} leads the group: ${plural(leadLots, "lot")}, the most of the members free to lead`];
    for (const c of this.byWeight) {
      if (c === lead) break;
      lines.push(`${this.name(c)} already leads another group for this tender, so joins as a member`);
    }
    return lines;
  }
}

/** The suggestion for a found team. */
export function describe(team: Team, ctx: DescribeContext): ConsortiumSuggestion {
  const words = new TeamWords(team, ctx);
  const L = ctx.p.lots.length;
  const { assignment, lines } = words.lotLines();
  const explanation = [...lines, ...words.leadLines()];
  for (const c of words.ordered) explanation.push(`${words.name(c)}${c === words.lead ? " (lead)" : ""}: ${words.km(words.distance(c))}`);
  const totalDistanceKm = team.unknown > 0 ? null : Math.round(team.distM / 100) / 10;
  let rawSum = 0;
  for (const c of team.members) rawSum += words.shares.sumOf.get(c) ?? 0;
  explanation.push(
    `${plural(team.memberCount, "member")}, mean lot score ${(rawSum / SCORE_UNIT / L).toFixed(2)}, ` +
      (totalDistanceKm === null ? "a distance unknown" : `${Math.round(totalDistanceKm)} km in total`),
  );
  return {
    members: words.members(),
    assignment,
    score: Math.round(rawSum / L) / SCORE_UNIT,
    memberCount: team.memberCount,
    totalDistanceKm,
    explanation,
  };
}
