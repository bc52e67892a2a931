import { execute, GraphQLError, GraphQLInputObjectType, GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from "graphql";
import { CompiledQueries, compiledMutations } from "../../src/common/compiled-execution";

/**
 * compiledMutations (over a WebSocket, an editor's keystrokes): the listed mutations run through
 * graphql-jit, anything else with graphql-js, and every refusal reads as graphql-js writes it.
 */

/** Which executor ran each resolver: graphql-js's frames are on the stack of its resolvers. */
const ranBy: string[] = [];
function executor(): string {
  return new Error().stack?.includes("graphql/execution/execute.js") ? "graphql-js" : "compiled";
}

const BumpInput = new GraphQLInputObjectType({
  name: "BumpInput",
  fields: { by: { type: new GraphQLNonNull(GraphQLInt) }, note: { type: GraphQLString } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
  mutation: new GraphQLObjectType({
    name: "Mutation",
    fields: {
      bump: {
        type: new GraphQLNonNull(new GraphQLObjectType({ name: "Bumped", fields: { total: { type: GraphQLInt }, note: { type: GraphQLString } } })),
        args: { input: { type: new GraphQLNonNull(BumpInput) } },
        resolve: (_root, { input }: { input: { by: number; note?: string } }) => {
          ranBy.push(executor());
          if (input.by < 0) throw new GraphQLError("by must be positive", { extensions: { code: "BAD_USER_INPUT", field: "input.by" } });
          return { total: 10 + input.by, note: input.note ?? null };
        },
      },
      other: { type: GraphQLInt, resolve: () => (ranBy.push(executor()), 2) },
    },
  }),
});

const run = compiledMutations(new CompiledQueries(schema), new Set(["bump"]));
const BUMP = parse("mutation Bump($input: BumpInput!) { bump(input: $input) { total note } }");

beforeEach(() => {
  ranBy.length = 0;
});

test("a listed mutation runs compiled and answers what graphql-js answers", async () => {
  const variableValues = { input: { by: 5, note: "n" } };
  const compiled = await run({ schema, document: BUMP, variableValues });
  expect(ranBy).toEqual(["compiled"]);
  expect(compiled).toEqual(await execute({ schema, document: BUMP, variableValues }));
  expect(compiled).toEqual({ data: { bump: { total: 15, note: "n" } } });
});

test("a mutation not listed, or one mixing a listed field with another, runs with graphql-js", async () => {
  await run({ schema, document: parse("mutation { other }") });
  await run({ schema, document: parse("mutation { other bump(input: { by: 1 }) { total } }") });
  expect(ranBy).toEqual(["graphql-js", "graphql-js", "graphql-js"]);
});

test("variables graphql-js refuses are answered by graphql-js itself, word for word, and no resolver runs", async () => {
  for (const variableValues of [{}, { input: { by: "five" } }, { input: { by: 1, extra: true } }, { input: null }]) {
    const answer = await run({ schema, document: BUMP, variableValues });
    expect(answer.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(answer)).toBe(JSON.stringify(await execute({ schema, document: BUMP, variableValues })));
  }
  expect(ranBy).toEqual([]);
});

test("an error of the resolver is located as graphql-js locates it (message, path, locations, extensions)", async () => {
  const variableValues = { input: { by: -1 } };
  const compiled = await run({ schema, document: BUMP, variableValues });
  const interpreted = await execute({ schema, document: BUMP, variableValues });
  expect(ranBy).toEqual(["compiled", "graphql-js"]);
  expect(compiled.data).toBeNull();
  expect(compiled.errors?.map((e) => e.toJSON())).toEqual(interpreted.errors?.map((e) => e.toJSON()));
  expect(compiled.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.by" });
});
