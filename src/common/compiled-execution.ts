import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import { execute, getVariableValues, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from "graphql";
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
 * run twice, so the HTTP plugin's "retry with graphql-js on any error" is not open to it; instead
 * the variables are coerced by graphql-js first and any refusal there (the only errors before a
 * resolver runs) is answered by graphql-js itself, word for word. Errors of the resolvers are
 * located and carried the same way by both (message, path, locations, original error).
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
    const { schema, document, operationName, variableValues, contextValue, rootValue } = args;
    const operation = eligible.get(document, operationName);
    const compiled = operation && queries.get(document, operationName);
    if (!operation || !compiled) return execute(args);
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {}, { maxErrors: 50 });
    if (coerced.errors) return execute(args);
    return compiled.query(rootValue, contextValue, variableValues ?? {});
  };
}
