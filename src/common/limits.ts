import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import type { GraphQLError, ParseOptions, ValidationContext, ValidationRule } from "graphql";
import { MAX_PAGE_SIZE } from "./pagination";

/**
 * The limits of every operation, the same over HTTP and WebSocket (documented in the README's
 * Security section; keep both in step).
 */
export const LIMITS = {
  depth: 12,
  aliases: 15,
  directives: 10,
  tokens: 3000,
  cost: 20_000,
  pageSize: MAX_PAGE_SIZE,
  bodyBytes: 256 * 1024,
  frameBytes: 256 * 1024,
  subscriptionsPerSocket: 50,
  connectionInitTimeoutMs: 5_000,
} as const;

export const PARSE_OPTIONS: ParseOptions = { maxTokens: LIMITS.tokens };

/**
 * Validation rules added to GraphQL's own; errors carry code GRAPHQL_VALIDATION_FAILED. The cost
 * limit needs the variables (page sizes), so it runs after validation: see cost.ts.
 */
export function limitRules(): ValidationRule[] {
  // Report through the validation context, like GraphQL's own rules: a 400 over HTTP and an
  // error for that operation alone over WebSocket (the default would throw).
  const common = {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  // Each of these keeps a fragment's count by name and adds it at every spread: linear in the
  // document, however far its fragments expand (test/security/dos.test.ts sends 2^40 of them).
  return [
    maxDepthRule({ n: LIMITS.depth, ignoreIntrospection: true, flattenFragments: true, ...common }),
    maxAliasesRule({ n: LIMITS.aliases, ...common }),
    maxDirectivesRule({ n: LIMITS.directives, ...common }),
  ] as ValidationRule[];
}
