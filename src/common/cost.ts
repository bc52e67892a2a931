import {
  getNamedType,
  getNullableType,
  isListType,
  isCompositeType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { AppError } from "./errors";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./pagination";

/** A list without a page argument (skills, lots) is counted as this many items. */
export const UNBOUNDED_LIST_SIZE = 10;

/**
 * The cost of an operation with its variables: each object 2, each scalar 1, and a list field
 * multiplies what it selects by its page size (`first`, default 20) or by 10 when it has none.
 * A list directly under a paged field (a connection's `edges`) is the page itself.
 * Runs after validation, where variables are known, so `first: $n` counts for what it is.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return 0;
  const root = operation.operation === "query" ? schema.getQueryType() : operation.operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const vars = variables ?? {};

  const pageSizeOf = (node: FieldNode, field: GraphQLField<unknown, unknown>): number | null => {
    const arg = node.arguments?.find((a) => a.name.value === "first");
    if (arg) {
      const value = valueFromASTUntyped(arg.value, vars);
      // A larger page is refused by the field itself, with a clearer message than the cost's.
      return typeof value === "number" && value > 0 ? Math.min(value, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    }
    return field.args.some((a) => a.name === "first") ? DEFAULT_PAGE_SIZE : null;
  };

  /** `inPage`: directly under a paged field, whose `first` already counts the list (edges). */
  const visit = (set: SelectionSetNode, type: GraphQLCompositeType, seen: Set<string>, inPage = false): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith("__")) continue;
        const fields = "getFields" in type ? type.getFields() : {};
        const field = (fields as Record<string, GraphQLField<unknown, unknown>>)[name];
        if (!field) continue;
        const named = getNamedType(field.type);
        if (!selection.selectionSet || !isCompositeType(named)) {
          cost += 1;
          continue;
        }
        const page = pageSizeOf(selection, field);
        const inner = 2 + visit(selection.selectionSet, named, seen, page !== null);
        const list = isListType(getNullableType(field.type));
        cost += inner * (page ?? (list && !inPage ? UNBOUNDED_LIST_SIZE : 1));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        cost += visit(selection.selectionSet, on && isCompositeType(on) ? on : type, seen, inPage);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const on = schema.getType(fragment.typeCondition.name.value);
        const next = new Set(seen).add(fragment.name.value);
        cost += visit(fragment.selectionSet, on && isCompositeType(on) ? on : type, next, inPage);
      }
    }
    return cost;
  };
  return visit(operation.selectionSet, root, new Set());
}

export class CostLimitError extends AppError {
  constructor(cost: number, max: number) {
    super("BAD_USER_INPUT", `Operation cost ${cost} exceeds the limit of ${max}; ask for smaller pages.`, {
      field: "query",
      cost,
      maxCost: max,
      http: { status: 400 },
    });
  }
}

export function assertCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  max: number,
): void {
  const cost = operationCost(schema, document, operationName, variables);
  if (cost > max) throw new CostLimitError(cost, max);
}
