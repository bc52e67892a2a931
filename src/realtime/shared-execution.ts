import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  subscribe,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type SelectionSetNode,
} from "graphql";

/**
 * A subscription field whose source yields the same event objects to every subscriber of the
 * process (one feed per bid) and whose resolver returns the event unchanged (its arguments choose
 * the stream, not what an event looks like); and the fields of the event's type that depend on
 * the event alone: no arguments, no sub-selection, no context, no viewer.
 */
export interface SharedSubscription {
  field: string;
  pureFields: ReadonlySet<string>;
}

/** How one operation can share its per-event results, or null when it cannot. */
interface Plan {
  /** Tells documents apart in the per-event cache. */
  id: number;
  /** Variables the selection below the root field reads (directives): part of the key. */
  variables: string[];
}

type MaybePromise<T> = T | Promise<T>;

/**
 * graphql-ws's `subscribe`, sharing work across subscribers: graphql-js executes the selection
 * once per event and per subscriber, which for fifty co-editors of one bid meant fifty identical
 * executions per keystroke. When the operation selects only pure fields of a shared
 * subscription's events, the first subscriber's execution is kept on the event (weakly: it goes
 * with the event) and the others, with the same document and the same relevant variables,
 * receive that result. Anything else runs as graphql-js runs it.
 */
export function sharedSubscribe(shared: readonly SharedSubscription[]): (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  const plans = new WeakMap<DocumentNode, Map<string, Plan | null>>();
  const results = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();
  let nextId = 1;

  const planOf = (args: ExecutionArgs): Plan | null => {
    const key = args.operationName ?? "";
    let byName = plans.get(args.document);
    if (!byName) {
      byName = new Map();
      plans.set(args.document, byName);
    }
    if (!byName.has(key)) {
      const variables = analyse(args.document, args.operationName, shared);
      byName.set(key, variables ? { id: nextId++, variables } : null);
    }
    return byName.get(key) ?? null;
  };

  return async (args) => {
    const plan = planOf(args);
    if (!plan) return subscribe(args);
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const values = args.variableValues ?? {};
    const key = `${plan.id}:${JSON.stringify(plan.variables.map((name) => values[name] ?? null))}`;
    return mapEach(source[Symbol.asyncIterator](), (event) => {
      if (typeof event !== "object" || event === null) return execute({ ...args, rootValue: event });
      let perEvent = results.get(event);
      if (!perEvent) {
        perEvent = new Map();
        results.set(event, perEvent);
      }
      let result = perEvent.get(key);
      if (!result) {
        result = execute({ ...args, rootValue: event });
        perEvent.set(key, result);
      }
      return result;
    });
  };
}

/**
 * Each event's result, as a thin iterator: one `then` per event and subscriber (bus.ts's
 * mapIterator, an async function, cost several promises each).
 * `return` reaches the source at once, so that an unsubscription never waits for an event.
 */
function mapEach(source: AsyncIterator<unknown>, fn: (event: unknown) => MaybePromise<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const step = (item: IteratorResult<unknown>): MaybePromise<IteratorResult<ExecutionResult>> => {
    if (item.done) return { value: undefined, done: true };
    const result = fn(item.value);
    return result instanceof Promise ? result.then((value) => ({ value, done: false })) : { value: result, done: false };
  };
  return {
    next: () => source.next().then(step),
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return Symbol.asyncIterator in value;
}

/**
 * The variables the root field's selection reads, when the operation is a subscription to a
 * shared field selecting only its pure fields; null otherwise.
 */
function analyse(document: DocumentNode, operationName: string | null | undefined, shared: readonly SharedSubscription[]): string[] | null {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== "subscription") return null;
  const [root, ...rest] = operation.selectionSet.selections;
  if (!root || rest.length || root.kind !== Kind.FIELD || !root.selectionSet) return null;
  const rule = shared.find((s) => s.field === root.name.value);
  if (!rule) return null;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const variables = new Set<string>();
  const readVariables = (directives: readonly DirectiveNode[] | undefined) =>
    directives?.forEach((directive) => visit(directive, { Variable: (node) => void variables.add(node.name.value) }));
  readVariables(root.directives);
  const seen = new Set<string>();
  const pure = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      readVariables(selection.directives);
      switch (selection.kind) {
        case Kind.FIELD:
          return (
            (selection.name.value === "__typename" || rule.pureFields.has(selection.name.value)) &&
            !selection.selectionSet &&
            !selection.arguments?.length
          );
        case Kind.INLINE_FRAGMENT:
          return pure(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          if (!fragment) return false;
          if (seen.has(fragment.name.value)) return true;
          seen.add(fragment.name.value);
          readVariables(fragment.directives);
          return pure(fragment.selectionSet);
        }
      }
    });
  return pure(root.selectionSet) ? [...variables].sort() : null;
}
