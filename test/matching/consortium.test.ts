import { BadInputError } from "../../src/common/errors";
import {
  ConsortiumCandidate,
  ConsortiumInput,
  ConsortiumLot,
  ConsortiumResult,
  locality,
  suggestConsortia as solve,
  TEAM_OBJECTIVES,
  type TeamObjective,
} from "../../src/matching/consortium";

/** Most tests here check the fewest-members-first ranking (SMALL_TEAM); the penalized objectives have their own below. */
function suggestConsortia(input: ConsortiumInput): ConsortiumResult {
  return solve({ objective: TEAM_OBJECTIVES.SMALL_TEAM, ...input });
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

function expectBadInput(f: () => unknown, field: string): void {
  const error = thrown(f);
  expect(error).toBeInstanceOf(BadInputError);
  expect((error as BadInputError).field).toBe(field);
}

/** Mulberry32: a small seeded PRNG, so that random cases are the same on every run. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lot = (n: number, label = `Lot label ${n}`): ConsortiumLot => ({ lotId: `L${n}`, label, number: n });
const lotsOf = (count: number): ConsortiumLot[] => Array.from({ length: count }, (_, i) => lot(i + 1));
const cand = (id: string, lotScores: Record<string, number>, distanceKm: number | null = 10): ConsortiumCandidate => ({
  id,
  name: `Coop ${id}`,
  distanceKm,
  lotScores,
});

function run(overrides: Partial<ConsortiumInput> & Pick<ConsortiumInput, "lots" | "candidates">): ConsortiumResult {
  return suggestConsortia({ maxLotsPerMember: null, lead: null, excludedLeads: [], first: 5, ...overrides });
}

const memberIds = (r: ConsortiumResult): string[][] => r.suggestions.map((s) => s.members.map((m) => m.id).sort());

/** Checks every invariant a suggestion must hold. */
function checkSuggestions(input: ConsortiumInput, result: ConsortiumResult): void {
  const byId = new Map(input.candidates.map((c) => [c.id, c]));
  const covered = input.lots.filter((l) => !result.uncoveredLots.includes(l.lotId));
  const seen = new Set<string>();
  for (const s of result.suggestions) {
    expect(Object.keys(s.assignment).sort()).toEqual(covered.map((l) => l.lotId).sort());
    expect(s.memberCount).toBe(s.members.length);
    const key = s.members
      .map((m) => m.id)
      .sort()
      .join(",");
    expect(seen.has(key)).toBe(false);
    seen.add(key);
    const leads = s.members.filter((m) => m.role === "LEAD");
    expect(leads).toHaveLength(1);
    expect(s.members[0]?.role).toBe("LEAD");
    if (input.lead !== null) expect(leads[0]?.id).toBe(input.lead);
    else expect(input.excludedLeads).not.toContain(leads[0]?.id);
    let sum = 0;
    for (const [lotId, memberId] of Object.entries(s.assignment)) {
      const score = byId.get(memberId)?.lotScores[lotId] ?? 0;
      expect(score).toBeGreaterThan(0);
      sum += score;
      expect(s.members.find((m) => m.id === memberId)?.lots).toContain(lotId);
    }
    expect(s.score).toBeCloseTo(sum / covered.length, 3);
    for (const m of s.members) {
      if (input.maxLotsPerMember !== null) expect(m.lots.length).toBeLessThanOrEqual(input.maxLotsPerMember);
      if (m.id !== input.lead) expect(m.lots.length).toBeGreaterThan(0);
    }
    const distances = s.members.map((m) => byId.get(m.id)?.distanceKm ?? null);
    if (distances.includes(null)) expect(s.totalDistanceKm).toBeNull();
    else
      expect(s.totalDistanceKm).toBeCloseTo(
        distances.reduce<number>((a, d) => a + (d as number), 0),
        1,
      );
    expect(s.explanation.length).toBeGreaterThanOrEqual(input.lots.length + 2);
  }
  expect(result.suggestions.length).toBeLessThanOrEqual(input.first);
}

describe("suggestConsortia: basic rules", () => {
  it("covers every lot with members able to do them, and explains each lot", () => {
    const input: ConsortiumInput = {
      lots: [lot(1, "Conception"), lot(2, "Impression"), lot(3, "Diffusion")],
      candidates: [cand("a", { L1: 0.9, L2: 0.5 }, 12.4), cand("b", { L2: 0.82, L3: 0.7 }, 14), cand("c", { L3: 0.95 }, null)],
      maxLotsPerMember: null,
      lead: null,
      excludedLeads: [],
      first: 5,
      place: "Toulouse (FRJ23)",
    };
    const r = suggestConsortia(input);
    checkSuggestions(input, r);
    expect(r.exact).toBe(true);
    expect(r.uncoveredLots).toEqual([]);
    const best = r.suggestions[0];
    expect(best?.memberCount).toBe(2);
    expect(best?.assignment).toEqual({ L1: "a", L2: "b", L3: "b" });
    expect(best?.explanation).toEqual([
      "Lot 1 (Conception) → Coop a, score 0.90, 12 km from Toulouse (FRJ23)",
      "Lot 2 (Impression) → Coop b, score 0.82, 14 km from Toulouse (FRJ23)",
      "Lot 3 (Diffusion) → Coop b, score 0.70, 14 km from Toulouse (FRJ23)",
      "Coop b leads the group: 2 lots, the most of the members free to lead",
      "Coop b (lead): 14 km from Toulouse (FRJ23)",
      "Coop a: 12 km from Toulouse (FRJ23)",
      "2 members, mean lot score 0.81, 26 km in total",
    ]);
    expect(best?.members).toEqual([
      { id: "b", name: "Coop b", role: "LEAD", lots: ["L2", "L3"], distanceKm: 14 },
      { id: "a", name: "Coop a", role: "MEMBER", lots: ["L1"], distanceKm: 12.4 },
    ]);
    expect(best?.totalDistanceKm).toBe(26.4);
    expect(best?.score).toBe(0.8067);
    // Next: same size with a worse score, then bigger teams.
    expect(r.suggestions.map((s) => s.memberCount)).toEqual([2, 2, 3]);
    expect(memberIds(r)).toEqual([
      ["a", "b"],
      ["a", "c"],
      ["a", "b", "c"],
    ]);
    expect(r.suggestions[1]?.totalDistanceKm).toBeNull();
    expect(r.suggestions[1]?.explanation).toContain("Lot 3 (Diffusion) → Coop c, score 0.95, distance to Toulouse (FRJ23) unknown");
  });

  it("prefers fewer members over better scores", () => {
    const r = run({
      lots: lotsOf(3),
      candidates: [cand("generalist", { L1: 0.4, L2: 0.4, L3: 0.4 }), cand("s1", { L1: 0.99 }), cand("s2", { L2: 0.99 }), cand("s3", { L3: 0.99 })],
    });
    expect(memberIds(r)[0]).toEqual(["generalist"]);
    expect(r.suggestions[0]?.memberCount).toBe(1);
    expect(r.suggestions[1]?.memberCount).toBe(2);
  });

  it("with the same members count, prefers the better mean score, then the shorter distance, then ids", () => {
    const r = run({
      lots: lotsOf(2),
      candidates: [
        cand("far-good", { L1: 0.9, L2: 0.9 }, 300),
        cand("near-good", { L1: 0.9, L2: 0.9 }, 5),
        cand("near-worse", { L1: 0.8, L2: 0.9 }, 1),
        cand("unknown", { L1: 0.9, L2: 0.9 }, null),
        cand("b-same", { L1: 0.9, L2: 0.9 }, 5),
      ],
    });
    expect(r.suggestions.slice(0, 5).map((s) => s.members[0]?.id)).toEqual(["b-same", "near-good", "far-good", "unknown", "near-worse"]);
  });

  it("respects maxLotsPerMember", () => {
    const input: ConsortiumInput = {
      lots: lotsOf(5),
      candidates: [
        cand("a", { L1: 0.9, L2: 0.9, L3: 0.9, L4: 0.9, L5: 0.9 }),
        cand("b", { L1: 0.5, L2: 0.5, L3: 0.5, L4: 0.5, L5: 0.5 }),
        cand("c", { L1: 0.4, L2: 0.4, L3: 0.4, L4: 0.4, L5: 0.4 }),
      ],
      maxLotsPerMember: 2,
      lead: null,
      excludedLeads: [],
      first: 3,
    };
    const r = suggestConsortia(input);
    checkSuggestions(input, r);
    expect(r.suggestions).toHaveLength(1);
    expect(r.suggestions[0]?.members.map((m) => [m.id, m.lots.length])).toEqual([
      ["a", 2],
      ["b", 2],
      ["c", 1],
    ]);
  });

  it("builds teams around the requested lead, who takes every lot it can", () => {
    const input: ConsortiumInput = {
      lots: lotsOf(4),
      candidates: [
        cand("all", { L1: 0.9, L2: 0.9, L3: 0.9, L4: 0.9 }),
        cand("me", { L1: 0.3, L2: 0.3 }),
        cand("p3", { L3: 0.8 }),
        cand("p4", { L4: 0.7 }),
        cand("p34", { L3: 0.5, L4: 0.5 }),
      ],
      maxLotsPerMember: null,
      lead: "me",
      excludedLeads: [],
      first: 5,
    };
    const r = suggestConsortia(input);
    checkSuggestions(input, r);
    expect(r.suggestions.length).toBeGreaterThan(0);
    for (const s of r.suggestions) {
      expect(s.members[0]).toMatchObject({ id: "me", role: "LEAD", lots: ["L1", "L2"] });
    }
    expect(memberIds(r)[0]).toEqual(["all", "me"]);
    expect(r.suggestions[0]?.explanation).toContain("Coop me leads the group, as asked, with every lot it can do");
  });

  it("a capped lead takes as many lots as the cap allows, the search choosing which", () => {
    const input: ConsortiumInput = {
      lots: lotsOf(3),
      candidates: [cand("me", { L1: 0.9, L2: 0.2, L3: 0.8 }), cand("x", { L2: 0.9 }), cand("y", { L1: 0.3, L3: 0.3 })],
      maxLotsPerMember: 2,
      lead: "me",
      excludedLeads: [],
      first: 5,
    };
    const r = suggestConsortia(input);
    checkSuggestions(input, r);
    expect(r.suggestions[0]?.assignment).toEqual({ L1: "me", L2: "x", L3: "me" });
    expect(r.suggestions[0]?.explanation).toContain("Coop me leads the group, as asked, with 2 of the 3 lots it can do (limit of 2 lots per member)");
  });

  it("a lead able to do no lot still leads", () => {
    const r = run({ lots: lotsOf(2), candidates: [cand("me", {}), cand("x", { L1: 0.9, L2: 0.9 })], lead: "me" });
    expect(r.suggestions[0]?.members).toEqual([
      { id: "me", name: "Coop me", role: "LEAD", lots: [], distanceKm: 10 },
      { id: "x", name: "Coop x", role: "MEMBER", lots: ["L1", "L2"], distanceKm: 10 },
    ]);
    expect(r.suggestions[0]?.explanation).toContain("Coop me leads the group, as asked, without a lot of its own");
  });

  it("never makes an excluded cooperative lead, but lets it join", () => {
    const input: ConsortiumInput = {
      lots: lotsOf(3),
      candidates: [cand("busy", { L1: 0.9, L2: 0.9, L3: 0.9 }), cand("free", { L3: 0.6 })],
      maxLotsPerMember: null,
      lead: null,
      excludedLeads: ["busy"],
      first: 5,
    };
    const r = suggestConsortia(input);
    checkSuggestions(input, r);
    // "busy" alone would be the best team, but it cannot lead a second group.
    expect(r.suggestions).toHaveLength(1);
    expect(r.suggestions[0]?.members.map((m) => [m.id, m.role, m.lots])).toEqual([
      ["free", "LEAD", ["L3"]],
      ["busy", "MEMBER", ["L1", "L2"]],
    ]);
    expect(r.suggestions[0]?.explanation).toContain("Coop busy already leads another group for this tender, so joins as a member");
  });

  it("says so when every able cooperative already leads another group", () => {
    const r = run({ lots: lotsOf(2), candidates: [cand("a", { L1: 0.9, L2: 0.9 })], excludedLeads: ["a"] });
    expect(r.suggestions).toEqual([]);
    expect(r.notes).toContain("every cooperative able to do a lot already leads another group for this tender");
  });

  it("reports lots nobody can do and covers the others", () => {
    const input: ConsortiumInput = {
      lots: [lot(1), lot(2, "Vidéo"), lot(3)],
      candidates: [cand("a", { L1: 0.9 }), cand("b", { L3: 0.8, L9: 0.9 })],
      maxLotsPerMember: null,
      lead: null,
      excludedLeads: [],
      first: 5,
    };
    const r = suggestConsortia(input);
    checkSuggestions(input, r);
    expect(r.uncoveredLots).toEqual(["L2"]);
    expect(r.notes).toContain("Lot 2 (Vidéo): no cooperative able to do it");
    expect(r.suggestions[0]?.assignment).toEqual({ L1: "a", L3: "b" });
    expect(r.suggestions[0]?.explanation).toContain("Lot 2 (Vidéo): not covered");
  });

  it("reports lots the cap makes impossible to cover together", () => {
    const r = run({
      lots: lotsOf(3),
      candidates: [cand("a", { L1: 0.9, L2: 0.9 }), cand("b", { L3: 0.9 })],
      maxLotsPerMember: 1,
    });
    expect(r.uncoveredLots).toEqual(["L2"]);
    expect(r.notes).toContain("Lot 2 (Lot label 2): cannot be covered together with the other lots under the limit of 1 lot per member");
    expect(r.suggestions[0]?.assignment).toEqual({ L1: "a", L3: "b" });
  });

  it("returns nothing for no candidates or no lots", () => {
    const none = run({ lots: lotsOf(2), candidates: [] });
    expect(none.suggestions).toEqual([]);
    expect(none.uncoveredLots).toEqual(["L1", "L2"]);
    const noLots = run({ lots: [], candidates: [cand("a", {})] });
    expect(noLots).toEqual({ suggestions: [], exact: true, uncoveredLots: [], notes: ["no lot to cover"] });
  });

  it("lot names fall back to the label, then the id", () => {
    const r = run({
      lots: [
        { lotId: "x", label: "Affiches" },
        { lotId: "y", label: " " },
      ],
      candidates: [cand("a", { x: 0.5, y: 0.5 })],
    });
    expect(r.suggestions[0]?.explanation.slice(0, 2)).toEqual([
      "Affiches → Coop a, score 0.50, 10 km from the place of performance",
      "Lot y → Coop a, score 0.50, 10 km from the place of performance",
    ]);
  });

  it("keeps at most `first` distinct teams", () => {
    const candidates = Array.from({ length: 10 }, (_, i) => cand(`c${i}`, { L1: 0.5 + i / 100, L2: 0.6 }));
    const r = run({ lots: lotsOf(2), candidates, first: 3 });
    expect(r.suggestions).toHaveLength(3);
    expect(memberIds(r)).toEqual([["c9"], ["c8"], ["c7"]]);
  });
});

describe("suggestConsortia: input checks", () => {
  const base = (): ConsortiumInput => ({
    lots: lotsOf(2),
    candidates: [cand("a", { L1: 0.5 }), cand("b", { L2: 0.5 })],
    maxLotsPerMember: null,
    lead: null,
    excludedLeads: [],
    first: 5,
  });
  it.each<[string, (i: ConsortiumInput) => ConsortiumInput, string]>([
    ["repeated lot", (i) => ({ ...i, lots: [lot(1), lot(1)] }), "lots[1].lotId"],
    ["repeated candidate", (i) => ({ ...i, candidates: [cand("a", {}), cand("a", {})] }), "candidates[1].id"],
    ["score above 1", (i) => ({ ...i, candidates: [cand("a", { L1: 1.2 })] }), "candidates[0].lotScores.L1"],
    ["negative score", (i) => ({ ...i, candidates: [cand("a", { L2: -0.1 })] }), "candidates[0].lotScores.L2"],
    ["NaN score", (i) => ({ ...i, candidates: [cand("a", {}), cand("b", { L1: Number.NaN })] }), "candidates[1].lotScores.L1"],
    ["negative distance", (i) => ({ ...i, candidates: [cand("a", { L1: 0.5 }, -1)] }), "candidates[0].distanceKm"],
    ["first 0", (i) => ({ ...i, first: 0 }), "first"],
    ["first too large", (i) => ({ ...i, first: 1000 }), "first"],
    ["first not an integer", (i) => ({ ...i, first: 2.5 }), "first"],
    ["cap 0", (i) => ({ ...i, maxLotsPerMember: 0 }), "maxLotsPerMember"],
    ["unknown lead", (i) => ({ ...i, lead: "zzz" }), "lead"],
    ["excluded lead", (i) => ({ ...i, lead: "a", excludedLeads: ["a"] }), "lead"],
    ["exact limit too large", (i) => ({ ...i, exactLotLimit: 31 }), "exactLotLimit"],
    ["no budget", (i) => ({ ...i, budget: { maxNodes: 0 } }), "budget.maxNodes"],
  ])("refuses %s", (_name, change, field) => {
    expectBadInput(() => suggestConsortia(change(base())), field);
  });

  it("ignores scores of lots that are not in the tender, and zero scores", () => {
    const r = run({ lots: lotsOf(1), candidates: [cand("a", { L1: 0.5, other: 0.9 }), cand("b", { L1: 0 })] });
    expect(memberIds(r)).toEqual([["a"]]);
  });
});

describe("suggestConsortia: search", () => {
  it("beyond the exact limit, searches approximately and says so", () => {
    const r = prng(7);
    const lots = lotsOf(14);
    const candidates = Array.from({ length: 40 }, (_, i) => {
      const scores: Record<string, number> = {};
      for (const l of lots) if (r() < 0.3) scores[l.lotId] = Math.round((0.3 + 0.7 * r()) * 100) / 100;
      return cand(`c${String(i).padStart(2, "0")}`, scores, Math.round(r() * 200));
    });
    const input: ConsortiumInput = { lots, candidates, maxLotsPerMember: 4, lead: null, excludedLeads: [], first: 3 };
    const result = suggestConsortia(input);
    checkSuggestions(input, result);
    expect(result.exact).toBe(false);
    expect(result.uncoveredLots).toEqual([]);
    expect(result.suggestions.length).toBe(3);
    expect(result.notes.some((n) => n.startsWith("approximate: 14 lots is above the exact limit of 12"))).toBe(true);
    // The same lots under a raised limit are solved exactly, at least as well.
    const exact = suggestConsortia({ ...input, exactLotLimit: 14 });
    expect(exact.exact).toBe(true);
    const [a, b] = [exact.suggestions[0], result.suggestions[0]];
    expect(a && b && (a.memberCount < b.memberCount || (a.memberCount === b.memberCount && a.score >= b.score))).toBe(true);
  });

  it("a lower exactLotLimit switches to the approximate search", () => {
    const r = run({ lots: lotsOf(3), candidates: [cand("a", { L1: 0.5, L2: 0.5, L3: 0.5 })], exactLotLimit: 2 });
    expect(r.exact).toBe(false);
    expect(memberIds(r)).toEqual([["a"]]);
  });

  it("when the node budget runs out, still answers and says it is approximate", () => {
    const r = prng(11);
    const lots = lotsOf(8);
    const candidates = Array.from({ length: 60 }, (_, i) => {
      const scores: Record<string, number> = {};
      for (const l of lots) if (r() < 0.4) scores[l.lotId] = Math.round((0.3 + 0.7 * r()) * 100) / 100;
      return cand(`c${i}`, scores);
    });
    const input: ConsortiumInput = { lots, candidates, maxLotsPerMember: 2, lead: null, excludedLeads: [], first: 5, budget: { maxNodes: 50 } };
    const result = suggestConsortia(input);
    checkSuggestions(input, result);
    expect(result.exact).toBe(false);
    expect(result.suggestions.length).toBeGreaterThan(0);
    expect(result.notes.some((n) => n.startsWith("approximate: the exact search stopped after 50 nodes"))).toBe(true);
  });

  it("prunes hundreds of candidates per lot, keeping those able to do most lots", () => {
    const lots = lotsOf(4);
    const candidates: ConsortiumCandidate[] = [];
    for (let i = 0; i < 400; i++) {
      const l = lots[i % 4] as ConsortiumLot;
      candidates.push(cand(`s${String(i).padStart(3, "0")}`, { [l.lotId]: 0.9 + (i % 7) / 100 }));
    }
    // Worse than every specialist on each lot, but alone it covers everything.
    candidates.push(cand("generalist", { L1: 0.31, L2: 0.31, L3: 0.31, L4: 0.31 }));
    const result = run({ lots, candidates, first: 2 });
    expect(result.exact).toBe(true);
    expect(memberIds(result)[0]).toEqual(["generalist"]);
    expect(result.notes).toContain("searched the 121 most relevant of 401 able cooperatives (the 30 best per lot and the 30 able to do most lots)");
  });

  it("gives the same answer whatever the order of candidates and lots' scores", () => {
    const r = prng(3);
    const lots = lotsOf(5);
    const candidates = Array.from({ length: 25 }, (_, i) => {
      const scores: Record<string, number> = {};
      for (const l of lots) if (r() < 0.4) scores[l.lotId] = Math.round((0.3 + 0.7 * r()) * 10) / 10;
      return cand(`c${String(i).padStart(2, "0")}`, scores, r() < 0.2 ? null : Math.round(r() * 50));
    });
    const input: ConsortiumInput = { lots, candidates, maxLotsPerMember: 3, lead: null, excludedLeads: ["c03"], first: 8 };
    const reference = suggestConsortia(input);
    expect(suggestConsortia(input)).toEqual(reference);
    const reversed = suggestConsortia({ ...input, candidates: [...candidates].reverse() });
    expect(reversed).toEqual(reference);
    const shuffled = [...candidates].sort((a, b) => (a.id.split("").reverse().join("") < b.id.split("").reverse().join("") ? -1 : 1));
    expect(suggestConsortia({ ...input, candidates: shuffled })).toEqual(reference);
  });
});

/** The reference: every assignment of every lot, filtered by the rules, best per member set. */
function bruteForce(input: ConsortiumInput): { members: string[]; assignment: Record<string, string>; score: number }[] {
  const objective = input.objective ?? TEAM_OBJECTIVES.SMALL_TEAM;
  const bonusOf = (c: ConsortiumCandidate): number => Math.round(objective.distanceWeight * locality(c.distanceKm, objective.decayKm) * 10000);
  const penalty = objective.teamSizePenalty === null ? null : Math.round(objective.teamSizePenalty * 10000);
  const { lots, candidates } = input;
  const cap = input.maxLotsPerMember ?? Number.MAX_SAFE_INTEGER;
  const able = lots.map((l) => candidates.filter((c) => (c.lotScores[l.lotId] ?? 0) > 0));
  const leadCandidate = candidates.find((c) => c.id === input.lead);
  const leadLots = leadCandidate ? Math.min(cap, lots.filter((l) => (leadCandidate.lotScores[l.lotId] ?? 0) > 0).length) : 0;
  interface Found {
    ids: string[];
    assignment: Record<string, string>;
    sum: number;
    raw: number;
    unknown: number;
    dist: number;
    assignKey: string;
  }
  const best = new Map<string, Found>();
  const choice: ConsortiumCandidate[] = [];
  const visit = (i: number): void => {
    if (i === lots.length) {
      const loads = new Map<string, number>();
      for (const c of choice) loads.set(c.id, (loads.get(c.id) ?? 0) + 1);
      if ([...loads.values()].some((n) => n > cap)) return;
      const members = new Set(choice.map((c) => c.id));
      if (input.lead !== null) {
        if ((loads.get(input.lead) ?? 0) !== leadLots) return;
        members.add(input.lead);
      } else if (![...members].some((id) => !input.excludedLeads.includes(id))) {
        return;
      }
      const ids = [...members].sort();
      const raw = choice.reduce((s, c, k) => s + Math.round((c.lotScores[(lots[k] as ConsortiumLot).lotId] as number) * 10000), 0);
      const sum = raw + choice.reduce((s, c) => s + bonusOf(c), 0);
      const ds = ids.map((id) => candidates.find((c) => c.id === id)?.distanceKm ?? null);
      const found: Found = {
        ids,
        assignment: Object.fromEntries(choice.map((c, k) => [(lots[k] as ConsortiumLot).lotId, c.id])),
        sum,
        raw,
        unknown: ds.filter((d) => d === null).length,
        dist: ds.reduce<number>((s, d) => s + (d === null ? 0 : Math.round(d * 1000)), 0),
        assignKey: choice.map((c) => c.id).join("\u0000"),
      };
      const key = ids.join("\u0000");
      const old = best.get(key);
      if (!old || found.sum > old.sum || (found.sum === old.sum && found.assignKey < old.assignKey)) best.set(key, found);
      return;
    }
    for (const c of able[i] as ConsortiumCandidate[]) {
      choice.push(c);
      visit(i + 1);
      choice.pop();
    }
  };
  visit(0);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...best.values()]
    .sort(
      (a, b) =>
        (penalty === null ? 0 : b.sum - penalty * b.ids.length - (a.sum - penalty * a.ids.length)) ||
        a.ids.length - b.ids.length ||
        b.sum - a.sum ||
        a.unknown - b.unknown ||
        a.dist - b.dist ||
        cmp(a.ids.join("\u0000"), b.ids.join("\u0000")),
    )
    .slice(0, input.first)
    .map((f) => ({ members: f.ids, assignment: f.assignment, score: Math.round(f.raw / lots.length) / 10000 }));
}

describe("suggestConsortia: cross-check against brute force", () => {
  const cases: [number, ConsortiumInput][] = [];
  const r = prng(20250615);
  for (let k = 0; k < 460; k++) {
    // 400 small cases, then 60 with more lots and candidates but sparser abilities.
    const large = k >= 400;
    const lotCount = large ? 6 + Math.floor(r() * 2) : 1 + Math.floor(r() * 5);
    const lots = lotsOf(lotCount);
    const candidateCount = large ? 5 + Math.floor(r() * 4) : 2 + Math.floor(r() * 6);
    const density = large ? 0.25 + r() * 0.25 : 0.3 + r() * 0.5;
    // One case in four has equal scores everywhere: only distances and ids tell teams apart.
    const flat = r() < 0.25;
    const candidates = Array.from({ length: candidateCount }, (_, i) => {
      const scores: Record<string, number> = {};
      // Coarse scores make ties frequent, to exercise tie-breaks.
      for (const l of lots) {
        if (r() >= density) continue;
        const steps = r() < 0.5 ? 10 : 1000;
        scores[l.lotId] = flat ? 0.5 : Math.max(1, Math.round((0.1 + 0.9 * r()) * steps)) / steps;
      }
      const distance = r() < 0.15 ? null : Math.round(r() * 100) / (r() < 0.5 ? 1 : 10);
      return cand(`c${i}`, scores, distance);
    });
    const capRoll = r();
    const maxLotsPerMember = capRoll < 0.4 ? null : 1 + Math.floor(r() * 3);
    const excludedLeads = candidates.filter(() => r() < 0.2).map((c) => c.id);
    const free = candidates.filter((c) => !excludedLeads.includes(c.id));
    const lead = r() < 0.3 && free.length > 0 ? (free[Math.floor(r() * free.length)] as ConsortiumCandidate).id : null;
    const first = 1 + Math.floor(r() * 6);
    cases.push([k, { lots, candidates, maxLotsPerMember, lead, excludedLeads, first }]);
  }

  it.each(cases)("random case %i: the solver's teams are the optimum", (_k, input) => {
    const result = suggestConsortia(input);
    checkSuggestions(input, result);
    expect(result.exact).toBe(true);
    const expected = bruteForce(input);
    if (result.uncoveredLots.length > 0) {
      // Lots nobody can do, or the cap cannot fit: no team covers every lot.
      expect(expected).toEqual([]);
      return;
    }
    expect(result.suggestions.map((s) => ({ members: s.members.map((m) => m.id).sort(), assignment: s.assignment, score: s.score }))).toEqual(expected);
  });

  it("the approximate search keeps every rule and never beats the optimum", () => {
    let found = 0;
    let optimal = 0;
    let feasible = 0;
    for (const [, input] of cases) {
      const exact = suggestConsortia(input);
      const approx = suggestConsortia({ ...input, exactLotLimit: 0 });
      checkSuggestions(input, approx);
      // Only answers given without any search (nothing to cover, no one free to lead) stay exact.
      if (approx.exact) expect(approx.suggestions).toEqual([]);
      expect(approx.uncoveredLots).toEqual(exact.uncoveredLots);
      const [e, a] = [exact.suggestions[0], approx.suggestions[0]];
      if (!e) {
        expect(a).toBeUndefined();
        continue;
      }
      feasible++;
      if (!a) continue;
      found++;
      expect(a.memberCount > e.memberCount || (a.memberCount === e.memberCount && a.score <= e.score)).toBe(true);
      if (a.memberCount === e.memberCount && a.score === e.score) optimal++;
    }
    expect(found).toBe(feasible);
    expect(optimal / feasible).toBeGreaterThan(0.95);
  });

  it("the random cases cover the interesting situations", () => {
    let withLead = 0;
    let capped = 0;
    let multi = 0;
    let infeasible = 0;
    let excluded = 0;
    let compared = 0;
    for (const [, input] of cases) {
      const result = suggestConsortia(input);
      if (result.suggestions.length > 0) compared++;
      if (input.lead !== null) withLead++;
      if (input.maxLotsPerMember !== null) capped++;
      if (input.excludedLeads.length > 0) excluded++;
      if (result.uncoveredLots.length > 0) infeasible++;
      if ((result.suggestions[0]?.memberCount ?? 0) >= 3) multi++;
    }
    expect(Math.min(withLead, capped, multi, infeasible, excluded)).toBeGreaterThan(20);
    expect(compared).toBeGreaterThan(cases.length / 2);
  });
});

describe("suggestConsortia: approximate search quality on mid-size instances", () => {
  it.each([1, 2, 3, 4, 5])("seed %i: beam with the exact search disabled finds the optimal members count", (seed) => {
    const r = prng(seed * 101);
    const lots = lotsOf(6);
    const candidates = Array.from({ length: 30 }, (_, i) => {
      const scores: Record<string, number> = {};
      for (const l of lots) if (r() < 0.35) scores[l.lotId] = Math.round((0.3 + 0.7 * r()) * 100) / 100;
      return cand(`c${String(i).padStart(2, "0")}`, scores, Math.round(r() * 100));
    });
    const input: ConsortiumInput = { lots, candidates, maxLotsPerMember: 3, lead: null, excludedLeads: [], first: 3 };
    const exact = suggestConsortia(input);
    const approx = suggestConsortia({ ...input, exactLotLimit: 0 });
    checkSuggestions(input, approx);
    expect(exact.exact).toBe(true);
    expect(approx.exact).toBe(false);
    expect(approx.suggestions[0]?.memberCount).toBe(exact.suggestions[0]?.memberCount);
  });
});

describe.each([
  ["SMALL_TEAM", TEAM_OBJECTIVES.SMALL_TEAM],
  ["BALANCED", TEAM_OBJECTIVES.BALANCED],
  ["LOCAL", TEAM_OBJECTIVES.LOCAL],
])("suggestConsortia (%s): cross-check against brute force on medium instances", (_name, objective) => {
  // 7 or 8 lots, 12 to 20 candidates: the bounds of the exact search prune here, unlike on tiny cases.
  const cases: [number, ConsortiumInput][] = [];
  const r = prng(77);
  while (cases.length < 16) {
    const lots = lotsOf(7 + Math.floor(r() * 2));
    const candidateCount = 12 + Math.floor(r() * 9);
    const candidates = Array.from({ length: candidateCount }, (_, i) => {
      const scores: Record<string, number> = {};
      const reach = r() < 0.2 ? 0.6 : 0.15;
      for (const l of lots) if (r() < reach) scores[l.lotId] = Math.max(1, Math.round(r() * 20)) / 20;
      return cand(`c${String(i).padStart(2, "0")}`, scores, r() < 0.1 ? null : Math.round(r() * 80));
    });
    let leaves = 1;
    for (const l of lots) leaves *= candidates.filter((c) => (c.lotScores[l.lotId] ?? 0) > 0).length;
    if (leaves === 0 || leaves > 100_000) continue;
    const maxLotsPerMember = r() < 0.5 ? null : 2 + Math.floor(r() * 2);
    const excludedLeads = candidates.filter(() => r() < 0.15).map((c) => c.id);
    cases.push([cases.length, { lots, candidates, maxLotsPerMember, lead: null, excludedLeads, first: 1 + Math.floor(r() * 8), objective }]);
  }

  it.each(cases)("medium case %i", (_k, input) => {
    const result = suggestConsortia(input);
    checkSuggestions(input, result);
    expect(result.exact).toBe(true);
    const expected = bruteForce(input);
    if (result.uncoveredLots.length > 0) {
      expect(expected).toEqual([]);
      return;
    }
    expect(result.suggestions.map((s) => ({ members: s.members.map((m) => m.id).sort(), assignment: s.assignment, score: s.score }))).toEqual(expected);
  });
});

describe("suggestConsortia: locality against team size", () => {
  // The example: the lead 12 km away does lot 1; a printer 563 km away can do lots 2
  // and 3 alone; two partners 6 and 16 km away can do one each, about as well.
  const example = (objective?: TeamObjective): ConsortiumInput => ({
    lots: [lot(1, "Film"), lot(2, "Impression"), lot(3, "Site web")],
    candidates: [cand("lead", { L1: 0.8 }, 12), cand("far", { L2: 0.78, L3: 0.72 }, 563), cand("near6", { L2: 0.8 }, 6), cand("near16", { L3: 0.74 }, 16)],
    maxLotsPerMember: null,
    lead: "lead",
    excludedLeads: [],
    first: 5,
    place: "Toulouse",
    ...(objective ? { objective } : {}),
  });
  const teams = (r: ConsortiumResult): string[][] => r.suggestions.map((s) => s.members.map((m) => m.id).sort());

  it.each([
    ["default (BALANCED)", undefined],
    ["LOCAL", TEAM_OBJECTIVES.LOCAL],
    ["BALANCED", TEAM_OBJECTIVES.BALANCED],
  ])("%s: the local team of three comes before the far printer", (_name, objective) => {
    const r = solve(example(objective));
    expect(teams(r)[0]).toEqual(["lead", "near16", "near6"]);
    expect(teams(r).findIndex((t) => t.join() === "far,lead")).toBeGreaterThan(0);
    expect(r.suggestions[0]?.explanation).toContain("Coop near6: 6 km from Toulouse");
  });

  it("SMALL_TEAM keeps fewest members first", () => {
    expect(teams(solve(example(TEAM_OBJECTIVES.SMALL_TEAM)))[0]).toEqual(["far", "lead"]);
  });

  it("a partner that brings less than the penalty is not added", () => {
    // Same place, nearly the same score: splitting the lots is not worth a member more.
    const input: ConsortiumInput = {
      lots: lotsOf(2),
      candidates: [cand("a", { L1: 0.8, L2: 0.8 }, 5), cand("b", { L2: 0.82 }, 5)],
      maxLotsPerMember: null,
      lead: null,
      excludedLeads: [],
      first: 2,
    };
    expect(teams(solve(input))).toEqual([["a"], ["a", "b"]]);
  });

  it("rejects a bad objective", () => {
    const base = example();
    expectBadInput(() => solve({ ...base, objective: { teamSizePenalty: -1, distanceWeight: 0.2, decayKm: 50 } }), "objective.teamSizePenalty");
    expectBadInput(() => solve({ ...base, objective: { teamSizePenalty: 0.1, distanceWeight: Number.NaN, decayKm: 50 } }), "objective.distanceWeight");
    expectBadInput(() => solve({ ...base, objective: { teamSizePenalty: 0.1, distanceWeight: 0.2, decayKm: 0 } }), "objective.decayKm");
  });

  describe.each([
    ["LOCAL", TEAM_OBJECTIVES.LOCAL],
    ["BALANCED", TEAM_OBJECTIVES.BALANCED],
  ])("%s: cross-check against brute force", (_name, objective) => {
    const cases: [number, ConsortiumInput][] = [];
    const r = prng(objective === TEAM_OBJECTIVES.LOCAL ? 4242 : 2424);
    for (let k = 0; k < 200; k++) {
      const lots = lotsOf(1 + Math.floor(r() * 6));
      const candidates = Array.from({ length: 2 + Math.floor(r() * 7) }, (_, i) => {
        const scores: Record<string, number> = {};
        for (const l of lots) if (r() < 0.5) scores[l.lotId] = Math.max(1, Math.round((0.35 + 0.65 * r()) * 100)) / 100;
        return cand(`c${i}`, scores, r() < 0.15 ? null : Math.round(r() * 600));
      });
      const free = candidates.map((c) => c.id);
      const lead = r() < 0.3 ? (free[Math.floor(r() * free.length)] as string) : null;
      const excludedLeads = candidates.filter((c) => c.id !== lead && r() < 0.15).map((c) => c.id);
      const maxLotsPerMember = r() < 0.5 ? null : 1 + Math.floor(r() * 3);
      cases.push([k, { lots, candidates, maxLotsPerMember, lead, excludedLeads, first: 1 + Math.floor(r() * 5), objective }]);
    }
    it.each(cases)("case %i", (_k, input) => {
      const result = solve(input);
      checkSuggestions(input, result);
      expect(result.exact).toBe(true);
      const expected = bruteForce(input);
      if (result.uncoveredLots.length > 0) {
        expect(expected).toEqual([]);
        return;
      }
      expect(result.suggestions.map((s) => ({ members: s.members.map((m) => m.id).sort(), assignment: s.assignment, score: s.score }))).toEqual(expected);
    });
  });
});

describe("suggestConsortia: exact search at the size of a real framework tender", () => {
  // 12 lots, about 60 able cooperatives per lot (as the service pools them), most able to do one lot:
  // many near-equal teams, which only a bound over lot subsets separates within the budget.
  function frameworkTender(seed: number): ConsortiumInput {
    const r = prng(seed);
    const lots = lotsOf(12);
    const candidates: ConsortiumCandidate[] = [];
    for (let i = 0; candidates.length < 480; i++) {
      const width = r() < 0.6 ? 1 : r() < 0.75 ? 2 : 3;
      const scores: Record<string, number> = {};
      for (let k = 0; k < width; k++) scores[`L${1 + Math.floor(r() * 12)}`] = Math.round((0.7 + 0.2 * r()) * 10000) / 10000;
      candidates.push(cand(`c${String(i).padStart(3, "0")}`, scores, r() < 0.05 ? null : Math.round(r() * 400)));
    }
    return { lots, candidates, maxLotsPerMember: 3, lead: null, excludedLeads: [], first: 5, objective: TEAM_OBJECTIVES.BALANCED };
  }

  it.each([4, 5, 6])("seed %i: solved exactly within the default budget; a larger budget and the beam find nothing better", (seed) => {
    const input = frameworkTender(seed);
    const result = suggestConsortia(input);
    checkSuggestions(input, result);
    expect(result.exact).toBe(true);
    expect(result.notes.some((n) => n.startsWith("approximate"))).toBe(false);
    expect(suggestConsortia({ ...input, budget: { maxNodes: 10_000_000 } })).toEqual(result);
    // The value the ranking uses: lot scores plus locality, less the penalty per member.
    const value = (s: ConsortiumResult["suggestions"][number]): number =>
      s.members.reduce((sum, m) => sum + m.lots.length * 0.25 * locality(m.distanceKm, 50) - 0.15, 0) + s.score * input.lots.length;
    const beam = suggestConsortia({ ...input, exactLotLimit: 0 });
    const [best, approximate] = [result.suggestions[0], beam.suggestions[0]];
    expect(best && approximate && value(best) >= value(approximate) - 1e-3).toBe(true);
  });
});
