import { BadInputError } from "./errors";
import { findCpv } from "./reference/reference";

/*
 * CPV codes read from outside, in one place. Two meanings, two names:
 * - `knownCpv`: a code of the platform's reference list (check digit verified when given), as
 *   skills, lots and saved searches must be;
 * - `cpvDigits`: anything written like a CPV code, known or not, as published notices carry
 *   them (their codes go beyond the platform's list).
 * - `strictCpvDigits`: a code written exactly as a CPV code ("79341400" or "79341400-9"), as the
 *   matcher reads demanded and offered codes (check digit not verified, division "00" refused).
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

const STRICT_CPV = /^(\d{8})(?:-\d)?$/;

/**
 * The 8 digits of a code written exactly as a CPV code: 8 digits, optionally "-" and a check
 * digit (not verified), surrounding spaces allowed; `null` for anything else, and for the
 * division "00", which does not exist. Stricter than `cpvDigits` (no inner spaces, no check
 * digit without its dash).
 */
export function strictCpvDigits(text: string): string | null {
  const digits = STRICT_CPV.exec(text.trim())?.[1];
  if (digits === undefined) return null;
  return digits.startsWith("00") ? null : digits;
}
