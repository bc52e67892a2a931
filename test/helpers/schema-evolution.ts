import { CriticalityLevel, diff, type Change } from "@graphql-inspector/core";
import { buildSchema, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from "graphql";

/**
 * The schema evolution policy (CHANGELOG.md's header), as a check: the emitted schema against
 * the last released one. A breaking change passes only when the changelog's "Unreleased" section
 * records it: its path (`Query.bid`, `Bid.total`, `Tender.outcome`) in backticks on a line of the
 * "### Breaking" list. A field is removed only once deprecated, with a date, at least
 * `DEPRECATION_DAYS` before.
 */
export const DEPRECATION_DAYS = 90;
const DATE = /\b(\d{4}-\d{2}-\d{2})\b/;

export interface EvolutionReport {
  breaking: Change[];
  dangerous: Change[];
  /** Breaking changes the changelog does not record, with the message to show. */
  unrecorded: string[];
  /** Fields removed without a dated deprecation old enough. */
  removedTooEarly: string[];
  /** Deprecations in the current schema whose reason has no date. */
  undatedDeprecations: string[];
}

/** The backticked paths of the "### Breaking" list of the changelog's "## Unreleased" section. */
export function recordedBreakingPaths(changelog: string): Set<string> {
  const unreleased = /^## +Unreleased\b[^\n]*\n([\s\S]*?)(?=^## +[^#]|(?![\s\S]))/m.exec(changelog)?.[1] ?? "";
  const breaking = /^### +Breaking\b[^\n]*\n([\s\S]*?)(?=^#{2,3} +[^#]|(?![\s\S]))/m.exec(unreleased)?.[1] ?? "";
  const paths = new Set<string>();
  for (const line of breaking.split("\n")) {
    if (!/^\s*[-*] /.test(line)) continue;
    for (const match of line.matchAll(/`([^`]+)`/g)) if (match[1]) paths.add(match[1].trim());
  }
  return paths;
}

/** The date in a deprecation reason ("Since 2026-12-06 …"), or null. */
function deprecationDate(reason: string | null | undefined): string | null {
  return reason ? (DATE.exec(reason)?.[1] ?? null) : null;
}

function fieldDeprecation(schema: GraphQLSchema, typeName: string, fieldName: string): string | null {
  const type = schema.getType(typeName);
  if (!isObjectType(type) && !isInterfaceType(type) && !isInputObjectType(type)) return null;
  return type.getFields()[fieldName]?.deprecationReason ?? null;
}

function undated(schema: GraphQLSchema): string[] {
  const found: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      const fields: { name: string; deprecationReason?: string | null }[] = Object.values(type.getFields());
      for (const field of fields) {
        if (field.deprecationReason && !deprecationDate(field.deprecationReason)) found.push(`${type.name}.${field.name}`);
      }
    }
  }
  return found;
}

export async function checkSchemaEvolution(releasedSdl: string, currentSdl: string, changelog: string, today = new Date()): Promise<EvolutionReport> {
  const released = buildSchema(releasedSdl);
  const current = buildSchema(currentSdl);
  const changes = await diff(released, current);
  const recorded = recordedBreakingPaths(changelog);
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const unrecorded = breaking
    .filter((c) => !c.path || !recorded.has(c.path))
    .map((c) => `${c.path ?? "(schema)"}: ${c.message} (record \`${c.path ?? ""}\` under "### Breaking" in CHANGELOG.md's Unreleased section)`);
  const removedTooEarly: string[] = [];
  for (const change of changes) {
    if (change.type !== "FIELD_REMOVED") continue;
    const meta = change.meta as { typeName: string; removedFieldName: string };
    const since = deprecationDate(fieldDeprecation(released, meta.typeName, meta.removedFieldName));
    const days = since ? (today.getTime() - Date.parse(since)) / 86_400_000 : -1;
    if (days < DEPRECATION_DAYS) {
      removedTooEarly.push(
        `${meta.typeName}.${meta.removedFieldName}: ${since ? `deprecated on ${since}, removable from ${DEPRECATION_DAYS} days after` : "removed without a dated deprecation in the released schema"}`,
      );
    }
  }
  return {
    breaking,
    dangerous: changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous),
    unrecorded,
    removedTooEarly,
    undatedDeprecations: undated(current),
  };
}
