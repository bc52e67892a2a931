import { BadInputError } from "./errors";

/**
 * Small input checks shared by services. Each names the offending field, so a client can point
 * at it, and runs before anything is written.
 */

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Half of a UTF-16 surrogate pair without the other half: not a Unicode character, so UTF-8 cannot
 * encode it (the driver would write U+FFFD in its place, and jsonb refuses the escape outright).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const NOT_UNICODE = "must be valid Unicode text (it holds a lone UTF-16 surrogate)";

/** Whether a string is Unicode text, that UTF-8 and PostgreSQL can hold as it is. */
export function isUnicode(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

export function text(field: string, value: string, options: { min?: number; max: number; multiline?: boolean } = { max: 200 }): string {
  if (typeof value !== "string") throw new BadInputError(field, "must be a string");
  const trimmed = value.trim();
  const min = options.min ?? 1;
  if (trimmed.length < min) {
    throw new BadInputError(field, min === 1 ? "must not be empty" : `must be at least ${min} characters`);
  }
  if (trimmed.length > options.max) throw new BadInputError(field, `must be at most ${options.max} characters`);
  if (CONTROL.test(trimmed) || (!options.multiline && /[\r\n]/.test(trimmed))) {
    throw new BadInputError(field, "must not contain control characters");
  }
  if (!isUnicode(trimmed)) throw new BadInputError(field, NOT_UNICODE);
  return trimmed;
}

export function optionalText(field: string, value: string | null | undefined, options: { max: number; multiline?: boolean }): string | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  return text(field, value, options);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function email(field: string, value: string): string {
  const normalized = text(field, value, { max: 254 }).toLowerCase();
  if (!EMAIL.test(normalized)) throw new BadInputError(field, "is not a valid email address");
  return normalized;
}

export function integer(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(field, `must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function decimal(field: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new BadInputError(field, `must be a number between ${min} and ${max}`);
  }
  return value;
}

export function latitude(field: string, value: number): number {
  return decimal(field, value, -90, 90);
}

export function longitude(field: string, value: number): number {
  return decimal(field, value, -180, 180);
}

export function url(field: string, value: string | null | undefined): string | null {
  const v = optionalText(field, value, { max: 500 });
  if (v === null) return null;
  try {
    const parsed = new URL(v);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error("scheme");
  } catch {
    throw new BadInputError(field, "must be an http(s) URL");
  }
  return v;
}

/**
 * A PostgreSQL array literal for a bound parameter (`?::text[]`): the query builder would spread
 * a JavaScript array into a comma list.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}
