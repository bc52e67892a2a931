import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, validate } from "graphql";
import { buildSchema } from "../../src/schema";

/** The README's examples are what a newcomer pastes first: they must stay valid. */
test("every GraphQL example in the README validates against the schema", async () => {
  const schema = await buildSchema();
  const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  for (const block of blocks) expect(validate(schema, parse(block)).map((e) => e.message)).toEqual([]);
});
