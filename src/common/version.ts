import { ConflictError } from "./errors";
import * as v from "./validate";

/*
 * Optimistic concurrency: a change names the version it was made against (`expectedVersion`);
 * when the record moved on, the change is a CONFLICT carrying the record as it is now, so that
 * the client can merge and retry.
 */

const MAX_VERSION = 2_000_000_000;

/** Checks the shape of a given `expectedVersion` (before any lock is taken). */
export function checkExpectedVersion(expected: number, field = "input.expectedVersion"): number {
  return v.integer(field, expected, 0, MAX_VERSION);
}

/** CONFLICT unless `expected` is the record's `actual` version; `current` describes the record now. */
export function assertVersion(expected: number, actual: number, what: string, current: () => Record<string, unknown>): void {
  checkExpectedVersion(expected);
  if (expected !== actual) throw new ConflictError(`The ${what} changed since version ${expected}; it is at version ${actual}.`, current());
}
