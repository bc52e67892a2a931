import { BadInputError } from "../../src/common/errors";
import {
  CandidateProfile,
  DEFAULT_WEIGHTS,
  Demand,
  formatEuros,
  MatchScore,
  rankCandidates,
  scoreCandidate,
  ScoreComponent,
  validateProximityOptions,
  validateWeights,
  WeightsInput,
} from "../../src/matching/scoring";

const NOW = new Date("2025-06-15T12:00:00Z");
const ROUEN = { lat: 49.4431, lon: 1.0993, label: "Rouen" };
const LE_HAVRE = { lat: 49.4944, lon: 0.1079, label: "Le Havre" };
const PARIS = { lat: 48.8566, lon: 2.3522, label: "Paris" };
const LYON = { lat: 45.764, lon: 4.8357, label: "Lyon" };

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
  expect((error as BadInputError).extensions.code).toBe("BAD_USER_INPUT");
}

function demand(overrides: Partial<Demand> = {}): Demand {
  return { cpvCodes: ["79341400"], place: ROUEN, value: 100_000, ...overrides };
}

function coop(overrides: Partial<CandidateProfile> = {}): CandidateProfile {
  return {
    id: "coop-a",
    name: "Coop A",
    skills: [{ cpv: "79341400", level: 5 }],
    location: ROUEN,
    headcount: 10,
    annualRevenue: 1_000_000,
    openBids: 0,
    track: [],
    ...overrides,
  };
}

function component(score: MatchScore, name: ScoreComponent["name"]): ScoreComponent {
  const found = score.components.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

const score = (d: Demand, c: CandidateProfile, weights: WeightsInput = DEFAULT_WEIGHTS, options = {}): MatchScore =>
  scoreCandidate(d, c, weights, options, NOW);
const value = (d: Demand, c: CandidateProfile, name: ScoreComponent["name"], options = {}): number =>
  component(score(d, c, DEFAULT_WEIGHTS, options), name).value;
const evidence = (d: Demand, c: CandidateProfile, name: ScoreComponent["name"], options = {}): string =>
  component(score(d, c, DEFAULT_WEIGHTS, options), name).evidence;

describe("validateWeights", () => {
  it("defaults sum to 1 and favour skills", () => {
    expect(DEFAULT_WEIGHTS).toEqual({ skills: 0.5, proximity: 0.2, capacity: 0.15, trackRecord: 0.15 });
    expect(validateWeights({})).toEqual(DEFAULT_WEIGHTS);
    expect(validateWeights(undefined)).toEqual(DEFAULT_WEIGHTS);
    expect(validateWeights(null)).toEqual(DEFAULT_WEIGHTS);
  });

  it.each<[WeightsInput, { skills: number; proximity: number; capacity: number; trackRecord: number }]>([
    [
      { skills: 1, proximity: 1, capacity: 1, trackRecord: 1 },
      { skills: 0.25, proximity: 0.25, capacity: 0.25, trackRecord: 0.25 },
    ],
    [
      { skills: 1, proximity: 0, capacity: 0, trackRecord: 0 },
      { skills: 1, proximity: 0, capacity: 0, trackRecord: 0 },
    ],
    [{ proximity: 0 }, { skills: 0.625, proximity: 0, capacity: 0.1875, trackRecord: 0.1875 }],
    [{ proximity: null }, { skills: 0.5, proximity: 0.2, capacity: 0.15, trackRecord: 0.15 }],
    [
      { skills: 0.4, proximity: 0.4, capacity: 0.1, trackRecord: 0.1 },
      { skills: 0.4, proximity: 0.4, capacity: 0.1, trackRecord: 0.1 },
    ],
    [
      { skills: 0.2, proximity: 0.2, capacity: 0.2, trackRecord: 0.2 },
      { skills: 0.25, proximity: 0.25, capacity: 0.25, trackRecord: 0.25 },
    ],
    [
      { skills: 0, trackRecord: 0 },
      { skills: 0, proximity: 0.2 / 0.35, capacity: 0.15 / 0.35, trackRecord: 0 },
    ],
  ])("%o → %o (completed, then normalized to sum 1)", (input, expected) => {
    const w = validateWeights(input);
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) expect(w[key]).toBeCloseTo(expected[key], 12);
    expect(w.skills + w.proximity + w.capacity + w.trackRecord).toBeCloseTo(1, 12);
  });

  it.each<[WeightsInput, string]>([
    [{ skills: -0.1 }, "weights.skills"],
    [{ proximity: Number.NaN }, "weights.proximity"],
    [{ capacity: Number.POSITIVE_INFINITY }, "weights.capacity"],
    [{ trackRecord: 1.5 }, "weights.trackRecord"],
    [{ skills: 0.5, proximity: -1 }, "weights.proximity"],
    [{ skills: 0, proximity: 0, capacity: 0, trackRecord: 0 }, "weights"],
  ])("refuses %o on %s", (input, field) => {
    expectBadInput(() => validateWeights(input), field);
  });

  it("refuses a non-number and an unknown weight", () => {
    expectBadInput(() => validateWeights({ skills: "0.5" } as unknown as WeightsInput), "weights.skills");
    expectBadInput(() => validateWeights({ price: 0.5 } as unknown as WeightsInput), "weights.price");
  });

  it("the message says what is expected", () => {
    expect((thrown(() => validateWeights({ skills: -1 })) as Error).message).toBe("weights.skills: must be a finite number between 0 and 1");
  });

  it("scoreCandidate and rankCandidates check weights too", () => {
    expectBadInput(() => score(demand(), coop(), { capacity: 2 }), "weights.capacity");
    expectBadInput(() => rankCandidates(demand(), [coop()], { skills: -1 }, {}, NOW), "weights.skills");
  });
});

describe("validateProximityOptions", () => {
  it("defaults to a 50 km half-distance and no limit", () => {
    expect(validateProximityOptions({})).toEqual({ decayKm: 50, maxDistanceKm: null });
    expect(validateProximityOptions({ decayKm: 20, maxDistanceKm: 100 })).toEqual({ decayKm: 20, maxDistanceKm: 100 });
  });

  it.each([
    [{ decayKm: 0 }, "decayKm"],
    [{ decayKm: -5 }, "decayKm"],
    [{ decayKm: Number.NaN }, "decayKm"],
    [{ decayKm: 1e9 }, "decayKm"],
    [{ maxDistanceKm: 0 }, "maxDistanceKm"],
    [{ maxDistanceKm: Number.POSITIVE_INFINITY }, "maxDistanceKm"],
  ])("refuses %o", (input, field) => {
    expectBadInput(() => validateProximityOptions(input), field);
    expectBadInput(() => score(demand(), coop(), DEFAULT_WEIGHTS, input), field);
  });
});

describe("demand validation", () => {
  it.each<[Partial<Demand>, string]>([
    [{ cpvCodes: ["79341400", "nope"] }, "demand.cpvCodes[1]"],
    [{ place: { lat: 120, lon: 0, label: "x" } }, "demand.place"],
    [{ value: -1 }, "demand.value"],
    [{ value: Number.NaN }, "demand.value"],
  ])("refuses %o", (overrides, field) => {
    expectBadInput(() => score(demand(overrides), coop()), field);
  });

  it("refuses an invalid clock", () => {
    expect(() => scoreCandidate(demand(), coop(), DEFAULT_WEIGHTS, {}, new Date("nope"))).toThrow(RangeError);
  });
});

describe("SKILLS", () => {
  it.each<[string, string[], CandidateProfile["skills"], number, string]>([
    ["exact, expert", ["79341400"], [{ cpv: "79341400", level: 5 }], 1, "1 of 1 CPV code, 1 exact"],
    ["exact with check digits", ["79341400-9"], [{ cpv: "79341400-9", level: 5 }], 1, "1 of 1 CPV code, 1 exact"],
    ["exact, level 4", ["79341400"], [{ cpv: "79341400", level: 4 }], 0.9, "1 of 1 CPV code, 1 exact"],
    ["exact, level 3", ["79341400"], [{ cpv: "79341400", level: 3 }], 0.8, "1 of 1 CPV code, 1 exact"],
    ["exact, level 2", ["79341400"], [{ cpv: "79341400", level: 2 }], 0.7, "1 of 1 CPV code, 1 exact"],
    ["exact, beginner", ["79341400"], [{ cpv: "79341400", level: 1 }], 0.6, "1 of 1 CPV code, 1 exact"],
    ["level out of range is clamped", ["79341400"], [{ cpv: "79341400", level: 9 }], 1, "1 of 1 CPV code, 1 exact"],
    ["level 0 is clamped to 1", ["79341400"], [{ cpv: "79341400", level: 0 }], 0.6, "1 of 1 CPV code, 1 exact"],
    [
      "broader class skill",
      ["79341400"],
      [{ cpv: "79340000", level: 5 }],
      0.9,
      "1 of 1 CPV code; 79341400 covered by its skill 79340000, a broader code that contains it",
    ],
    [
      "broader division skill is weak",
      ["79341400"],
      [{ cpv: "79000000", level: 5 }],
      0.5,
      "0 of 1 CPV code; 79341400 not covered: its skill 79000000 is too broad (the whole division 79)",
    ],
    [
      "narrower skill",
      ["79340000"],
      [{ cpv: "79341400", level: 5 }],
      0.75,
      "1 of 1 CPV code; 79340000 covered by its skill 79341400, a narrower code, part of it",
    ],
    [
      "same category",
      ["79341400"],
      [{ cpv: "79341200", level: 5 }],
      0.8,
      "1 of 1 CPV code; 79341400 covered by its skill 79341200, which shares the category 79341",
    ],
    ["same class", ["79341400"], [{ cpv: "79342000", level: 5 }], 0.6, "1 of 1 CPV code; 79341400 covered by its skill 79342000, which shares the class 7934"],
    [
      "same group only",
      ["79341400"],
      [{ cpv: "79310000", level: 5 }],
      0.4,
      "0 of 1 CPV code; 79341400 not covered: its skill 79310000 only shares the group 793",
    ],
    [
      "same division only",
      ["79341400"],
      [{ cpv: "79810000", level: 5 }],
      0.15,
      "0 of 1 CPV code; 79341400 not covered: its skill 79810000 only shares the division 79",
    ],
    ["unrelated", ["79341400"], [{ cpv: "22458000", level: 5 }], 0, "0 of 1 CPV code"],
    [
      "best skill wins, with its level",
      ["79341400"],
      [
        { cpv: "79341400", level: 1 },
        { cpv: "79340000", level: 5 },
      ],
      0.9,
      "1 of 1 CPV code, 1 exact",
    ],
    [
      "3 of 4, 2 exact, averaged",
      ["79341400", "79342000", "79341200", "22458000"],
      [
        { cpv: "79341400", level: 5 },
        { cpv: "79342000", level: 5 },
      ],
      (1 + 1 + 0.8 + 0) / 4,
      "3 of 4 CPV codes, 2 exact; 79341200 covered by its skill 79341400, which shares the category 79341",
    ],
    ["duplicate demanded codes count once", ["79341400", "79341400-9"], [{ cpv: "79341400", level: 5 }], 1, "1 of 1 CPV code, 1 exact"],
    [
      "invalid skill codes are ignored",
      ["79341400"],
      [
        { cpv: "garbage", level: 5 },
        { cpv: "79341400", level: 3 },
      ],
      0.8,
      "1 of 1 CPV code, 1 exact",
    ],
    ["no skills", ["79341400", "79342000"], [], 0, "no skills declared (0 of 2 CPV codes)"],
    ["only invalid skills", ["79341400"], [{ cpv: "x", level: 5 }], 0, "no skills declared (0 of 1 CPV code)"],
    ["no demanded code is neutral", [], [{ cpv: "79341400", level: 5 }], 0.5, "no CPV code demanded"],
  ])("%s", (_name, cpvCodes, skills, expected, words) => {
    const s = score(demand({ cpvCodes }), coop({ skills }));
    expect(component(s, "SKILLS").value).toBeCloseTo(expected, 4);
    expect(component(s, "SKILLS").evidence).toBe(words);
  });

  it("lists the covered demanded codes, normalized", () => {
    const s = score(
      demand({ cpvCodes: ["79341400-9", "79342000", "22458000", "79310000"] }),
      coop({
        skills: [
          { cpv: "79341400", level: 3 },
          { cpv: "79342100", level: 2 },
        ],
      }),
    );
    expect(s.coveredCpv).toEqual(["79341400", "79342000"]);
  });

  it("a cooperative without skills scores low overall", () => {
    const none = score(demand(), coop({ skills: [] }));
    const skilled = score(demand(), coop());
    expect(component(none, "SKILLS").value).toBe(0);
    expect(none.score).toBeLessThanOrEqual(0.5);
    expect(skilled.score - none.score).toBeCloseTo(0.5, 4);
  });
});

describe("PROXIMITY", () => {
  it.each<[string, CandidateProfile["location"], object, number]>([
    ["on site", ROUEN, {}, 1],
    ["Le Havre, about 72 km, default decay", LE_HAVRE, {}, 2 ** (-72.1 / 50)],
    ["Paris, about 112 km", PARIS, {}, 2 ** (-112.1 / 50)],
    ["Paris with a 112.1 km decay is one half", PARIS, { decayKm: 112.1 }, 0.5],
    ["Paris with a long decay", PARIS, { decayKm: 500 }, 2 ** (-112.1 / 500)],
    ["Lyon, far", LYON, {}, 2 ** (-439 / 50)],
    ["beyond the limit", PARIS, { maxDistanceKm: 100 }, 0],
    ["within the limit", LE_HAVRE, { maxDistanceKm: 100 }, 2 ** (-72.1 / 50)],
    ["no location", null, {}, 0.25],
    ["invalid location is unknown", { lat: 200, lon: 0, label: "x" }, {}, 0.25],
  ])("%s", (_name, location, options, expected) => {
    expect(value(demand(), coop({ location }), "PROXIMITY", options)).toBeCloseTo(expected, 2);
  });

  it("halves at decayKm, for any decay", () => {
    for (const decayKm of [10, 50, 111.7, 300]) {
      const s = score(demand(), coop({ location: PARIS }), DEFAULT_WEIGHTS, { decayKm: decayKm });
      const distance = s.distanceKm as number;
      expect(component(s, "PROXIMITY").value).toBeCloseTo(2 ** (-distance / decayKm), 3);
    }
  });

  it("decreases with distance", () => {
    const values = [ROUEN, LE_HAVRE, PARIS, LYON].map((location) => value(demand(), coop({ location }), "PROXIMITY"));
    expect([...values].sort((a, b) => b - a)).toEqual(values);
  });

  it.each<[string, Demand["place"], CandidateProfile["location"], object, string]>([
    ["distance and place", ROUEN, PARIS, {}, "112 km from Rouen"],
    ["on site", ROUEN, { lat: 49.444, lon: 1.1, label: null }, {}, "less than 1 km from Rouen"],
    ["place without a label", { ...ROUEN, label: null }, PARIS, {}, "112 km from the place of performance"],
    ["beyond the limit", ROUEN, PARIS, { maxDistanceKm: 80 }, "112 km from Rouen, beyond the 80 km limit"],
    ["no location", ROUEN, null, {}, "no location known"],
    ["no place", null, PARIS, {}, "place of performance unknown"],
  ])("evidence: %s", (_name, place, location, options, words) => {
    expect(evidence(demand({ place }), coop({ location }), "PROXIMITY", options)).toBe(words);
  });

  it("an unknown place is neutral for everyone", () => {
    expect(value(demand({ place: null }), coop({ location: PARIS }), "PROXIMITY")).toBe(0.5);
    expect(value(demand({ place: null }), coop({ location: null }), "PROXIMITY")).toBe(0.5);
    expect(score(demand({ place: null }), coop()).distanceKm).toBeNull();
  });

  it("reports the distance in km with one decimal", () => {
    expect(score(demand(), coop({ location: PARIS })).distanceKm).toBeCloseTo(112.1, 1);
    expect(score(demand(), coop({ location: null })).distanceKm).toBeNull();
  });
});

describe("CAPACITY", () => {
  it.each<[string, number | null, number | null, number | null, number, number]>([
    // [name, value, revenue, headcount, openBids, expected]
    ["small lot, revenue only", 100_000, 1_000_000, null, 0, 1],
    ["30 % of revenue still full", 300_000, 1_000_000, null, 0, 1],
    ["40 % of revenue", 400_000, 1_000_000, null, 0, 0.8],
    ["50 % of revenue", 500_000, 1_000_000, null, 0, 0.6],
    ["75 % of revenue", 750_000, 1_000_000, null, 0, 0.4],
    ["as big as revenue", 1_000_000, 1_000_000, null, 0, 0.2],
    ["1.5 × revenue", 1_500_000, 1_000_000, null, 0, 0.1],
    ["twice revenue and beyond", 3_000_000, 1_000_000, null, 0, 0],
    ["no revenue yet", 10_000, 0, null, 0, 0],
    ["headcount only: 10 people ≈ 700 k€", 210_000, null, 10, 0, 1],
    ["headcount only: 2 people for 140 k€", 140_000, null, 2, 0, 0.2],
    ["both: 70 % revenue, 30 % headcount", 500_000, 1_000_000, 5, 0, 0.7 * 0.6 + 0.3 * (0.2 * (2 - 500 / 350))],
    ["size unknown is neutral", 100_000, null, null, 0, 0.5],
    ["value unknown is neutral", null, 1_000_000, 10, 0, 0.5],
    ["zero value fits anyone", 0, 1_000_000, 10, 0, 1],
    ["2 open bids are carried easily", 100_000, 1_000_000, null, 2, 1],
    ["3 open bids: 10 % less", 100_000, 1_000_000, null, 3, 0.9],
    ["5 open bids: 30 % less", 100_000, 1_000_000, null, 5, 0.7],
    ["20 open bids: at most 50 % less", 100_000, 1_000_000, null, 20, 0.5],
    ["a large team carries more bids (40 people: 10)", 100_000, 10_000_000, 40, 10, 1],
    ["load also lowers a neutral size", null, null, null, 4, 0.5 * 0.8],
  ])("%s", (_name, lotValue, annualRevenue, headcount, openBids, expected) => {
    expect(value(demand({ value: lotValue }), coop({ annualRevenue, headcount, openBids }), "CAPACITY")).toBeCloseTo(expected, 4);
  });

  it("falls as the lot grows against the same cooperative", () => {
    const values = [50_000, 300_000, 400_000, 600_000, 900_000, 1_500_000, 2_500_000].map((v) =>
      value(demand({ value: v }), coop({ annualRevenue: 1_000_000, headcount: 12 }), "CAPACITY"),
    );
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1] as number);
    expect(values[0]).toBe(1);
    expect(values[values.length - 1]).toBe(0);
  });

  it.each<[string, number | null, number | null, number | null, number, string]>([
    ["all known", 120_000, 800_000, 12, 1, "lot of 120 k€ is 15 % of annual revenue (800 k€), 12 people, 1 open bid"],
    ["millions", 1_500_000, 2_000_000, 1, 0, "lot of 1.5 M€ is 75 % of annual revenue (2 M€), 1 person, no open bid"],
    ["revenue unknown", 90_000, null, 3, 4, "lot of 90 k€, revenue unknown, 3 people, 4 open bids, 2 more than it carries easily"],
    ["value unknown", null, 800_000, null, 0, "lot value unknown, no open bid"],
    ["size unknown", 5_000, null, null, 2, "lot of 5 k€, size of the cooperative unknown, 2 open bids"],
    ["no revenue", 5_000, 0, null, 0, "lot of 5 k€ against no revenue yet, no open bid"],
  ])("evidence: %s", (_name, lotValue, annualRevenue, headcount, openBids, words) => {
    expect(evidence(demand({ value: lotValue }), coop({ annualRevenue, headcount, openBids }), "CAPACITY")).toBe(words);
  });

  it("ignores impossible figures as unknown", () => {
    expect(value(demand(), coop({ annualRevenue: -5, headcount: Number.NaN, openBids: -3 }), "CAPACITY")).toBe(0.5);
  });

  it.each([
    [900, "900 €"],
    [12_345, "12 k€"],
    [999_999, "1000 k€"],
    [1_000_000, "1 M€"],
    [2_345_678, "2.3 M€"],
  ])("formatEuros(%p) = %p", (amount, words) => {
    expect(formatEuros(amount)).toBe(words);
  });
});

describe("TRACK_RECORD", () => {
  type Entry = CandidateProfile["track"][number];
  const won = (year: number, cpv = "79341400", amount: number | null = null): Entry => ({ cpv, year, amount, kind: "WON" });
  const ref = (year: number, cpv = "79341400", amount: number | null = null): Entry => ({ cpv, year, amount, kind: "REFERENCE" });

  it.each<[string, Entry[], number, string]>([
    ["nothing", [], 0, "no similar contract won or referenced"],
    ["one exact win this year", [won(2025)], 0.5, "won 1 similar contract in 2025"],
    ["two exact wins this year", [won(2025), won(2025)], 0.75, "won 2 similar contracts since 2025"],
    ["three exact wins this year", [won(2025), won(2025), won(2025)], 0.875, "won 3 similar contracts since 2025"],
    ["a win 3 years ago weighs half", [won(2022)], 1 - 2 ** -0.5, "won 1 similar contract in 2022"],
    ["a win 6 years ago weighs a quarter", [won(2019)], 1 - 2 ** -0.25, "won 1 similar contract in 2019"],
    ["a future year counts as this year", [won(2027)], 0.5, "won 1 similar contract in 2027"],
    ["a reference weighs 0.6 of a win", [ref(2025)], 1 - 2 ** -0.6, "no similar contract won, 1 reference in 2025"],
    [
      "wins and references",
      [won(2023), won(2024), ref(2021)],
      1 - 2 ** -(2 ** (-2 / 3) + 2 ** (-1 / 3) + 0.6 * 2 ** (-4 / 3)),
      "won 2 similar contracts since 2023, 1 reference in 2021",
    ],
    ["a same-category win counts 0.8", [won(2025, "79341200")], 1 - 2 ** -0.8, "won 1 similar contract in 2025"],
    ["a broader-class win counts 0.9", [won(2025, "79340000")], 1 - 2 ** -0.9, "won 1 similar contract in 2025"],
    ["a same-class win counts 0.6", [won(2025, "79342000")], 1 - 2 ** -0.6, "won 1 similar contract in 2025"],
    ["a same-group win is not similar", [won(2025, "79310000")], 0, "no similar contract won or referenced"],
    ["an unrelated win is not similar", [won(2025, "22458000")], 0, "no similar contract won or referenced"],
    ["a small contract counts 0.7", [won(2025, "79341400", 10_000)], 1 - 2 ** -0.7, "won 1 similar contract in 2025"],
    ["a contract of a quarter of the value counts fully", [won(2025, "79341400", 25_000)], 0.5, "won 1 similar contract in 2025"],
    ["invalid codes are ignored", [won(2025, "bad")], 0, "no similar contract won or referenced"],
  ])("%s", (_name, track, expected, words) => {
    const s = score(demand(), coop({ track }));
    expect(component(s, "TRACK_RECORD").value).toBeCloseTo(expected, 4);
    expect(component(s, "TRACK_RECORD").evidence).toBe(words);
  });

  it("recent work weighs more", () => {
    const values = [2025, 2023, 2020, 2015, 2005].map((year) => value(demand(), coop({ track: [won(year)] }), "TRACK_RECORD"));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1] as number);
  });

  it("depends on the clock passed in, not on the real one", () => {
    const track = [won(2020)];
    const in2021 = component(scoreCandidate(demand(), coop({ track }), DEFAULT_WEIGHTS, {}, new Date("2021-01-01")), "TRACK_RECORD");
    const in2030 = component(scoreCandidate(demand(), coop({ track }), DEFAULT_WEIGHTS, {}, new Date("2030-01-01")), "TRACK_RECORD");
    expect(in2021.value).toBeGreaterThan(in2030.value);
  });

  it("is neutral when no code is demanded", () => {
    expect(value(demand({ cpvCodes: [] }), coop({ track: [won(2025)] }), "TRACK_RECORD")).toBe(0.5);
  });
});

describe("the score", () => {
  const full = coop({
    location: LE_HAVRE,
    headcount: 4,
    annualRevenue: 300_000,
    openBids: 3,
    skills: [{ cpv: "79341000", level: 4 }],
    track: [{ cpv: "79341400", year: 2023, amount: 50_000, kind: "WON" }],
  });

  it("is the sum of the weighted components, in order, with evidence", () => {
    const s = score(demand(), full);
    expect(s.components.map((c) => c.name)).toEqual(["SKILLS", "PROXIMITY", "CAPACITY", "TRACK_RECORD"]);
    const sum = s.components.reduce((total, c) => total + c.contribution, 0);
    expect(Math.abs(sum - s.score)).toBeLessThanOrEqual(0.0002);
    for (const c of s.components) {
      expect(c.value).toBeGreaterThanOrEqual(0);
      expect(c.value).toBeLessThanOrEqual(1);
      expect(c.contribution).toBeCloseTo(c.value * c.weight, 3);
      expect(c.evidence.length).toBeGreaterThan(0);
    }
    expect(s.components.map((c) => c.weight)).toEqual([0.5, 0.2, 0.15, 0.15]);
  });

  it("is rounded to 4 decimals and stays in [0, 1]", () => {
    for (const candidate of [full, coop(), coop({ skills: [], location: null, track: [] })]) {
      const s = score(demand(), candidate);
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(1);
      expect(Math.round(s.score * 10000) / 10000).toBe(s.score);
    }
  });

  it("a perfect match scores near 1, an unrelated one low", () => {
    const perfect = coop({
      track: [
        { cpv: "79341400", year: 2025, amount: null, kind: "WON" },
        { cpv: "79341400", year: 2025, amount: null, kind: "WON" },
        { cpv: "79341400", year: 2025, amount: null, kind: "WON" },
        { cpv: "79341400", year: 2025, amount: null, kind: "WON" },
        { cpv: "79341400", year: 2025, amount: null, kind: "WON" },
        { cpv: "79341400", year: 2025, amount: null, kind: "WON" },
        { cpv: "79341400", year: 2025, amount: null, kind: "WON" },
      ],
    });
    expect(score(demand(), perfect).score).toBeGreaterThan(0.99);
    const unrelated = coop({ skills: [{ cpv: "45000000", level: 5 }], location: LYON, annualRevenue: 100_000 });
    expect(score(demand(), unrelated).score).toBeLessThan(0.2);
  });

  it("weights move the score as asked", () => {
    const far = coop({ location: LYON });
    expect(score(demand(), far, { skills: 0, proximity: 1, capacity: 0, trackRecord: 0 }).score).toBeLessThan(0.01);
    expect(score(demand(), far, { skills: 1, proximity: 0, capacity: 0, trackRecord: 0 }).score).toBe(1);
    expect(score(demand(), far, { proximity: 0 }).score).toBeGreaterThan(score(demand(), far).score);
    // Unnormalized weights give the same score as their normalized form.
    expect(score(demand(), full, { skills: 1, proximity: 1, capacity: 1, trackRecord: 1 })).toEqual(
      score(demand(), full, { skills: 0.25, proximity: 0.25, capacity: 0.25, trackRecord: 0.25 }),
    );
  });

  it("is deterministic: same inputs, same result", () => {
    const a = score(demand(), full);
    const b = score(structuredClone(demand()), structuredClone(full));
    expect(b).toEqual(a);
  });

  it("does not modify its inputs", () => {
    const d = demand();
    const c = structuredClone(full);
    const before = JSON.stringify([d, c]);
    score(d, c, { skills: 1 }, { decayKm: 30 });
    expect(JSON.stringify([d, c])).toBe(before);
  });

  it("handles a cooperative with nothing known", () => {
    const empty = coop({ skills: [], location: null, headcount: null, annualRevenue: null, openBids: 0, track: [] });
    const s = score(demand(), empty);
    expect(s.distanceKm).toBeNull();
    expect(s.coveredCpv).toEqual([]);
    expect(s.score).toBeCloseTo(0.2 * 0.25 + 0.15 * 0.5, 4);
  });
});

describe("rankCandidates: skill before distance", () => {
  // Printing (79810000) near Toulouse. Each row: candidates (id, skill, km east of the place,
  // level, default 5), the weights, then the expected order. A cooperative covering none of the codes never ranks above
  // one covering one, however close and whatever the weights.
  const TOULOUSE = { lat: 43.6045, lon: 1.444, label: "Toulouse (FRJ23)" };
  const at = (km: number) => ({ lat: TOULOUSE.lat, lon: TOULOUSE.lon + km / 80.6, label: null });
  type Row = [string, [string, string, number, number?][], WeightsInput, string[]];
  it.each<Row>([
    [
      "design studios next door without the code, a printer 64 km away with it",
      [
        ["studio-1", "79822500", 2],
        ["studio-2", "79822000", 8],
        ["printer", "79810000", 64, 1],
      ],
      {},
      ["printer", "studio-1", "studio-2"],
    ],
    [
      "even with proximity as the only weight",
      [
        ["studio-1", "79822500", 1],
        ["printer", "79810000", 300],
      ],
      { skills: 0, proximity: 1, capacity: 0, trackRecord: 0 },
      ["printer", "studio-1"],
    ],
    [
      "among those covering the code, the score decides (closer first)",
      [
        ["printer-far", "79810000", 200],
        ["printer-near", "79810000", 10],
        ["studio", "79822500", 0],
      ],
      {},
      ["printer-near", "printer-far", "studio"],
    ],
    [
      "a narrower code covers, so it ranks with those covering",
      [
        ["narrower", "79811000", 50],
        ["group-only", "79820000", 0],
      ],
      {},
      ["narrower", "group-only"],
    ],
  ])("%s", (_name, rows, weights, expected) => {
    const candidates = rows.map(([id, cpv, km, level]) => coop({ id, name: id, skills: [{ cpv, level: level ?? 5 }], location: at(km) }));
    const ranked = rankCandidates(demand({ cpvCodes: ["79810000"], place: TOULOUSE }), candidates, weights, {}, NOW);
    expect(ranked.map((r) => r.id)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ["a sibling in the group", "72212000", "72230000 not covered: its skill 72212000 only shares the group 722"],
    ["a parent code", "72000000", "72230000 not covered: its skill 72000000 is too broad (the whole division 72)"],
    ["a code in the division only", "72413000", "72230000 not covered: its skill 72413000 only shares the division 72"],
  ])("says why a candidate without the code is listed: %s", (_name, cpv, words) => {
    const s = score(demand({ cpvCodes: ["72230000"] }), coop({ skills: [{ cpv, level: 5 }] }));
    expect(component(s, "SKILLS").evidence).toBe(`0 of 1 CPV code; ${words}`);
  });

  it("the place is named as given (the commune and NUTS code, never the buyer)", () => {
    const s = score(demand({ place: { ...ROUEN, label: "Rouen (FRD22)" } }), coop({ location: LE_HAVRE }));
    expect(component(s, "PROXIMITY").evidence).toMatch(/^\d+ km from Rouen \(FRD22\)$/);
  });
});

describe("rankCandidates", () => {
  const ids = (ranked: { id: string }[]): string[] => ranked.map((r) => r.id);

  it("ranks by score, best first", () => {
    const ranked = rankCandidates(
      demand(),
      [
        coop({ id: "far", location: LYON }),
        coop({ id: "near", location: ROUEN }),
        coop({ id: "unskilled", skills: [] }),
        coop({ id: "middle", location: PARIS }),
      ],
      DEFAULT_WEIGHTS,
      {},
      NOW,
    );
    expect(ids(ranked)).toEqual(["near", "middle", "far", "unskilled"]);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i]?.score).toBeLessThanOrEqual(ranked[i - 1]?.score as number);
    expect(ranked[0]).toMatchObject({ id: "near", name: "Coop A" });
  });

  it("breaks score ties by distance, unknown last, then by id", () => {
    // Proximity weight 0: distance does not change the score, only the order.
    const candidates = [
      coop({ id: "d", location: null }),
      coop({ id: "c", location: PARIS }),
      coop({ id: "b", location: LE_HAVRE }),
      coop({ id: "a", location: null }),
      coop({ id: "e", location: LE_HAVRE }),
    ];
    const ranked = rankCandidates(demand(), candidates, { proximity: 0 }, {}, NOW);
    expect(new Set(ranked.map((r) => r.score)).size).toBe(1);
    expect(ids(ranked)).toEqual(["b", "e", "c", "a", "d"]);
  });

  it("gives the same ranking whatever the input order", () => {
    const candidates = [
      coop({ id: "1", location: PARIS }),
      coop({ id: "2", location: LE_HAVRE, skills: [{ cpv: "79340000", level: 3 }] }),
      coop({ id: "3", location: null }),
      coop({ id: "4", location: ROUEN, openBids: 9 }),
      coop({ id: "5", location: ROUEN, openBids: 9 }),
      coop({ id: "6", location: LYON, track: [{ cpv: "79341400", year: 2024, amount: null, kind: "WON" }] }),
    ];
    const reference = ids(rankCandidates(demand(), candidates, DEFAULT_WEIGHTS, {}, NOW));
    for (const order of [
      [5, 4, 3, 2, 1, 0],
      [2, 0, 4, 1, 5, 3],
      [3, 5, 1, 0, 2, 4],
    ]) {
      const shuffled = order.map((i) => candidates[i] as CandidateProfile);
      expect(ids(rankCandidates(demand(), shuffled, DEFAULT_WEIGHTS, {}, NOW))).toEqual(reference);
    }
  });

  it("leaves out cooperatives beyond maxDistanceKm but keeps those without a location", () => {
    const ranked = rankCandidates(
      demand(),
      [coop({ id: "paris", location: PARIS }), coop({ id: "havre", location: LE_HAVRE }), coop({ id: "nowhere", location: null })],
      DEFAULT_WEIGHTS,
      { maxDistanceKm: 100 },
      NOW,
    );
    expect(ids(ranked)).toEqual(["havre", "nowhere"]);
  });

  it("returns an empty list for no candidates and checks the demand once", () => {
    expect(rankCandidates(demand(), [], DEFAULT_WEIGHTS, {}, NOW)).toEqual([]);
    expectBadInput(() => rankCandidates(demand({ cpvCodes: ["1"] }), [], DEFAULT_WEIGHTS, {}, NOW), "demand.cpvCodes[0]");
  });

  it("each ranked entry carries the same score as scoreCandidate", () => {
    const candidates = [coop({ id: "x", location: PARIS }), coop({ id: "y", skills: [{ cpv: "79342000", level: 2 }] })];
    for (const r of rankCandidates(demand(), candidates, { trackRecord: 0.5 }, { decayKm: 30 }, NOW)) {
      const c = candidates.find((k) => k.id === r.id) as CandidateProfile;
      const { id: _id, name: _name, ...match } = r;
      expect(match).toEqual(scoreCandidate(demand(), c, { trackRecord: 0.5 }, { decayKm: 30 }, NOW));
    }
  });
});
