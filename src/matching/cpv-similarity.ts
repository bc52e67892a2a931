import { strictCpvDigits } from "../common/cpv";
import { BadInputError } from "../common/errors";

/**
 * Similarity between CPV codes (Common Procurement Vocabulary, EU regulation 213/2008).
 *
 * A CPV code has 8 digits and an optional check digit ("79341400-9"). Its digits refine from
 * left to right: division (2 digits, "79000000"), group (3, "79300000"), class (4,
 * "79340000"), category (5, "79341000"), then up to 3 more digits of precision within the
 * category. Trailing zeros mark a less specific code, so the *significant* digits of a code
 * are its digits without trailing zeros, and never fewer than the 2 of the division:
 * "79340000" → "7934" (a class), "79341400" → "793414".
 *
 * Similarity of a skill (what a cooperative does) to a demanded code (what a tender asks),
 * in [0, 1]; the relation is not symmetric:
 *
 * | relation                                         | division | group | class | category+ |
 * |--------------------------------------------------|---------:|------:|------:|----------:|
 * | EXACT: same code                                 |        1 |     1 |     1 |         1 |
 * | BROADER_SKILL: the skill contains the demand,    |          |       |       |           |
 * |   by the skill's own level                       |     0.5  |  0.75 |  0.9  |    0.95   |
 * | NARROWER_SKILL: the demand contains the skill,   |          |       |       |           |
 * |   by the demand's level                          |     0.45 |  0.6  |  0.75 |    0.85   |
 * | SAME_*: siblings sharing only that level         |     0.15 |  0.4  |  0.6  |    0.8    |
 *
 * Why: a broader skill ("79340000 advertising and marketing") covers a narrower demand
 * ("79341400 advertising campaigns") nearly fully, less so the vaguer the skill (a division
 * claims a whole sector). A narrower skill does a part of a broader demand: better than a
 * sibling sharing the same level, worse than covering it. Two codes that only share a prefix
 * are siblings, credited by the deepest level they share.
 */

export type CpvLevel = "DIVISION" | "GROUP" | "CLASS" | "CATEGORY" | "SUBCATEGORY";

export type CpvRelation = "EXACT" | "BROADER_SKILL" | "NARROWER_SKILL" | "SAME_CATEGORY" | "SAME_CLASS" | "SAME_GROUP" | "SAME_DIVISION" | "UNRELATED";

export interface CpvMatch {
  similarity: number;
  relation: CpvRelation;
}

/** Credits by level, indexed by the number of significant digits (2..5; 5 stands for 5+). */
export const CPV_SIMILARITY = {
  EXACT: 1,
  /** Keyed by the significant length of the (broader) skill. */
  BROADER_SKILL: { 2: 0.5, 3: 0.75, 4: 0.9, 5: 0.95 },
  /** Keyed by the significant length of the (broader) demanded code. */
  NARROWER_SKILL: { 2: 0.45, 3: 0.6, 4: 0.75, 5: 0.85 },
  /** Keyed by the length of the shared significant prefix. */
  SIBLING: { 2: 0.15, 3: 0.4, 4: 0.6, 5: 0.8 },
} as const;

const SIBLING_RELATION: Record<2 | 3 | 4 | 5, CpvRelation> = {
  2: "SAME_DIVISION",
  3: "SAME_GROUP",
  4: "SAME_CLASS",
  5: "SAME_CATEGORY",
};

/** `strictCpvDigits` (common/cpv.ts), throwing a `BadInputError` on `field` for anything else. */
export function parseCpv(code: string, field = "cpv"): string {
  const digits = strictCpvDigits(code);
  if (digits === null) {
    throw new BadInputError(field, `"${code}" is not a CPV code (8 digits, optionally "-" and a check digit)`);
  }
  return digits;
}

/** Significant digits of a normalized 8-digit code: trailing zeros removed, at least 2 kept. */
export function significantDigits(normalized: string): string {
  let end = normalized.length;
  while (end > 2 && normalized.charCodeAt(end - 1) === 48 /* "0" */) end--;
  return normalized.slice(0, end);
}

/** Significant digits of a CPV code; throws `BadInputError` if it is not one. */
export function cpvSignificant(code: string): string {
  return significantDigits(parseCpv(code));
}

/** The level a code designates, from its significant length. */
export function cpvLevel(code: string): CpvLevel {
  const length = cpvSignificant(code).length;
  if (length <= 2) return "DIVISION";
  if (length === 3) return "GROUP";
  if (length === 4) return "CLASS";
  if (length === 5) return "CATEGORY";
  return "SUBCATEGORY";
}

/**
 * The significant prefixes of a code, from the division to the code itself:
 * "79341400" → ["79", "793", "7934", "79341", "793414"].
 *
 * Stored for every skill of a cooperative in an indexed `text[]` column (GIN), they let SQL
 * narrow candidates with `skill_prefixes && $demandPrefixes` before any scoring: two codes
 * have a non-zero similarity exactly when their prefix lists share an element.
 */
export function cpvPrefixes(code: string): string[] {
  const significant = cpvSignificant(code);
  const prefixes: string[] = [];
  for (let length = 2; length <= significant.length; length++) {
    prefixes.push(significant.slice(0, length));
  }
  return prefixes;
}

function byLevel(table: { 2: number; 3: number; 4: number; 5: number }, length: number): number {
  return length >= 5 ? table[5] : length === 4 ? table[4] : length === 3 ? table[3] : table[2];
}

/**
 * Similarity of significant digits (from `significantDigits`), for hot loops that normalize
 * once. `skill` is what the cooperative does, `demanded` what the tender asks.
 */
export function matchSignificant(skill: string, demanded: string): CpvMatch {
  if (skill === demanded) return { similarity: CPV_SIMILARITY.EXACT, relation: "EXACT" };
  const shortest = Math.min(skill.length, demanded.length);
  let shared = 0;
  while (shared < shortest && skill.charCodeAt(shared) === demanded.charCodeAt(shared)) shared++;
  if (shared < 2) return { similarity: 0, relation: "UNRELATED" };
  if (shared === skill.length) {
    return { similarity: byLevel(CPV_SIMILARITY.BROADER_SKILL, skill.length), relation: "BROADER_SKILL" };
  }
  if (shared === demanded.length) {
    return {
      similarity: byLevel(CPV_SIMILARITY.NARROWER_SKILL, demanded.length),
      relation: "NARROWER_SKILL",
    };
  }
  const level = shared >= 5 ? 5 : (shared as 2 | 3 | 4);
  return { similarity: CPV_SIMILARITY.SIBLING[level], relation: SIBLING_RELATION[level] };
}

/** Similarity and relation of a skill's code to a demanded code (both validated). */
export function cpvMatch(skill: string, demanded: string): CpvMatch {
  return matchSignificant(significantDigits(parseCpv(skill, "skill")), significantDigits(parseCpv(demanded, "demanded")));
}

/** Similarity in [0, 1] of a skill's code to a demanded code; see the table above. */
export function cpvSimilarity(skill: string, demanded: string): number {
  return cpvMatch(skill, demanded).similarity;
}
