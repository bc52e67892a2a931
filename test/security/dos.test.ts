import { isObjectType, Kind, parse, validate, visit, type DocumentNode, type GraphQLSchema } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import { PlatformRole } from "../../src/auth/roles";
import { measureCost, operationCost } from "../../src/common/cost";
import { LIMITS } from "../../src/common/limits";
import { buildSchema } from "../../src/schema";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * Denial of service within the limits: documents small enough to pass every syntactic limit
 * that cost the server far more than their size says. Each is priced at what it would execute,
 * and refused with the cost error before it runs.
 */

interface Failure {
  message: string;
  extensions?: Record<string, unknown>;
}

let schema: GraphQLSchema;
let server: TestServer;
let user: TestUser;
let socket: WsClient;
beforeAll(async () => {
  schema = await buildSchema();
  server = await startTestServer();
  user = await createUser(server, PlatformRole.MEMBER);
  socket = server.ws(user.token);
});
afterAll(async () => {
  await server.close();
});

/** Over HTTP, anonymous: the cost rule runs before any authorization. */
/** Over HTTP, asking for the GraphQL-over-HTTP media type: a refused operation is a 400 there. */
async function overHttp(query: string, variables?: Record<string, unknown>): Promise<{ status: number; errors: Failure[] }> {
  const result = await server.raw(JSON.stringify(variables ? { query, variables } : { query }), {
    "content-type": "application/json",
    accept: "application/graphql-response+json",
  });
  return { status: result.status, errors: (result.body as { errors?: Failure[] }).errors ?? [] };
}

/** Over a signed-in socket: the errors of the operation, or none when it ran. */
function overWs(query: string, variables?: Record<string, unknown>): Promise<Failure[]> {
  return new Promise((resolve, reject) => {
    let errors: Failure[] = [];
    socket.subscribe(
      { query, variables },
      {
        next: (value) => {
          errors = [...((value.errors as Failure[] | undefined) ?? [])];
        },
        error: (error) => (Array.isArray(error) ? resolve(error as Failure[]) : reject(error instanceof Error ? error : new Error(String(error)))),
        complete: () => resolve(errors),
      },
    );
  });
}

/** A document of these tests, checked valid first, so that a typo cannot make it cheap. */
function valid(query: string): DocumentNode {
  const document = parse(query);
  expect(validate(schema, document).map((e) => e.message)).toEqual([]);
  return document;
}

function declaredCost(type: string, field: string): number {
  const found = schema.getType(type);
  const units = isObjectType(found) ? found.getFields()[field]?.extensions.cost : undefined;
  if (typeof units !== "number") throw new Error(`${type}.${field} declares no cost`);
  return units;
}

describe("fragments that spread the next one twice", () => {
  const LEVELS = 40;
  /** F0 spreads F1 twice, F1 spreads F2 twice...: 2^40 `id`s once expanded, in under 2 KB. */
  const doubling = [
    "query Doubling { tenders(first: 1) { edges { node { ...F0 } } } }",
    ...Array.from({ length: LEVELS }, (_, i) => `fragment F${i} on Tender { ...F${i + 1} ...F${i + 1} }`),
    `fragment F${LEVELS} on Tender { id }`,
  ].join("\n");
  // tenders (2) + edges (2) + node (2) + the expanded ids (2^40).
  const expanded = 2 ** LEVELS + 6;

  test("are priced at their expanded size, walking each selection of the document once; each spread counts", () => {
    const document = valid(doubling);
    let selections = 0;
    visit(document, {
      [Kind.FIELD]: () => void (selections += 1),
      [Kind.FRAGMENT_SPREAD]: () => void (selections += 1),
      [Kind.INLINE_FRAGMENT]: () => void (selections += 1),
    });
    const report = measureCost(schema, document, null, {});
    expect(report.cost).toBe(expanded);
    expect(report.visits).toBe(selections);
    expect(selections).toBe(4 + 2 * LEVELS + 1);
    // Memoised, a fragment still costs what it selects at each of its spreads.
    const once = "query { tenders(first: 3) { edges { node { ...T } } } } fragment T on Tender { id title lots { title } }";
    const inline = "query { tenders(first: 3) { edges { node { id title lots { title } } } } }";
    const twice =
      "query { a: tenders(first: 3) { edges { node { ...T } } } b: tenders(first: 3) { edges { node { ...T } } } } fragment T on Tender { id title lots { title } }";
    expect(operationCost(schema, valid(once), null, {})).toBe(operationCost(schema, valid(inline), null, {}));
    expect(operationCost(schema, valid(twice), null, {})).toBe(2 * operationCost(schema, valid(inline), null, {}));
  });

  test("are refused over HTTP, anonymous, with the cost error and the expanded size", async () => {
    expect(Buffer.byteLength(doubling)).toBeLessThan(2048);
    const { status, errors } = await overHttp(doubling);
    expect(status).toBe(400);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "query", cost: expanded, maxCost: LIMITS.cost });
    expect(errors[0]?.message).toMatch(/cost/);
  });

  test("are refused over WebSocket the same way, and the socket keeps working", async () => {
    const errors = await overWs(doubling);
    expect(errors[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "query", cost: expanded, maxCost: LIMITS.cost });
    expect(await overWs("query { viewer { email } }")).toEqual([]);
  });
});

describe("a variable's default value counts like a value sent", () => {
  const costly = `query Costly($n: Int = 100) { ${[1, 2, 3, 4, 5]
    .map(
      (i) =>
        `c${i}: cooperatives(first: $n) { edges { node { name skills { code label level } members { role user { name email } } references { title year client } } } }`,
    )
    .join(" ")} }`;

  test("the default page size prices the operation", () => {
    const document = valid(costly);
    const sent = operationCost(schema, document, null, { n: 100 });
    expect(sent).toBeGreaterThan(LIMITS.cost);
    expect(operationCost(schema, document, null, {})).toBe(sent);
    expect(operationCost(schema, document, "Costly", null)).toBe(sent);
    // An explicit null is null, not the default: the field's own default page (20) counts.
    expect(operationCost(schema, document, null, { n: null })).toBe(operationCost(schema, document, null, { n: 20 }));
  });

  test("over HTTP and WebSocket, the default is refused like the value sent", async () => {
    const cost = operationCost(schema, valid(costly), null, { n: 100 });
    for (const variables of [{ n: 100 }, undefined]) {
      const http = await overHttp(costly, variables);
      expect(http.status).toBe(400);
      expect(http.errors[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "query", cost, maxCost: LIMITS.cost });
      const ws = await overWs(costly, variables);
      expect(ws[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "query", cost, maxCost: LIMITS.cost });
    }
  });
});

describe("compute is priced: expensive fields carry their own cost", () => {
  const suggestions = (alias: string) => `${alias}: tenders(first: 100) { edges { node { consortiumSuggestions(first: 1) { exact } } } }`;
  const attack = `query Suggestions { ${Array.from({ length: LIMITS.aliases }, (_, i) => suggestions(`a${i}`)).join(" ")} }`;

  test("the matching, consortium, opportunities and business-volume fields declare a cost", () => {
    for (const [type, field] of [
      ["Tender", "matches"],
      ["Tender", "consortiumSuggestions"],
      ["Cooperative", "opportunities"],
      ["Cooperative", "matchScore"],
      ["Query", "businessVolume"],
      ["Mutation", "requestCompletion"],
      ["Mutation", "proposeCompletion"],
      ["BidSection", "state"],
      ["BidSection", "diff"],
      ["BidSection", "text"],
      ["Bid", "completeness"],
    ] as const) {
      expect(declaredCost(type, field)).toBeGreaterThan(0);
    }
  });

  test("aliases add the field's cost again and a list multiplies it by its page", () => {
    const units = declaredCost("Tender", "consortiumSuggestions");
    // Per tender: node (2) + edges (2) + the page's object (2) + the search + its answer (2 + exact 1).
    const perTender = 2 + 2 + 2 + units + 3;
    expect(operationCost(schema, valid(`query { ${suggestions("a")} }`), null, {})).toBe(100 * perTender);
    expect(operationCost(schema, valid(attack), null, {})).toBe(LIMITS.aliases * 100 * perTender);
    const one = operationCost(schema, valid('query { tender(id: "x") { consortiumSuggestions(first: 1) { exact } } }'), null, {});
    const two = operationCost(
      schema,
      valid('query { tender(id: "x") { a: consortiumSuggestions(first: 1) { exact } b: consortiumSuggestions(first: 1) { exact } } }'),
      null,
      {},
    );
    expect(two - one).toBe(units + 3);
  });

  test("15 aliased pages of 100 tenders' consortium suggestions are refused over HTTP and WebSocket", async () => {
    const cost = operationCost(schema, valid(attack), null, {});
    expect(cost).toBeGreaterThan(50 * LIMITS.cost);
    const http = await overHttp(attack);
    expect(http.status).toBe(400);
    expect(http.errors[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "query", cost, maxCost: LIMITS.cost });
    const ws = await overWs(attack);
    expect(ws[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "query", cost, maxCost: LIMITS.cost });
  });

  test("one tender's suggestions and a dashboard of ten tenders' matches pay for their compute, within the limit", () => {
    const single =
      'query { tender(id: "x") { consortiumSuggestions(first: 20) { exact notes uncoveredLots { id title } suggestions { rank score memberCount totalDistanceKm explanation members { role distanceKm cooperative { id name city } lots { id number title } } } } } }';
    const singleCost = operationCost(schema, valid(single), null, {});
    expect(singleCost).toBeGreaterThan(declaredCost("Tender", "consortiumSuggestions"));
    expect(singleCost).toBeLessThan(LIMITS.cost);
    const dashboard =
      "query { tenders(first: 10) { edges { node { id title matches(first: 5) { edges { node { rank score cooperative { id name } } } } } } } }";
    const dashboardCost = operationCost(schema, valid(dashboard), null, {});
    expect(dashboardCost).toBeGreaterThan(10 * declaredCost("Tender", "matches"));
    expect(dashboardCost).toBeLessThan(LIMITS.cost);
  });
});
