import { BadInputError } from "./errors";
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape, type CursorKind, type CursorValue } from "./pagination";

/*
 * Keyset pagination, written once: a list orders its rows by a key ending with a unique column
 * (`(name, id)`), a cursor carries the key of the last row it saw, and the next page is the rows
 * whose key comes after it: `WHERE (name, id) > (?, ?::uuid)`. The cursor's parts are checked
 * against their kinds (pagination.ts `decodeCursor`) before they reach SQL as typed parameters.
 */

/** A fragment of SQL and the parameters of its `?`, in order. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

/** One column of a sort key: its SQL expression, the kind of its cursor part and the cast of its parameter. */
export interface KeyPart {
  sql: string;
  kind: CursorKind;
  /** PostgreSQL cast of the cursor's value, e.g. `::uuid`; empty for none. */
  cast: string;
}

/** How a list is ordered: its key (unique as a whole), the direction, and how to read a row's key. */
export interface Keyset<T> {
  key: readonly KeyPart[];
  direction: "ASC" | "DESC";
  keyOf: (row: T) => CursorValue[];
  /** Parameters of the `?` inside the key's expressions (each time the key is written). */
  keyParams?: readonly unknown[];
}

/** The paging arguments of a connection: forwards with first/after, backwards with last/before. */
export interface KeysetArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** One page of a keyset list: the cursor read, the conditions and order to query with, the connection to answer. */
export class KeysetPage<T> {
  readonly size: number;
  /** True for last/before: the rows are read in the reverse order, then put back in the list's order. */
  readonly backward: boolean;
  private readonly given: string | null;
  private decoded: CursorValue[] | null | undefined;

  constructor(
    private readonly keyset: Keyset<T>,
    args: KeysetArgs,
    options: { maxSize?: number; defaultBackward?: boolean } = {},
  ) {
    const last = args.last !== null && args.last !== undefined;
    const first = args.first !== null && args.first !== undefined;
    if (first && last) throw new BadInputError("last", "cannot be used with first");
    // With neither `first` nor `last`, a list reads from its start, or from its end when it says so (a conversation).
    this.backward = last || (!first && options.defaultBackward === true);
    if (!this.backward && args.before) throw new BadInputError("before", "goes with last, not first");
    if (this.backward && args.after) throw new BadInputError("after", "goes with first, not last");
    this.size = pageSize(this.backward ? args.last : args.first, options.maxSize);
    this.given = (this.backward ? args.before : args.after) ?? null;
  }

  /**
   * The cursor's key, checked part by part against the key's kinds (BAD_USER_INPUT otherwise);
   * read on first use, so that a list checks its filter before its cursor, as it always has.
   */
  get cursor(): CursorValue[] | null {
    if (this.decoded === undefined) {
      const kinds = this.keyset.key.map((part) => part.kind);
      this.decoded = decodeCursor(this.given, kinds, this.backward ? "before" : "after");
    }
    return this.decoded;
  }

  /** Reads and checks the cursor now (for a list whose cursor was always checked before its filter). */
  checkCursor(): void {
    void this.cursor;
  }

  /** How many rows to read: one more than the page, to know whether another follows. */
  get limit(): number {
    return this.size + 1;
  }

  private get readDirection(): "ASC" | "DESC" {
    if (!this.backward) return this.keyset.direction;
    return this.keyset.direction === "ASC" ? "DESC" : "ASC";
  }

  private keyParams(): unknown[] {
    return [...(this.keyset.keyParams ?? [])];
  }

  /** `(a, b) > (?, ?)` after the cursor (`<` for a descending list), or null on the first page. */
  condition(): SqlPart | null {
    const cursor = this.cursor;
    if (!cursor) return null;
    const columns = this.keyset.key.map((part) => part.sql).join(", ");
    const values = this.keyset.key.map((part) => `?${part.cast}`).join(", ");
    const operator = this.readDirection === "ASC" ? ">" : "<";
    return { sql: `(${columns}) ${operator} (${values})`, params: [...this.keyParams(), ...cursor] };
  }

  /** The ORDER BY list (without the keywords), in the order the rows are read. */
  orderBy(): SqlPart {
    const direction = this.readDirection;
    const sql = this.keyset.key.map((part) => `${part.sql} ${direction}`).join(", ");
    return { sql, params: this.keyset.key.some((part) => part.sql.includes("?")) ? this.keyParams() : [] };
  }

  /** The connection from the rows read (at most `limit`, in reading order). */
  connection(rows: T[], totalCount: number): ConnectionShape<T> {
    const cursorOf = (row: T) => encodeCursor(this.keyset.keyOf(row));
    if (!this.backward) return toConnection(rows, this.size, cursorOf, totalCount, this.cursor !== null);
    const page = toConnection(rows.slice(0, this.size).reverse(), this.size, cursorOf, totalCount, rows.length > this.size);
    page.pageInfo.hasNextPage = this.cursor !== null;
    return page;
  }
}

/** The conditions and, after a cursor, the keyset's own (`allOf` of both). */
export function withCursor<T>(selected: SqlPart, page: KeysetPage<T>): SqlPart {
  const after = page.condition();
  return after ? allOf([selected, after]) : selected;
}

/** Joins conditions with AND (`TRUE` when there is none). */
export function allOf(parts: readonly SqlPart[]): SqlPart {
  if (parts.length === 0) return { sql: "TRUE", params: [] };
  return { sql: parts.map((part) => part.sql).join(" AND "), params: parts.flatMap((part) => part.params) };
}
