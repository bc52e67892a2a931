import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { GraphQLError, parse, type ExecutionResult, type GraphQLFormattedError } from "graphql";
import type { Client as WsClient } from "graphql-ws";
import type { TestServer } from "../helpers/server";
import { until } from "../helpers/wait";

/** Operations written inline: the battery needs every root field, with free-form variables. */
export type Vars = Record<string, unknown>;
export type Doc = TypedDocumentNode<Record<string, unknown>, Vars>;

const parsed = new Map<string, Doc>();
export function doc(text: string): Doc {
  let found = parsed.get(text);
  if (!found) {
    found = parse(text);
    parsed.set(text, found);
  }
  return found;
}

export interface Answer {
  /** HTTP status, or 0 over WebSocket. */
  status: number;
  data: Record<string, unknown> | null | undefined;
  errors: readonly GraphQLFormattedError[] | undefined;
}

export type Transport = "http" | "ws";

/** Runs one query or mutation over HTTP or over a graphql-ws client, and returns its answer. */
export async function send(server: TestServer, transport: Transport, ws: () => WsClient, token: string | null, text: string, variables: Vars): Promise<Answer> {
  if (transport === "http") {
    const result = await server.gql(doc(text), variables, token);
    return { status: result.status, data: result.data, errors: result.errors };
  }
  const result = await wsFirst(ws(), text, variables, 10_000);
  return { status: 0, data: result.data, errors: result.errors };
}

/** What makes a subscription's server publish, run once the subscription listens. */
export interface Trigger {
  /** Whether the subscription listens now (say, one more handler on its bus channel). */
  listening: () => boolean;
  run: () => Promise<void>;
}

/**
 * Subscribes and waits for the first message, or `waitMs` of silence: counted from the subscribe,
 * or, with a `trigger`, from the end of `trigger.run`, which runs as soon as `trigger.listening()`
 * holds (never after a guessed delay). Returns the first result, or one marked `silent` when
 * nothing came (the subscription is open and silent).
 */
export function wsFirst(client: WsClient, query: string, variables: Vars, waitMs: number, trigger?: Trigger): Promise<ExecutionResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let dispose: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (value: ExecutionResult | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      dispose();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    const silence = () => {
      if (!settled) timer = setTimeout(() => finish({ data: undefined, extensions: { silent: true } }), waitMs);
    };
    if (!trigger) silence();
    dispose = client.subscribe(
      { query, variables },
      {
        next: (value) => finish(value as ExecutionResult),
        error: (error) =>
          Array.isArray(error)
            ? finish({ errors: error })
            : refusedSocket(error)
              ? finish({ errors: [new GraphQLError(refusedSocket(error)!, { extensions: { code: "UNAUTHENTICATED" } })] })
              : finish(error instanceof Error ? error : new Error(`socket error: ${JSON.stringify(error)}`)),
        complete: () => finish({ data: undefined, extensions: { completed: true } }),
      },
    );
    if (trigger) {
      // A refused subscription answers without ever listening: its answer ends the wait as well.
      until(() => settled || trigger.listening(), { label: "the subscription to listen before its trigger" })
        .then(async () => {
          if (settled) return;
          await trigger.run();
          silence();
        })
        .catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
    }
  });
}

/**
 * A socket closed with 4401 (no person, or a token that no longer holds) answers every operation
 * alike: as UNAUTHENTICATED, its close reason as the message. Null for any other socket error.
 */
export function refusedSocket(error: unknown): string | null {
  if (typeof error !== "object" || error === null || !("code" in error) || error.code !== 4401) return null;
  return "reason" in error && typeof error.reason === "string" ? `socket closed 4401: ${error.reason}` : "socket closed 4401";
}

/** The codes of an answer's errors, deduplicated and joined. */
export function codeOf(errors: readonly GraphQLFormattedError[] | undefined): string {
  return [...new Set((errors ?? []).map((e) => String(e.extensions?.code)))].join("+");
}

/**
 * A digest of every table (row count and an md5 of its rows), to prove that nothing was written.
 * `api_tokens.last_used_at` is left out: using a token stamps it, by design. So are the UNLOGGED
 * bookkeeping tables (rate-limit counters, socket slots): counting an attempt, refused or not, and
 * holding a socket are what they are for.
 */
export async function snapshot(server: TestServer): Promise<Record<string, string>> {
  const connection = server.orm.em.getConnection();
  const tables = await connection.execute<{ tablename: string }[]>(
    `SELECT c.relname AS tablename FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND c.relname NOT LIKE 'mikro_orm%'
      ORDER BY c.relname`,
  );
  const sql = tables
    .map(
      ({ tablename }) =>
        `SELECT '${tablename}' AS t, count(*)::int AS n,
                md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, '|' ORDER BY (to_jsonb(x) - 'last_used_at')::text), '')) AS h
           FROM "${tablename}" x`,
    )
    .join(" UNION ALL ");
  const rows = await connection.execute<{ t: string; n: number; h: string }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
}

/** The tables whose digest differs between two snapshots. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same battery. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
