import { parse } from "graphql";
import { measureCost } from "../../src/common/cost";
import { buildSchema } from "../../src/schema";

/* `last` pages a conversation backwards: it sizes the page for the cost model exactly like `first`. */

const messages = (args: string) => `query($id: ID!) { node(id: $id) { ... on Conversation { messages(${args}) { edges { node { id body } } } } } }`;

test.each([
  ["last: 100", "first: 100"],
  ["last: 5", "first: 5"],
  ["last: $n", "first: $n"],
])("messages(%s) costs what messages(%s) costs", async (backwards, forwards) => {
  const schema = await buildSchema();
  const cost = (args: string) => measureCost(schema, parse(messages(args).replace("$id: ID!", "$id: ID!, $n: Int")), null, { n: 50 }).cost;
  expect(cost(backwards)).toBe(cost(forwards));
  expect(cost(backwards)).toBeGreaterThan(cost("last: 1"));
});
