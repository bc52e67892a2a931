import {
  getNamedType,
  getNullableType,
  isListType,
  isCompositeType,
  Kind,
  valueFromASTUntyped,
  visit as visitAst,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { Extensions } from "type-graphql";
import { AppError } from "./errors";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./pagination";

/** A list without a page argument (skills, lots) is counted as this many items. */
export const UNBOUNDED_LIST_SIZE = 10;

/**
 * The compute a field's resolver does beyond the objects it returns (scoring, a search, a
 * document load), in cost units, added each time the field runs: aliases add it again and a
 * list above multiplies it. Read back from the schema as `field.extensions.cost`.
 */
export function Cost(units: number): MethodDecorator & PropertyDecorator {
  return Extensions({ cost: units });
}

function ownCost(field: GraphQLField<unknown, unknown>): number {
  const units = field.extensions?.cost;
  return typeof units === "number" && units > 0 ? units : 0;
}

export interface CostReport {
  /** The cost of the operation as it would execute: each fragment counted at every spread. */
  cost: number;
  /** Selections walked to compute it: linear in the document, whatever its fragments expand to. */
  visits: number;
}

/**
 * The variables the operation runs with: those sent, and the defaults of the others (a default
 * page size counts like a sent one).
 */
function effectiveVariables(operation: OperationDefinitionNode, sent: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (Object.prototype.hasOwnProperty.call(sent, name)) values[name] = sent[name];
    else if (definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return values;
}

/**
 * The cost of an operation with its variables: each object 2, each scalar 1, and a list field
 * multiplies what it selects by its page size (`first`, default 20) or by 10 when it has none.
 * A list directly under a paged field (a connection's `edges`) is the page itself. A field
 * declared with `@Cost` adds its units each time it runs.
 *
 * A fragment counts in full at each of its spreads (what execution would do), but its cost is
 * computed once and reused, so a document whose fragments each spread the next twice is priced
 * at its expanded size in time linear in its text. Runs after validation (fragment cycles are
 * refused there), where variables are known, so `first: $n` counts for what it is.
 */
export function measureCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): CostReport {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return { cost: 0, visits: 0 };
  const root =
    operation.operation === "query" ? schema.getQueryType() : operation.operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return { cost: 0, visits: 0 };
  const fragments = new Map<string, FragmentDefinitionNode>(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const vars = effectiveVariables(operation, variables ?? {});
  let visits = 0;

  const pageSizeOf = (node: FieldNode, field: GraphQLField<unknown, unknown>): number | null => {
    // `last` pages backwards (a conversation's messages): it sizes the page like `first`.
    const arg = node.arguments?.find((a) => a.name.value === "first" || a.name.value === "last");
    if (arg) {
      const value = valueFromASTUntyped(arg.value, vars);
      // A larger page is refused by the field itself, with a clearer message than the cost's.
      return typeof value === "number" && value > 0 ? Math.min(value, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    }
    return field.args.some((a) => a.name === "first") ? DEFAULT_PAGE_SIZE : null;
  };

  /** A fragment's cost depends only on its name and `inPage`: computed once per pair. */
  const fragmentCosts = new Map<string, number>();
  const inProgress = new Set<string>();
  const fragmentCost = (fragment: FragmentDefinitionNode, fallback: GraphQLCompositeType, inPage: boolean): number => {
    const key = `${fragment.name.value}:${inPage}`;
    const known = fragmentCosts.get(key);
    if (known !== undefined) return known;
    // A cycle never reaches here from the server (validation refuses it); elsewhere it counts once.
    if (inProgress.has(key)) return 0;
    inProgress.add(key);
    const on = schema.getType(fragment.typeCondition.name.value);
    const cost = visit(fragment.selectionSet, on && isCompositeType(on) ? on : fallback, inPage);
    inProgress.delete(key);
    fragmentCosts.set(key, cost);
    return cost;
  };

  /** `inPage`: directly under a paged field, whose `first` already counts the list (edges). */
  const visit = (set: SelectionSetNode, type: GraphQLCompositeType, inPage: boolean): number => {
    let cost = 0;
    for (const selection of set.selections) {
      visits += 1;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith("__")) continue;
        const fields = "getFields" in type ? type.getFields() : {};
        const field = (fields as Record<string, GraphQLField<unknown, unknown>>)[name];
        if (!field) continue;
        const named = getNamedType(field.type);
        if (!selection.selectionSet || !isCompositeType(named)) {
          cost += 1 + ownCost(field);
          continue;
        }
        const page = pageSizeOf(selection, field);
        const inner = 2 + visit(selection.selectionSet, named, page !== null);
        const list = isListType(getNullableType(field.type));
        cost += ownCost(field) + inner * (page ?? (list && !inPage ? UNBOUNDED_LIST_SIZE : 1));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        cost += visit(selection.selectionSet, on && isCompositeType(on) ? on : type, inPage);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) cost += fragmentCost(fragment, type, inPage);
      }
    }
    return cost;
  };
  const cost = visit(operation.selectionSet, root, false);
  // Past 2^53 the count is no longer exact; it stays a number in JSON (Infinity would be null).
  return { cost: Math.min(cost, Number.MAX_SAFE_INTEGER), visits };
}

/** The cost of an operation (see measureCost). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  return measureCost(schema, document, operationName, variables).cost;
}

export class CostLimitError extends AppError {
  constructor(cost: number, max: number) {
    super("BAD_USER_INPUT", `Operation cost ${cost} exceeds the limit of ${max}; ask for smaller pages or fewer computed fields.`, {
      field: "query",
      cost,
      maxCost: max,
      http: { status: 400 },
    });
  }
}

/** Price lists kept per document; past it, that document's are dropped and computed again. */
const MAX_PRICES_PER_DOCUMENT = 64;
const MAX_KEY_CHARS = 256;

interface DocumentPrices {
  /** The variables whose values can change the cost: those inside a `first` or `last` argument. */
  pageVariables: string[];
  /** Cost by operation name and those variables' values. */
  costs: Map<string, number>;
}

/** The variable names used anywhere in the `first`/`last` arguments of a document. */
function pageVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (value: ValueNode): void => {
    if (value.kind === Kind.VARIABLE) names.add(value.name.value);
    else if (value.kind === Kind.LIST) value.values.forEach(collect);
    else if (value.kind === Kind.OBJECT) value.fields.forEach((f) => collect(f.value));
  };
  visitAst(document, {
    Argument(node) {
      if (node.name.value === "first" || node.name.value === "last") collect(node.value);
    },
  });
  return [...names].sort();
}

/**
 * operationCost, kept per document (the parsed document is the same object for the same query
 * text: Apollo's document store and DocumentCache both guarantee it) and per value of the
 * variables that size pages, so a known operation is priced once, not on every request. A
 * cursor or a filter in the variables does not change the price, and is not part of the key.
 */
export class CostCache {
  private readonly documents = new WeakMap<DocumentNode, DocumentPrices>();

  constructor(private readonly schema: GraphQLSchema) {}

  cost(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): number {
    let prices = this.documents.get(document);
    if (!prices) {
      prices = { pageVariables: pageVariablesOf(document), costs: new Map() };
      this.documents.set(document, prices);
    }
    const sent = variables ?? {};
    const key = JSON.stringify([
      operationName ?? null,
      ...prices.pageVariables.map((name) => (Object.prototype.hasOwnProperty.call(sent, name) ? (sent[name] ?? null) : "\u0000default")),
    ]);
    const known = prices.costs.get(key);
    if (known !== undefined) return known;
    const cost = operationCost(this.schema, document, operationName, variables);
    // A key that long is not a page size a screen sends: priced, not kept.
    if (key.length > MAX_KEY_CHARS) return cost;
    if (prices.costs.size >= MAX_PRICES_PER_DOCUMENT) prices.costs.clear();
    prices.costs.set(key, cost);
    return cost;
  }

  /** Throws CostLimitError when the operation, with its variables, costs more than `max`. */
  assert(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined, max: number): void {
    const cost = this.cost(document, operationName, variables);
    if (cost > max) throw new CostLimitError(cost, max);
  }
}
