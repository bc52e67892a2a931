import { parse, validate, type GraphQLSchema } from "graphql";
import { buildSchema } from "../../src/schema";
import { renderExplorer } from "../../src/web/explorer";
import { TOUR } from "../../src/web/tour";

/* The explorer's saved operations (the README's tour) stay valid against the schema. */

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildSchema();
});

test.each(TOUR.map((op) => [op.title, op.query] as const))("the tour's %s tab is a valid operation", (_title, query) => {
  expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
});

test("the page carries every tab, subscriptions over graphql-ws, and the token field", () => {
  const { html, csp } = renderExplorer();
  for (const op of TOUR) expect(html).toContain(JSON.stringify(op.query).slice(1, 40));
  expect(html).toContain('"subscriptionsProtocol":"WS"');
  expect(html).toContain('id="scopgraph-token-input"');
  // Inline scripts run by their hashes only (the browser test fails on any policy violation).
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? "";
  expect(scriptSrc).toMatch(/^'self'( 'sha256-[A-Za-z0-9+/=]+')+ blob:$/);
});
