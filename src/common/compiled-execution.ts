import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import { execute, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { OperationFacts } from "./document-cache";

/**
 * Queries compiled once per document and operation with graphql-jit: the same resolvers, the
 * same schema (argument guards, type-graphql's authorization and middlewares), called by
 * generated code instead of graphql-js's interpreter, which walked the selection set of every
 * object of a page on every request (bench/read: a third of the server's time).
 *
 * Keyed by the DocumentNode object: Apollo's document store (HTTP) and DocumentCache
 * (WebSocket) hand out the same object for the same query text.
 */
export class CompiledQueries {
  private readonly compiled: OperationFacts<CompiledQuery | null>;

  constructor(schema: GraphQLSchema) {
    this.compiled = new OperationFacts((_operation, document, operationName) => {
      try {
        const result = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
        return isCompiledQuery(result) ? result : null;
      } catch {
        return null;
      }
    });
  }

  /** The compiled operation, or null when graphql-jit cannot compile it (graphql-js runs it). */
  get(document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null {
    return this.compiled.get(document, operationName);
  }
}

/**
 * Runs queries (not mutations, not subscriptions) through their compiled form. Only a clean
 * answer is sent from here: when the compiled run reports any error, the plugin steps aside and
 * Apollo executes the query with graphql-js as before, so every error — its message, code, path,
 * formatting and HTTP status — is exactly what it was. A query reads only, so running it again
 * changes nothing but the time of that (failed) request.
 */
export function compiledExecutionPlugin<TContext extends object>(queries: CompiledQueries): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, operationName, request, contextValue }) {
          // Apollo calls this hook even when the operation name resolved to nothing (typed as
          // present): graphql-js then answers OPERATION_RESOLUTION_FAILURE as usual.
          const resolved = operation as typeof operation | undefined;
          if (resolved?.operation !== "query") return null;
          const compiled = queries.get(document, operationName);
          if (!compiled) return null;
          const result = await compiled.query(undefined, contextValue, request.variables ?? {});
          if (result.errors?.length || result.data === undefined || result.data === null) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: "single", singleResult: { data: result.data } } };
        },
      };
    },
  };
}

/**
 * Runs the given mutations (the few an editor sends on every keystroke or cursor move) through
 * their compiled form over a WebSocket, and everything else with graphql-js. A mutation cannot be
 * run twice, so the HTTP plugin's "retry with graphql-js on any error" is not open to it. The
 * variables are coerced once, by the compiled form: graphql-jit answers a refusal there without
 * `data`, before any resolver runs, and graphql-js then answers the same request itself, so the
 * refusal reads word for word as it always did (coercing with both on every keystroke cost 4 % of
 * the server's time under live typing). Errors of the resolvers are located and carried the same
 * way by both (message, path, locations, original error).
 */
export function compiledMutations(queries: CompiledQueries, fields: ReadonlySet<string>): (args: ExecutionArgs) => Promise<ExecutionResult> | ExecutionResult {
  // Per document and operation name: the operation when it may run compiled, else null.
  const eligible = new OperationFacts((operation, document, operationName) =>
    operation?.operation === "mutation" &&
    operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && fields.has(s.name.value)) &&
    queries.get(document, operationName) !== null
      ? operation
      : null,
  );
  return (args) => {
    const { document, operationName, variableValues, contextValue, rootValue } = args;
    const compiled = eligible.get(document, operationName) && queries.get(document, operationName);
    if (!compiled) return execute(args);
    const result = compiled.query(rootValue, contextValue, variableValues ?? {});
    if (isThenable(result)) return Promise.resolve(result).then((r) => (refusedVariables(r) ? execute(args) : r));
    return refusedVariables(result) ? execute(args) : result;
  };
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === "function";
}

/** graphql-jit's answer to variables it could not coerce: errors and no `data` (nothing ran). */
function refusedVariables(result: ExecutionResult): boolean {
  return !("data" in result);
}
