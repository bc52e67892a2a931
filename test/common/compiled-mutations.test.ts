import {
  execute,
  GraphQLError,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
} from "graphql";
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
  fields: {
    by: { type: new GraphQLNonNull(GraphQLInt) },
    note: { type: GraphQLString },
    // The scalars of the live mutations' inputs (ApplySectionUpdateInput: ID!, String!, String).
    ref: { type: GraphQLID },
    tags: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
  mutation: new GraphQLObjectType({
    name: "Mutation",
    fields: {
      bump: {
        type: new GraphQLNonNull(
          new GraphQLObjectType({ name: "Bumped", fields: { total: { type: GraphQLInt }, note: { type: GraphQLString }, seen: { type: GraphQLString } } }),
        ),
        args: { input: { type: new GraphQLNonNull(BumpInput) } },
        resolve: (_root, { input }: { input: { by: number; note?: string; ref?: string; tags?: string[] } }) => {
          ranBy.push(executor());
          if (input.by < 0) throw new GraphQLError("by must be positive", { extensions: { code: "BAD_USER_INPUT", field: "input.by" } });
          // `seen`: what the resolver was given, as coerced (an ID from a number is a string, say).
          return { total: 10 + input.by, note: input.note ?? null, seen: JSON.stringify(input) };
        },
      },
      other: { type: GraphQLInt, resolve: () => (ranBy.push(executor()), 2) },
    },
  }),
});

const run = compiledMutations(new CompiledQueries(schema), new Set(["bump"]));
const BUMP = parse("mutation Bump($input: BumpInput!) { bump(input: $input) { total note } }");
const BUMP_SEEN = parse("mutation Bump($input: BumpInput!) { bump(input: $input) { total seen } }");

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

/** Variables graphql-js refuses: the compiled form coerces them first and must refuse them all too. */
const REFUSED: Record<string, unknown>[] = [
  {},
  { input: null },
  { input: "by" },
  { input: [] },
  { input: { by: "five" } },
  { input: { by: "5" } },
  { input: { by: 1.5 } },
  { input: { by: 2 ** 31 } },
  { input: { by: true } },
  { input: { by: null } },
  { input: { note: "n" } },
  { input: { by: 1, extra: true } },
  { input: { by: 1, note: 5 } },
  { input: { by: 1, note: { text: "n" } } },
  { input: { by: 1, note: ["n"] } },
  { input: { by: 1, ref: 1.5 } },
  { input: { by: 1, ref: true } },
  { input: { by: 1, ref: {} } },
  { input: { by: 1, tags: [null] } },
  { input: { by: 1, tags: [1] } },
  { input: { by: 1, tags: [["a"]] } },
];

/** Variables graphql-js accepts, some only after coercion (an ID from an integer, a lone value as a list). */
const ACCEPTED: Record<string, unknown>[] = [
  { input: { by: 1 } },
  { input: { by: -0 } },
  { input: { by: 2 ** 31 - 11, note: null } },
  { input: { by: 1, ref: 42 } },
  { input: { by: 1, ref: "UmVm" } },
  { input: { by: 1, tags: "lone" } },
  { input: { by: 1, tags: ["a", "b"], note: "é" } },
  { input: { by: 1 }, unused: true },
];

test("variables graphql-js refuses are refused before any resolver runs, and answered by graphql-js word for word", async () => {
  for (const variableValues of REFUSED) {
    const answer = await run({ schema, document: BUMP, variableValues });
    expect(answer.errors?.length).toBeGreaterThan(0);
    expect(ranBy).toEqual([]);
    expect(JSON.stringify(answer)).toBe(JSON.stringify(await execute({ schema, document: BUMP, variableValues })));
  }
});

test("variables graphql-js accepts run compiled, once, with the values graphql-js would coerce", async () => {
  for (const variableValues of ACCEPTED) {
    ranBy.length = 0;
    const answer = await run({ schema, document: BUMP_SEEN, variableValues });
    expect(ranBy).toEqual(["compiled"]);
    expect(answer).toEqual(await execute({ schema, document: BUMP_SEEN, variableValues }));
    expect(answer.errors).toBeUndefined();
  }
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
