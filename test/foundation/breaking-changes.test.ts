import { readFileSync } from "node:fs";
import path from "node:path";
import { printSdl } from "../../src/schema";
import { checkSchemaEvolution, recordedBreakingPaths } from "../helpers/schema-evolution";

/*
 * Schema evolution (CHANGELOG.md's header): the schema the code emits against the last released
 * one, schema/released.graphql. A breaking change fails unless the changelog's Unreleased section
 * lists its path under "### Breaking"; a field goes only after a dated deprecation.
 */

const root = path.resolve(__dirname, "../..");

test("the emitted schema breaks nothing the changelog does not record, against schema/released.graphql", async () => {
  const released = readFileSync(path.join(root, "schema/released.graphql"), "utf8");
  const changelog = readFileSync(path.join(root, "CHANGELOG.md"), "utf8");
  const report = await checkSchemaEvolution(released, await printSdl(), changelog);
  expect(report.unrecorded).toEqual([]);
  expect(report.removedTooEarly).toEqual([]);
  expect(report.undatedDeprecations).toEqual([]);
});

test("the changelog's header states the policy and its Unreleased section comes first", () => {
  const changelog = readFileSync(path.join(root, "CHANGELOG.md"), "utf8");
  expect(changelog).toMatch(/@deprecated/);
  expect(changelog).toMatch(/### Breaking/);
  expect(changelog.indexOf("## Unreleased")).toBeLessThan(changelog.indexOf("## 0.1.0"));
});

describe("the checker, on small schemas", () => {
  const before = `
    type Query {
      "One bid."
      bid(id: ID!): Bid!
      "Old field."
      legacy: String @deprecated(reason: "Since 2026-01-02: use bid.")
    }
    type Bid { id: ID! status: Status! }
    enum Status { DRAFT SUBMITTED }
  `;
  const changelog = (breaking: string[], section = "Unreleased") => `# Changelog

## ${section}

### Breaking

${breaking.map((p) => `- \`${p}\`: why it had to change.`).join("\n")}

### Added

- \`Query.unrelated\`: listed under Added, which records nothing breaking.

## 0.1.0 (2026-12-06)

- First release.
`;

  test("a breaking change without an entry fails, naming its path", async () => {
    const after = before.replace("bid(id: ID!): Bid!", "bid(id: ID!, version: Int!): Bid!");
    const report = await checkSchemaEvolution(before, after, changelog([]));
    expect(report.breaking.map((c) => c.path)).toEqual(["Query.bid.version"]);
    expect(report.unrecorded).toEqual([expect.stringMatching(/^Query\.bid\.version: .*CHANGELOG\.md/)]);
  });

  test("the same change recorded under Unreleased › Breaking passes", async () => {
    const after = before.replace("bid(id: ID!): Bid!", "bid(id: ID!): Bid");
    const report = await checkSchemaEvolution(before, after, changelog(["Query.bid"]));
    expect(report.breaking.map((c) => c.path)).toEqual(["Query.bid"]);
    expect(report.unrecorded).toEqual([]);
  });

  test("an entry elsewhere (a released section, another list) does not record it", async () => {
    const after = before.replace("bid(id: ID!): Bid!", "bid(id: ID!): Bid");
    expect((await checkSchemaEvolution(before, after, changelog(["Query.bid"], "0.0.9"))).unrecorded).toHaveLength(1);
    expect(recordedBreakingPaths(changelog(["Query.bid"]))).toEqual(new Set(["Query.bid"]));
  });

  test("dangerous and safe changes pass without an entry", async () => {
    const after = before
      .replace("enum Status { DRAFT SUBMITTED }", "enum Status { DRAFT SUBMITTED WON }")
      .replace("type Bid { id: ID! status: Status! }", 'type Bid { id: ID! status: Status! "New." total: Int }');
    const report = await checkSchemaEvolution(before, after, changelog([]));
    expect(report.dangerous.map((c) => c.path)).toEqual(["Status.WON"]);
    expect(report.breaking).toEqual([]);
    expect(report.unrecorded).toEqual([]);
  });

  test("a field goes only after a dated deprecation at least 90 days old, and a deprecation without a date is flagged", async () => {
    const removed = before.replace(/"Old field."\s+legacy: String @deprecated\(reason: "Since 2026-01-02: use bid."\)/, "");
    const recorded = changelog(["Query.legacy"]);
    expect((await checkSchemaEvolution(before, removed, recorded, new Date("2026-02-01"))).removedTooEarly).toEqual([
      expect.stringMatching(/^Query\.legacy: deprecated on 2026-01-02/),
    ]);
    expect((await checkSchemaEvolution(before, removed, recorded, new Date("2026-06-01"))).removedTooEarly).toEqual([]);
    const undated = before.replace("Since 2026-01-02: use bid.", "Use bid.");
    expect((await checkSchemaEvolution(before, undated, recorded)).undatedDeprecations).toEqual(["Query.legacy"]);
    const withoutDeprecation = removed.replace("type Query {", 'type Query {\n "Kept." kept: Int').replace(/\n\s*\n/g, "\n");
    const undeprecatedBefore = before.replace(' @deprecated(reason: "Since 2026-01-02: use bid.")', "");
    expect((await checkSchemaEvolution(undeprecatedBefore, withoutDeprecation, recorded)).removedTooEarly).toEqual([
      "Query.legacy: removed without a dated deprecation in the released schema",
    ]);
  });
});
