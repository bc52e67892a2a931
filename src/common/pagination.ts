import { ClassType, Field, Int, ObjectType, ArgsType } from "type-graphql";
import { BadInputError } from "./errors";
import { isUnicode } from "./validate";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `How many items to return (1-${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Return items after this cursor (from `pageInfo.endCursor`)." })
  after?: string | null;
}

/** Checks `first` and returns the page size to use. */
export function pageSize(first: number | null | undefined, max = MAX_PAGE_SIZE): number {
  if (first === null || first === undefined) return Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw new BadInputError("first", `must be between 1 and ${max}`);
  }
  return first;
}

export type CursorValue = string | number | null;

/** Cursors are opaque to clients: base64url of the JSON of the sort key of the last item. */
export function encodeCursor(values: CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
}

/** What each part of a keyset cursor must be before it reaches SQL as a typed parameter. */
export type CursorKind = "string" | "int" | "number" | "uuid" | "date";

const UUID_PART = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The one form `encodeCursor` writes an instant in: `Date.prototype.toISOString`. */
const INSTANT_PART = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * An instant exactly as the server wrote it: an impossible day (February 30, hour 24) does not
 * survive the round trip, and year 0 exists in JavaScript but not in PostgreSQL.
 */
function isInstant(value: string): boolean {
  const match = INSTANT_PART.exec(value);
  if (!match || match[1] === "0000") return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

function partFits(value: CursorValue, kind: CursorKind): boolean {
  switch (kind) {
    case "string":
      // PostgreSQL's text holds neither NUL nor half a surrogate pair.
      return typeof value === "string" && !value.includes("\u0000") && isUnicode(value);
    case "int":
      return typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= 2_147_483_647;
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "uuid":
      return typeof value === "string" && UUID_PART.test(value);
    case "date":
      return typeof value === "string" && (value === "infinity" || isInstant(value));
  }
}

/**
 * Decodes a cursor; `spec` is its arity, or the kind of each part (checked, so that a forged
 * cursor is BAD_USER_INPUT rather than a failed cast in SQL).
 */
export function decodeCursor(cursor: string | null | undefined, spec: number | readonly CursorKind[], field = "after"): CursorValue[] | null {
  const arity = typeof spec === "number" ? spec : spec.length;
  if (cursor === null || cursor === undefined) return null;
  try {
    if (cursor.length > 1000) throw new Error("too long");
    const values: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every((v) => v === null || typeof v === "string" || typeof v === "number") &&
      (typeof spec === "number" || spec.every((kind, i) => partFits(values[i] as CursorValue, kind)))
    ) {
      return values as CursorValue[];
    }
  } catch {
    // fall through to the error below
  }
  throw new BadInputError(field, "not a valid cursor");
}

/** Offset cursors, for lists ranked in memory (scores). */
export function decodeOffset(cursor: string | null | undefined, field = "after"): number {
  const values = decodeCursor(cursor, 1, field);
  if (values === null) return 0;
  const offset = values[0];
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw new BadInputError(field, "not a valid cursor");
  }
  return offset + 1;
}

@ObjectType({ description: "Where a page stands in its list (Relay cursor connections)." })
export class PageInfo {
  @Field({ description: "Whether more items follow this page." })
  hasNextPage!: boolean;

  @Field({ description: "Whether items precede this page." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first item of the page." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "Cursor of the last item; pass it as `after` for the next page." })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Builds `XConnection` and `XEdge` types for a node type. */
export function Connection<T extends object>(nodeType: ClassType<T>, name: string, what: string) {
  @ObjectType(`${name}Edge`, { description: `One ${what} in a page, with its cursor.` })
  class EdgeType {
    @Field({ description: "Opaque cursor of this item." })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${what}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}s (Relay cursor connection).` })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [EdgeType], { description: `The ${what}s of this page, in order.` })
    edges!: Edge<T>[];

    @Field(() => PageInfo, { description: "Where this page stands in the list." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "How many items the whole list holds, across pages." })
    totalCount!: number;
  }
  return ConnectionType;
}

/**
 * Makes a connection from `size + 1` fetched rows: the extra row only says whether a next page
 * exists.
 */
export function toConnection<T>(
  rows: T[],
  size: number,
  cursorOf: (row: T, index: number) => string,
  totalCount: number,
  hasPrevious: boolean,
): ConnectionShape<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node, i) => ({ node, cursor: cursorOf(node, i) }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
