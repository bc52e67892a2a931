/**
 * Where the time of a matching request goes, measured in this process with the app's own
 * functions on the benchmark database (no HTTP, no GraphQL): the candidate SQL (the exact
 * statements findCandidates sends, captured through MikroORM's onQuery hook and replayed),
 * loadProfiles (skills, references, wins, open bids of the candidates), the scoring
 * (rankCandidates) and, for consortia, the solver (suggestConsortia). Plus EXPLAIN ANALYZE of
 * the candidate statements.
 */
import { MikroORM, type EntityManager } from "@mikro-orm/postgresql";
import { ormConfig } from "../../src/db/mikro-orm.config";
import { suggestConsortia, type ConsortiumCandidate } from "../../src/matching/consortium";
import { CANDIDATE_POOL, findCandidates, loadProfiles } from "../../src/matching/matching.candidates";
import { demandOf, LOT_SCORE_FLOOR } from "../../src/matching/matching.service";
import { rankCandidates, validateProximityOptions, validateWeights, type Demand } from "../../src/matching/scoring";
import { Lot, Tender } from "../../src/tenders/tender.entity";

/** As the service: candidates scored per lot before the consortium search. */
const POOL_PER_LOT = 60;

interface Captured {
  sql: string;
  params: readonly unknown[];
}

type CandidateRows = Parameters<typeof loadProfiles>[1];

export interface PhaseTimes {
  /** Candidate statements (GIN narrowing + pre-ranking), summed over lots. */
  candidateSqlMs: number;
  /** loadProfiles for the candidates found (one statement: skills, references, wins, open bids). */
  loadProfilesMs: number;
  /** rankCandidates, summed over lots. */
  scoringMs: number;
  /** suggestConsortia; null for matches. */
  solverMs: number | null;
  totalMs: number;
  /** Candidate statements sent per request, candidates loaded. */
  statements: number;
  loaded: number;
}

export interface CandidatePlan {
  /** The statement, params inlined (first candidate statement of the 5-lot tender, whole tender). */
  sql: string;
  executionMs: number;
  planningMs: number;
  plan: string[];
}

export class PhaseProbe {
  private captured: Captured[] | null = null;

  private constructor(private readonly orm: MikroORM) {}

  static async open(url: string): Promise<{ probe: PhaseProbe; close(): Promise<void> }> {
    let probe: PhaseProbe | null = null;
    const orm = await MikroORM.init(
      ormConfig(url, {
        pool: { min: 0, max: 5 },
        onQuery: (sql: string, params: readonly unknown[]) => {
          probe?.captured?.push({ sql, params: [...params] });
          return sql;
        },
      }),
    );
    probe = new PhaseProbe(orm);
    return { probe, close: () => orm.close(true) };
  }

  private async capture<T>(work: () => Promise<T>): Promise<{ value: T; queries: Captured[] }> {
    this.captured = [];
    try {
      const value = await work();
      return { value, queries: this.captured };
    } finally {
      this.captured = null;
    }
  }

  private async loadTender(em: EntityManager, tenderId: string): Promise<{ tender: Tender; lots: Lot[] }> {
    const tender = await em.findOneOrFail(Tender, { id: tenderId });
    const lots = await em.find(Lot, { tender }, { orderBy: { number: "asc" } });
    return { tender, lots };
  }

  /** The candidate statements findCandidates sends for this search, in order. */
  private async candidateStatements(em: EntityManager, demand: Demand, limit: number): Promise<Captured[]> {
    const { queries } = await this.capture(() => findCandidates(em, { demand, maxDistanceKm: null, limit }));
    return queries.filter((q) => /FROM cooperatives c\b/.test(q.sql));
  }

  /** Replays findCandidates' statements (merging as it does), then loadProfiles and the scoring. */
  private async onePool(em: EntityManager, statements: Captured[], demand: Demand, limit: number) {
    const weights = validateWeights({});
    const proximity = validateProximityOptions({ maxDistanceKm: null });
    const connection = em.getConnection();
    const t0 = performance.now();
    let rows: CandidateRows = [];
    for (const statement of statements) {
      const found = await connection.execute<CandidateRows>(statement.sql, [...statement.params]);
      const seen = new Set(rows.map((r) => r.id));
      rows = [...rows, ...found.filter((r) => !seen.has(r.id))].slice(0, limit);
    }
    const t1 = performance.now();
    const profiles = await loadProfiles(em, rows);
    const t2 = performance.now();
    const ranked = rankCandidates(demand, profiles, weights, proximity, new Date());
    const t3 = performance.now();
    return { sql: t1 - t0, profiles: t2 - t1, scoring: t3 - t2, loaded: rows.length, ranked };
  }

  /** `Tender.matches` on the whole tender: median phases over `reps` runs. */
  async matches(tenderId: string, reps: number): Promise<PhaseTimes> {
    const em = this.orm.em.fork();
    const { tender, lots } = await this.loadTender(em, tenderId);
    const demand = demandOf(tender, lots, null);
    const statements = await this.candidateStatements(em, demand, CANDIDATE_POOL);
    const runs: PhaseTimes[] = [];
    // One untimed run first (JIT, caches).
    for (let r = -1; r < reps; r++) {
      const one = await this.onePool(em.fork(), statements, demand, CANDIDATE_POOL);
      if (r >= 0)
        runs.push({
          candidateSqlMs: one.sql,
          loadProfilesMs: one.profiles,
          scoringMs: one.scoring,
          solverMs: null,
          totalMs: one.sql + one.profiles + one.scoring,
          statements: statements.length,
          loaded: one.loaded,
        });
    }
    return medianOf(runs);
  }

  /** `Tender.consortiumSuggestions(first)`: pools per lot as the service builds them, then the solver. */
  async consortium(tenderId: string, first: number, reps: number): Promise<PhaseTimes & { exact: boolean; suggestions: number }> {
    const em = this.orm.em.fork();
    const { tender, lots } = await this.loadTender(em, tenderId);
    const units = lots.map((lot) => ({ lot, demand: demandOf(tender, lots, lot) }));
    const statements = new Map<string, Captured[]>();
    for (const { lot, demand } of units) statements.set(lot.id, await this.candidateStatements(em, demand, POOL_PER_LOT));
    const runs: (PhaseTimes & { exact: boolean; suggestions: number })[] = [];
    for (let r = -1; r < reps; r++) {
      let sql = 0;
      let profiles = 0;
      let scoring = 0;
      let loaded = 0;
      const candidates = new Map<string, ConsortiumCandidate & { lotScores: Record<string, number> }>();
      for (const { lot, demand } of units) {
        const one = await this.onePool(em.fork(), statements.get(lot.id) ?? [], demand, POOL_PER_LOT);
        sql += one.sql;
        profiles += one.profiles;
        scoring += one.scoring;
        loaded += one.loaded;
        const t0 = performance.now();
        for (const ranked of one.ranked) {
          const skills = ranked.components.find((c) => c.name === "SKILLS")?.value ?? 0;
          const entry = candidates.get(ranked.id) ?? { id: ranked.id, name: ranked.name, distanceKm: ranked.distanceKm, lotScores: {} };
          if (ranked.score >= LOT_SCORE_FLOOR && skills > 0) entry.lotScores[lot.id] = ranked.score;
          candidates.set(ranked.id, entry);
        }
        scoring += performance.now() - t0;
      }
      const t0 = performance.now();
      const result = suggestConsortia({
        lots: units.map(({ lot }) => ({ lotId: lot.id, label: lot.title, number: lot.number })),
        candidates: [...candidates.values()].filter((c) => Object.keys(c.lotScores).length > 0),
        maxLotsPerMember: tender.maxLotsPerTenderer,
        lead: null,
        excludedLeads: [],
        first,
      });
      const solver = performance.now() - t0;
      const statementCount = [...statements.values()].reduce((n, s) => n + s.length, 0);
      if (r >= 0)
        runs.push({
          candidateSqlMs: sql,
          loadProfilesMs: profiles,
          scoringMs: scoring,
          solverMs: solver,
          totalMs: sql + profiles + scoring + solver,
          statements: statementCount,
          loaded,
          exact: result.exact,
          suggestions: result.suggestions.length,
        });
    }
    const median = medianOf(runs);
    return { ...median, exact: runs.every((r) => r.exact), suggestions: runs[0]?.suggestions ?? 0 };
  }

  /** EXPLAIN (ANALYZE, BUFFERS) of the first candidate statement of `matches` on the whole tender. */
  async explainMatches(tenderId: string): Promise<CandidatePlan> {
    const em = this.orm.em.fork();
    const { tender, lots } = await this.loadTender(em, tenderId);
    const [statement] = await this.candidateStatements(em, demandOf(tender, lots, null), CANDIDATE_POOL);
    if (!statement) throw new Error("no candidate statement captured");
    const rows = await em.getConnection().execute<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`, [...statement.params]);
    const plan = rows.map((r) => r["QUERY PLAN"]);
    const ms = (label: string) => Number(/([\d.]+) ms/.exec(plan.find((l) => l.startsWith(label)) ?? "")?.[1] ?? NaN);
    const formatted = em.getPlatform().formatQuery(statement.sql, [...statement.params]);
    return { sql: formatted, executionMs: ms("Execution Time"), planningMs: ms("Planning Time"), plan };
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

function medianOf<T extends PhaseTimes>(runs: T[]): PhaseTimes {
  const key = (k: "candidateSqlMs" | "loadProfilesMs" | "scoringMs" | "totalMs") => median(runs.map((r) => r[k]));
  const solver = runs.map((r) => r.solverMs).filter((v): v is number => v !== null);
  return {
    candidateSqlMs: key("candidateSqlMs"),
    loadProfilesMs: key("loadProfilesMs"),
    scoringMs: key("scoringMs"),
    solverMs: solver.length ? median(solver) : null,
    totalMs: key("totalMs"),
    statements: runs[0]?.statements ?? 0,
    loaded: runs[0]?.loaded ?? 0,
  };
}
