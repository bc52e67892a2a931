import { BadInputError } from "../../src/common/errors";
import { KeysetPage, allOf, withCursor, type Keyset } from "../../src/common/keyset";
import { encodeCursor } from "../../src/common/pagination";

interface Row {
  name: string;
  id: string;
}

const BY_NAME: Keyset<Row> = {
  key: [
    { sql: "c.name", kind: "string", cast: "" },
    { sql: "c.id", kind: "uuid", cast: "::uuid" },
  ],
  direction: "ASC",
  keyOf: (row) => [row.name, row.id],
};
const ID = "0b9f6c1e-4f7a-4c39-9d7e-1f0e2a3b4c5d";
const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ name: `n${i}`, id: ID }));

describe("KeysetPage", () => {
  test("the first page has no condition, and reads one row more than it answers", () => {
    const page = new KeysetPage(BY_NAME, { first: 2 });
    expect(page.condition()).toBeNull();
    expect(page.orderBy()).toEqual({ sql: "c.name ASC, c.id ASC", params: [] });
    expect(page.limit).toBe(3);
    const connection = page.connection(rows(3), 7);
    expect(connection.edges.map((e) => e.node.name)).toEqual(["n0", "n1"]);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, endCursor: encodeCursor(["n1", ID]) });
    expect(connection.totalCount).toBe(7);
  });

  test("after a cursor: (a, b) > (?, ?) for an ascending key, < for a descending one", () => {
    const after = encodeCursor(["Atelier", ID]);
    expect(new KeysetPage(BY_NAME, { after }).condition()).toEqual({ sql: "(c.name, c.id) > (?, ?::uuid)", params: ["Atelier", ID] });
    const desc = new KeysetPage({ ...BY_NAME, direction: "DESC" }, { after });
    expect(desc.condition()?.sql).toBe("(c.name, c.id) < (?, ?::uuid)");
    expect(desc.connection(rows(1), 1).pageInfo.hasPreviousPage).toBe(true);
  });

  test("a key with parameters repeats them wherever it is written", () => {
    const near: Keyset<Row> = { ...BY_NAME, key: [{ sql: "dist(?, ?)", kind: "string", cast: "" }, BY_NAME.key[1]!], keyParams: [1, 2] };
    const page = new KeysetPage(near, { after: encodeCursor(["x", ID]) });
    expect(page.condition()).toEqual({ sql: "(dist(?, ?), c.id) > (?, ?::uuid)", params: [1, 2, "x", ID] });
    expect(page.orderBy()).toEqual({ sql: "dist(?, ?) ASC, c.id ASC", params: [1, 2] });
  });

  test("last/before read backwards and answer in the list's order", () => {
    const page = new KeysetPage(BY_NAME, { last: 2, before: encodeCursor(["n9", ID]) });
    expect(page.backward).toBe(true);
    expect(page.condition()?.sql).toBe("(c.name, c.id) < (?, ?::uuid)");
    expect(page.orderBy().sql).toBe("c.name DESC, c.id DESC");
    const connection = page.connection(
      [
        { name: "n8", id: ID },
        { name: "n7", id: ID },
        { name: "n6", id: ID },
      ],
      10,
    );
    expect(connection.edges.map((e) => e.node.name)).toEqual(["n7", "n8"]);
    expect(connection.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    expect(new KeysetPage(BY_NAME, {}, { defaultBackward: true }).backward).toBe(true);
  });

  test.each([
    ["a NUL byte in a text part", ["a\u0000b", ID]],
    ["a part of the wrong kind", [12, ID]],
    ["a malformed uuid", ["a", "not-a-uuid"]],
    ["too few parts", ["a"]],
  ])("%s is BAD_USER_INPUT on `after`", (_what, key) => {
    const page = new KeysetPage(BY_NAME, { after: encodeCursor(key) });
    expect(() => page.condition()).toThrow(BadInputError);
  });

  test.each([
    ["year 0", "0000-01-01T00:00:00.000Z"],
    ["February 30", "2026-02-30T00:00:00.000Z"],
  ])("an impossible date (%s) is BAD_USER_INPUT", (_what, date) => {
    const byDate: Keyset<Row> = { ...BY_NAME, key: [{ sql: "c.created_at", kind: "date", cast: "::timestamptz" }, BY_NAME.key[1]!] };
    expect(() => new KeysetPage(byDate, { after: encodeCursor([date, ID]) }).cursor).toThrow(BadInputError);
  });

  test("paging arguments that contradict each other are BAD_USER_INPUT", () => {
    expect(() => new KeysetPage(BY_NAME, { first: 1, last: 1 })).toThrow(BadInputError);
    expect(() => new KeysetPage(BY_NAME, { first: 1, before: "x" })).toThrow(BadInputError);
    expect(() => new KeysetPage(BY_NAME, { last: 1, after: "x" })).toThrow(BadInputError);
    expect(() => new KeysetPage(BY_NAME, { first: 0 })).toThrow(BadInputError);
  });

  test("withCursor and allOf join conditions", () => {
    const selected = allOf([
      { sql: "a = ?", params: [1] },
      { sql: "b = ?", params: [2] },
    ]);
    expect(selected).toEqual({ sql: "a = ? AND b = ?", params: [1, 2] });
    expect(allOf([])).toEqual({ sql: "TRUE", params: [] });
    const page = new KeysetPage(BY_NAME, { after: encodeCursor(["z", ID]) });
    expect(withCursor(selected, page)).toEqual({ sql: "a = ? AND b = ? AND (c.name, c.id) > (?, ?::uuid)", params: [1, 2, "z", ID] });
  });
});
