import { BadInputError } from "../../src/common/errors";
import { strictCpvDigits } from "../../src/common/cpv";
import { CPV_SIMILARITY, cpvLevel, cpvMatch, cpvPrefixes, cpvSignificant, cpvSimilarity, parseCpv } from "../../src/matching/cpv-similarity";

describe("strictCpvDigits / parseCpv", () => {
  it.each([
    ["79341400", "79341400"],
    ["79341400-9", "79341400"],
    [" 79341400-9 ", "79341400"],
    ["03000000-1", "03000000"],
    ["79000000", "79000000"],
  ])("%p → %p", (code, expected) => {
    expect(strictCpvDigits(code)).toBe(expected);
    expect(parseCpv(code)).toBe(expected);
  });

  it.each([["7934140"], ["793414000"], ["79341400-"], ["79341400-99"], ["7934A400"], [""], ["00000000"], ["79 341400"]])("refuses %p", (code) => {
    expect(strictCpvDigits(code)).toBeNull();
    expect(() => parseCpv(code, "lots[0].cpv")).toThrow(BadInputError);
    try {
      parseCpv(code, "lots[0].cpv");
    } catch (error) {
      expect((error as BadInputError).field).toBe("lots[0].cpv");
      expect((error as BadInputError).extensions.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("significant digits, levels and prefixes", () => {
  it.each([
    ["79000000", "79", "DIVISION", ["79"]],
    ["79300000", "793", "GROUP", ["79", "793"]],
    ["79340000", "7934", "CLASS", ["79", "793", "7934"]],
    ["79341000", "79341", "CATEGORY", ["79", "793", "7934", "79341"]],
    ["79341400", "793414", "SUBCATEGORY", ["79", "793", "7934", "79341", "793414"]],
    ["79341400-9", "793414", "SUBCATEGORY", ["79", "793", "7934", "79341", "793414"]],
    ["22458000", "22458", "CATEGORY", ["22", "224", "2245", "22458"]],
    ["79810000", "7981", "CLASS", ["79", "798", "7981"]],
    ["79401000", "79401", "CATEGORY", ["79", "794", "7940", "79401"]],
    ["30200000", "302", "GROUP", ["30", "302"]],
    ["03000000", "03", "DIVISION", ["03"]],
    ["10000000", "10", "DIVISION", ["10"]],
    ["92111210", "9211121", "SUBCATEGORY", ["92", "921", "9211", "92111", "921112", "9211121"]],
    ["92111211", "92111211", "SUBCATEGORY", ["92", "921", "9211", "92111", "921112", "9211121", "92111211"]],
  ])("%s → %s (%s)", (code, significant, level, prefixes) => {
    expect(cpvSignificant(code)).toBe(significant);
    expect(cpvLevel(code)).toBe(level);
    expect(cpvPrefixes(code)).toEqual(prefixes);
  });

  it("refuses an invalid code", () => {
    expect(() => cpvPrefixes("abc")).toThrow(BadInputError);
  });

  it("two codes are related exactly when their prefixes overlap (what the SQL narrowing relies on)", () => {
    const codes = ["79000000", "79300000", "79340000", "79341000", "79341400", "79342000", "79400000", "79810000", "22458000", "79341410"];
    for (const a of codes) {
      for (const b of codes) {
        const overlap = cpvPrefixes(a).some((p) => cpvPrefixes(b).includes(p));
        expect([a, b, cpvSimilarity(a, b) > 0]).toEqual([a, b, overlap]);
      }
    }
  });
});

describe("cpvSimilarity (skill, demanded)", () => {
  it.each([
    // exact
    ["79341400", "79341400", 1, "EXACT"],
    ["79341400-9", "79341400", 1, "EXACT"],
    ["79000000", "79000000", 1, "EXACT"],
    // a broader skill covers a narrower demand, by the skill's level
    ["79341000", "79341400", 0.95, "BROADER_SKILL"],
    ["79340000", "79341400", 0.9, "BROADER_SKILL"],
    ["79340000", "79341000", 0.9, "BROADER_SKILL"],
    ["79300000", "79341400", 0.75, "BROADER_SKILL"],
    ["79000000", "79341400", 0.5, "BROADER_SKILL"],
    ["92111200", "92111210", 0.95, "BROADER_SKILL"],
    // a narrower skill does part of a broader demand, by the demand's level
    ["79341400", "79341000", 0.85, "NARROWER_SKILL"],
    ["79341400", "79340000", 0.75, "NARROWER_SKILL"],
    ["79341400", "79300000", 0.6, "NARROWER_SKILL"],
    ["79341400", "79000000", 0.45, "NARROWER_SKILL"],
    // siblings, by the deepest shared level
    ["79341200", "79341400", 0.8, "SAME_CATEGORY"],
    ["79341410", "79341420", 0.8, "SAME_CATEGORY"],
    ["79342000", "79341400", 0.6, "SAME_CLASS"],
    ["79342000", "79341000", 0.6, "SAME_CLASS"],
    ["79310000", "79341400", 0.4, "SAME_GROUP"],
    ["79810000", "79341400", 0.15, "SAME_DIVISION"],
    ["79400000", "79340000", 0.15, "SAME_DIVISION"],
    // unrelated
    ["22458000", "79341400", 0, "UNRELATED"],
    ["72000000", "79000000", 0, "UNRELATED"],
    ["03000000", "30000000", 0, "UNRELATED"],
  ])("%s for %s → %p (%s)", (skill, demanded, similarity, relation) => {
    expect(cpvMatch(skill, demanded)).toEqual({ similarity, relation });
    expect(cpvSimilarity(skill, demanded)).toBe(similarity);
  });

  it("orders relations: exact > broader skill > narrower skill > sibling at the same level", () => {
    for (const level of [2, 3, 4, 5] as const) {
      expect(CPV_SIMILARITY.EXACT).toBeGreaterThan(CPV_SIMILARITY.BROADER_SKILL[level]);
      expect(CPV_SIMILARITY.BROADER_SKILL[level]).toBeGreaterThan(CPV_SIMILARITY.NARROWER_SKILL[level]);
      expect(CPV_SIMILARITY.NARROWER_SKILL[level]).toBeGreaterThan(CPV_SIMILARITY.SIBLING[level]);
    }
  });

  it("credit grows with the depth of the shared level", () => {
    const demanded = "79341400";
    const skills = ["22000000", "79810000", "79310000", "79342000", "79341200", "79341400"];
    const values = skills.map((skill) => cpvSimilarity(skill, demanded));
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(new Set(values).size).toBe(values.length);
  });

  it("is not symmetric between broader and narrower", () => {
    expect(cpvSimilarity("79340000", "79341400")).toBeGreaterThan(cpvSimilarity("79341400", "79340000"));
  });

  it("refuses invalid codes, naming which side", () => {
    expect(() => cpvSimilarity("7934", "79341400")).toThrow(BadInputError);
    try {
      cpvSimilarity("79341400", "x");
    } catch (error) {
      expect((error as BadInputError).field).toBe("demanded");
    }
  });
});
