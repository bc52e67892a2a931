import { BadInputError } from "./errors";
import { findCpv } from "./reference/reference";

/*
 * CPV codes read from outside, in one place. Two meanings, two names:
 * - `knownCpv`: a code of the platform's reference list (check digit verified when given), as
 *   skills, lots and saved searches must be;
 * - `cpvDigits`: anything written like a CPV code, known or not, as published notices carry
 *   them (their codes go beyond the platform's list).
 * (`matching/cpv-similarity.ts` `normalizeCpv` is the matcher's own well-formedness check.)
 */

/** The 8-digit code when the input is a valid, known CPV code (with or without check digit), else null. */
export function knownCpv(input: string): string | null {
  return findCpv(input)?.code ?? null;
}

/** `knownCpv`, or BAD_USER_INPUT on `field`. */
export function parseKnownCpv(field: string, value: string): string {
  const code = typeof value === "string" ? knownCpv(value) : null;
  if (!code) throw new BadInputError(field, "is not a known CPV code of the platform's list");
  return code;
}

/**
 * A CPV code reduced to its 8 digits, without the check digit:
 * `72230000`, `72230000-6`, `722300006`, `72230000 - 6` → `72230000`; `null` when not a CPV code.
 */
export function cpvDigits(text: string): string | null {
  const compact = text.replace(/\s+/g, "");
  const match = /^(\d{8})(?:-?\d)?$/.exec(compact);
  return match ? (match[1] ?? null) : null;
}
