import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { AppError } from "../common/errors";

/** zxcvbn's scale: 3 is "safely unguessable" against an online attack with some throttling. */
export const MIN_PASSWORD_SCORE = 3;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

/** The estimator's warning keys in English; the key itself goes to the client as `reason`. */
const WARNINGS: Record<string, string> = {
  straightRow: "straight rows of keys on your keyboard are easy to guess",
  keyPattern: "short keyboard patterns are easy to guess",
  simpleRepeat: 'repeated characters like "aaa" are easy to guess',
  extendedRepeat: 'repeated character patterns like "abcabcabc" are easy to guess',
  sequences: 'common character sequences like "abc" are easy to guess',
  recentYears: "recent years are easy to guess",
  dates: "dates are easy to guess",
  topTen: "this is a heavily used password",
  topHundred: "this is a frequently used password",
  common: "this is a commonly used password",
  similarToCommon: "this is similar to a commonly used password",
  wordByItself: "single words are easy to guess",
  namesByThemselves: "single names or surnames are easy to guess",
  commonNames: "common names and surnames are easy to guess",
  userInputs: "it contains your name or e-mail address",
  pwned: "this password appeared in a data breach",
};

const SUGGESTIONS: Record<string, string> = {
  l33t: 'avoid predictable letter substitutions like "@" for "a"',
  reverseWords: "avoid reversed spellings of common words",
  allUppercase: "capitalize some, but not all letters",
  capitalization: "capitalize more than the first letter",
  dates: "avoid dates and years that are associated with you",
  recentYears: "avoid recent years",
  associatedYears: "avoid years that are associated with you",
  sequences: "avoid common character sequences",
  repeated: "avoid repeated words and characters",
  longerKeyboardPattern: "use longer keyboard patterns and change typing direction",
  anotherWord: "add more words that are less common",
  useWords: "use multiple words, but avoid common phrases",
  noNeed: "a few uncommon words make a strong password; symbols are not needed",
  pwned: "if you use this password elsewhere, change it",
};

/** A weak password: BAD_USER_INPUT on `input.password`, with the estimator's reason and hints. */
export class WeakPasswordError extends AppError {
  constructor(field: string, reason: string, detail: string, suggestions: string[]) {
    super("BAD_USER_INPUT", `${field}: too easy to guess: ${detail}.`, { field, reason, suggestions });
  }
}

let estimator: ZxcvbnFactory | null = null;

/**
 * The dictionaries (common passwords, French words and names, about 10 MB) load on the first
 * check, once per process, not at start: sign-in never needs them.
 */
function getEstimator(): ZxcvbnFactory {
  if (!estimator) {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on the first check, synchronously: sign-in never pays for them */
    const common = require("@zxcvbn-ts/language-common") as typeof import("@zxcvbn-ts/language-common");
    const fr = require("@zxcvbn-ts/language-fr") as typeof import("@zxcvbn-ts/language-fr");
    /* eslint-enable @typescript-eslint/no-require-imports */
    estimator = new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...fr.dictionary }, graphs: common.adjacencyGraphs });
  }
  return estimator;
}

/**
 * Refuses a password that is too short, too long or guessable (zxcvbn score below 3), judged
 * with the person's own email and name as extra dictionary words. Only where a password is set:
 * signing in never runs this.
 */
export function assertStrongPassword(field: string, password: unknown, userInputs: string[]): string {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new WeakPasswordError(field, "length", `use between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`, []);
  }
  // The email whole and in pieces ("nina", "example"), the name and its words.
  const inputs = [...new Set(userInputs.flatMap((s) => [s, ...s.toLowerCase().split(/[^\p{L}\p{N}]+/u)]).filter((s) => s.length >= 3))];
  const result = getEstimator().check(password, inputs);
  if (result.score >= MIN_PASSWORD_SCORE) return password;
  const reason = result.feedback.warning ?? "guessable";
  const suggestions = result.feedback.suggestions;
  const detail = [WARNINGS[reason] ?? "it would be found quickly by a guessing attack", ...suggestions.map((s) => SUGGESTIONS[s] ?? s)].join("; ");
  throw new WeakPasswordError(field, reason, detail, suggestions);
}
