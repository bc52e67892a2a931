import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, parse } from "graphql";
import { CostCache, CostLimitError, operationCost } from "../../src/common/cost";

/* The cost of a known operation, kept per document and page sizes: always operationCost's. */

const schema = buildSchema(readFileSync(path.join(__dirname, "../../schema/schema.graphql"), "utf8"));

const DIRECTORY = parse(`query Directory($first: Int, $after: String) {
  cooperatives(first: $first, after: $after) { edges { cursor node { name skills { code label level } } } }
}`);

test.each([
  ["no variables", {}],
  ["a page size", { first: 5 }],
  ["the largest page", { first: 100 }],
  ["a page size and a cursor", { first: 50, after: "abc" }],
  ["null", { first: null }],
  ["a page size that is not a number", { first: "ten" }],
])("with %s, the cached cost is operationCost's", (_label, variables) => {
  const costs = new CostCache(schema);
  expect(costs.cost(DIRECTORY, "Directory", variables)).toBe(operationCost(schema, DIRECTORY, "Directory", variables));
  // Asked again (from the cache), the same.
  expect(costs.cost(DIRECTORY, "Directory", variables)).toBe(operationCost(schema, DIRECTORY, "Directory", variables));
});

test("a change of page size is priced anew; a change of cursor is not a change of price", () => {
  const costs = new CostCache(schema);
  const small = costs.cost(DIRECTORY, "Directory", { first: 5, after: "a" });
  const large = costs.cost(DIRECTORY, "Directory", { first: 100, after: "a" });
  expect(large).toBeGreaterThan(small);
  expect(costs.cost(DIRECTORY, "Directory", { first: 5, after: "b" })).toBe(small);
  expect(costs.cost(DIRECTORY, "Directory", { first: 100 })).toBe(large);
});

test("each operation of a document has its own price", () => {
  const document = parse(`query A { cooperatives(first: 3) { edges { node { name } } } }
    query B { cooperatives(first: 90) { edges { node { name skills { code } } } } }`);
  const costs = new CostCache(schema);
  expect(costs.cost(document, "A", {})).toBe(operationCost(schema, document, "A", {}));
  expect(costs.cost(document, "B", {})).toBe(operationCost(schema, document, "B", {}));
  expect(costs.cost(document, "A", {})).not.toBe(costs.cost(document, "B", {}));
});

test("assert refuses past the limit, from the cache too", () => {
  const costs = new CostCache(schema);
  const cost = costs.cost(DIRECTORY, "Directory", { first: 100 });
  expect(() => costs.assert(DIRECTORY, "Directory", { first: 100 }, cost - 1)).toThrow(CostLimitError);
  expect(() => costs.assert(DIRECTORY, "Directory", { first: 100 }, cost)).not.toThrow();
});
