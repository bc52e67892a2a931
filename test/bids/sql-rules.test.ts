import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { contentEditable } from "../../src/bids/bid.lifecycle";
import { BidStatus } from "../../src/bids/bid.enums";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * Each rule of the live path has one definition, in SQL (migration 20261206080000), called by the
 * TypeScript queries and by the SQL functions: these tests fail when a copy comes back on either
 * side, or when the one rule kept in both languages (the freeze, a pure function in TypeScript)
 * says something else in SQL.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function definition(name: string): Promise<string> {
  const rows = await server.orm.em.fork().execute<{ def: string }[]>("SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p WHERE p.proname = ?", [name]);
  expect(rows).toHaveLength(1);
  return rows[0]!.def;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith(".ts") ? [file] : [];
  });
}

/** Fragments that mean a rule was written out again instead of called. */
const COPIES: Record<string, RegExp> = {
  "active member (bid_active_memberships)": /join\s+memberships\s+\w+\s+on\s+\w+\.cooperative_id\s*=\s*bm\.cooperative_id/i,
  // A bid's log only: other tables (conversations) have a head_seq of their own.
  "append (bid_append_event)": /update\s+bids\s+set\s+head_seq\s*=\s*head_seq\s*\+\s*1|insert\s+into\s+bid_events/i,
  "freeze (bid_content_open)": /not\s+in\s*\(\s*'DRAFT'\s*,\s*'IN_REVIEW'\s*\)/i,
  "replay (bid_replay_outcome)": /request_hash\s+is\s+distinct|payload\s+is\s+distinct\s+from/i,
};

test("freeze: SQL's bid_content_open and TypeScript's contentEditable agree on every bid status", async () => {
  const em = server.orm.em.fork();
  for (const status of Object.values(BidStatus)) {
    const [row] = await em.execute<{ open: boolean }[]>("SELECT bid_content_open(?::bid_status) AS open", [status]);
    expect({ status, open: row!.open }).toEqual({ status, open: contentEditable(status) });
  }
});

test("the text update function calls the shared rules and holds no copy of them", async () => {
  const body = await definition("bid_apply_text_updates");
  for (const call of ["session_valid", "bid_active_memberships", "bid_section_writable", "bid_replay_outcome", "bid_content_open", "bid_append_events"]) {
    expect(body).toContain(call);
  }
  for (const [rule, copy] of Object.entries(COPIES)) expect({ rule, copied: copy.test(body) }).toEqual({ rule, copied: false });
});

test("one section's batch, one update (with or without a session) and one event are batches of the same definitions", async () => {
  const section = await definition("bid_apply_section_updates");
  expect(section).toContain("bid_apply_text_updates(");
  for (const [rule, copy] of Object.entries(COPIES)) expect({ rule, copied: copy.test(section) }).toEqual({ rule, copied: false });
  expect(await definition("bid_apply_section_update")).toContain("bid_apply_section_updates(");
  expect(await definition("bid_apply_section_update_as")).toContain("bid_apply_section_updates(");
  const single = await definition("bid_append_event");
  expect(single).toContain("bid_append_events(");
  for (const [rule, copy] of Object.entries(COPIES)) expect({ rule, copied: copy.test(single) }).toEqual({ rule, copied: false });
});

test("the TypeScript sources call the shared rules and hold no copy of them", () => {
  const root = path.join(__dirname, "../../src");
  const found: string[] = [];
  for (const file of sources(root)) {
    const text = readFileSync(file, "utf8");
    for (const [rule, copy] of Object.entries(COPIES)) if (copy.test(text)) found.push(`${path.relative(root, file)}: ${rule}`);
  }
  expect(found).toEqual([]);
  expect(readFileSync(path.join(root, "bids/bid.access.ts"), "utf8")).toContain("bid_active_memberships");
  expect(readFileSync(path.join(root, "bids/live/event-log.ts"), "utf8")).toContain("bid_append_event");
  expect(readFileSync(path.join(root, "bids/bid.tx.ts"), "utf8")).toContain("bid_replay_outcome");
});

test("no scalar SQL function holds a sub-select: PostgreSQL would plan it again on every call instead of inlining it", async () => {
  // A scalar SQL function is inlined only when its body is a plain expression; one with a
  // sub-select runs as a function proper, parsed and planned on each call (bid_section_writable
  // took 1 ms a call that way). Such rules are PL/pgSQL, which keeps its plans (migration 20261206220000).
  const rows = await server.orm.em.fork().execute<{ name: string; body: string }[]>(
    `SELECT p.proname AS name, p.prosrc AS body FROM pg_proc p
       JOIN pg_language l ON l.oid = p.prolang JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'public' AND l.lanname = 'sql' AND NOT p.proretset`,
  );
  expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(["bid_content_open", "bid_replay_outcome"]));
  expect(rows.filter((r) => /\(\s*select\b/i.test(r.body)).map((r) => r.name)).toEqual([]);
  for (const name of ["session_valid", "bid_section_writable"]) {
    const [row] = await server.orm.em
      .fork()
      .execute<{ lang: string }[]>("SELECT l.lanname AS lang FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = ?", [name]);
    expect({ name, lang: row!.lang }).toEqual({ name, lang: "plpgsql" });
  }
});

test("every scalar SQL function is inlined into the query that calls it, even planned once for all calls", async () => {
  // A SQL function PostgreSQL cannot inline runs as a function proper, parsed and planned on each
  // call: an IMMUTABLE one calling a STABLE function (bid_event_notice called json_build_object)
  // is not inlined, whatever its body. Checked on a generic plan (parameters, not constants, so
  // that nothing is folded away): a call still named in the plan's output was not inlined.
  const calls = await server.orm.em.fork().transactional(async (em) => {
    const functions = await em.execute<{ name: string; args: string[] }[]>(
      `SELECT p.proname AS name, array(SELECT format_type(t, null) FROM unnest(p.proargtypes) t) AS args FROM pg_proc p
         JOIN pg_language l ON l.oid = p.prolang JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND l.lanname = 'sql' AND NOT p.proretset ORDER BY p.proname`,
    );
    await em.execute("SET LOCAL plan_cache_mode = force_generic_plan");
    const found: { name: string; inlined: boolean }[] = [];
    for (const [i, { name, args }] of functions.entries()) {
      const params = args.map((_, k) => `$${k + 1}`).join(", ");
      await em.execute(`PREPARE inline_check_${i}(${args.join(", ")}) AS SELECT ${name}(${params})`);
      const [plan] = await em.execute<{ "QUERY PLAN": { Plan: { Output: string[] } }[] }[]>(
        `EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE inline_check_${i}(${args.map(() => "NULL").join(", ")})`,
      );
      await em.execute(`DEALLOCATE inline_check_${i}`);
      const output = plan!["QUERY PLAN"][0]!.Plan.Output.join(" ");
      found.push({ name, inlined: !output.includes(`${name}(`) });
    }
    return found;
  });
  expect(calls.map((c) => c.name)).toEqual(expect.arrayContaining(["bid_content_open", "bid_replay_outcome"]));
  expect(calls.filter((c) => !c.inlined)).toEqual([]);
});
