/**
 * The operations of bench/load: the normal mix (taken from test/operations/*.graphql, trimmed
 * to what a screen asks for) and the abusive slice, each built just under or just over one of
 * the documented limits (README, Security: depth 12, aliases 15, directives 10, tokens 3,000,
 * cost 20,000, page size 100, body 256 KiB).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { operationCost } from "../../src/common/cost";
import { rootRequire } from "../lib/modules";
import { ROOT_DIR } from "../lib/paths";

type GraphQLSchema = Parameters<typeof operationCost>[0];
type DocumentNode = Parameters<typeof operationCost>[1];
/** The app's graphql (16.x, the root's): bench/node_modules holds PostGraphile's 15.x. */
interface GraphQLModule {
  buildSchema(sdl: string): GraphQLSchema;
  parse(source: string, options?: { maxTokens?: number }): DocumentNode;
}

export const DIRECTORY = `query Directory($after: String) {
  cooperatives(first: 20, after: $after, orderBy: NAME) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name city departmentCode skills { code label level } } }
  }
}`;

export const TENDERS = `query Tenders($after: String) {
  tenders(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id title status kind estimatedValue submissionDeadline publishedAt } }
  }
}`;

export const OPEN_TENDERS = `query OpenTenders {
  tenders(first: 100, filter: { statuses: [OPEN], kinds: [PUBLIC_TENDER, CALL_FOR_PROJECTS] }) {
    edges { node { id title } }
  }
}`;

export const MATCHES = `query TenderMatches($id: ID!) {
  tender(id: $id) {
    id
    matches(first: 20) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { rank score distanceKm coveredCpv cooperative { id name } components { name value weight contribution evidence } } }
    }
  }
}`;

export const OPPORTUNITIES = `query CooperativeOpportunities($id: ID!) {
  cooperative(id: $id) {
    id
    name
    opportunities(first: 10) { totalCount edges { node { rank score distanceKm tender { id title submissionDeadline } } } }
  }
}`;

export const APPLY = `mutation LoadApply($input: ApplySectionUpdateInput!) {
  applySectionUpdate(input: $input) { seq clientMutationId }
}`;

export const CREATE_BID = `mutation LoadCreateBid($input: CreateBidInput!) {
  createBid(input: $input) { id headSeq }
}`;

export const ADD_SECTION = `mutation LoadAddSection($input: AddSectionInput!) {
  addBidSection(input: $input) { id }
}`;

export const BID_HEAD = `query LoadBidHead($id: ID!) { bid(id: $id) { id headSeq } }`;

export const BID_EVENTS = `subscription LoadBidEvents($bidId: ID!, $afterSeq: Int) {
  bidEvents(bidId: $bidId, afterSeq: $afterSeq) { seq type clientMutationId }
}`;

export const SIGN_IN = "mutation SignIn($input: SignInInput!) { signIn(input: $input) { token } }";

/** An abusive request: a body, and what it stands for. */
export interface AbusiveQuery {
  key: string;
  label: string;
  /** The limit it plays with, and how far. */
  what: string;
  body: string;
  /** The app's own cost function on the schema's SDL (null when it does not parse). */
  cost: number | null;
}

const DIRECTORY_PIECE = (alias: string, first: number) =>
  `${alias}: cooperatives(first: ${first}, orderBy: NAME) { edges { node { id name city skills { code label level } } } }`;

const HEAVY_PIECE = (alias: string, first: number) =>
  `${alias}: cooperatives(first: ${first}, orderBy: NAME) { edges { node { id name city skills { code label level } references { title year } } } }`;

/** tenders → matches → cooperative → opportunities → tender …: every field level counts one. */
function depthQuery(levels: number): string {
  // depth 12: tenders(1) edges(2) node(3) matches(4) edges(5) node(6) cooperative(7)
  // opportunities(8) edges(9) node(10) tender(11) title(12); depth 13 asks the lots' titles.
  const leaf = levels <= 12 ? "title" : "lots { title }";
  return `query DepthNearLimit {
  tenders(first: 1) { edges { node { matches(first: 1) { edges { node { cooperative {
    opportunities(first: 1) { edges { node { tender { ${leaf} } } } }
  } } } } } } }
}`;
}

let sdlSchema: GraphQLSchema | null = null;

/** The schema from schema/schema.graphql (npm run schema), to price queries as the server does. */
function schema(): GraphQLSchema | null {
  if (sdlSchema) return sdlSchema;
  try {
    sdlSchema = rootRequire<GraphQLModule>("graphql").buildSchema(readFileSync(path.join(ROOT_DIR, "schema/schema.graphql"), "utf8"));
  } catch {
    sdlSchema = null;
  }
  return sdlSchema;
}

export function costOf(query: string, variables: Record<string, unknown> = {}): number | null {
  const s = schema();
  if (!s) return null;
  try {
    return operationCost(s, rootRequire<GraphQLModule>("graphql").parse(query, { maxTokens: 100_000 }), null, variables);
  } catch {
    return null;
  }
}

/**
 * The cooperatives page pieces (100 each, skills and references) and a last smaller one whose
 * `first` puts the total just over the cost limit (`over`), or at most on it (`under`).
 */
function costQueries(limit: number): { under: string; over: string } {
  const build = (full: number, tail: number) => {
    const pieces = Array.from({ length: full }, (_, i) => HEAVY_PIECE(`p${i}`, 100));
    if (tail > 0) pieces.push(HEAVY_PIECE("tail", tail));
    return `query CostNearLimit {\n  ${pieces.join("\n  ")}\n}`;
  };
  let previous = build(0, 1);
  for (let full = 0; full < 14; full++) {
    for (let tail = 1; tail <= 100; tail++) {
      const query = build(full, tail);
      const cost = costOf(query);
      if (cost === null) return { under: build(2, 1), over: build(2, 3) };
      if (cost > limit) return { under: previous, over: query };
      previous = query;
    }
  }
  return { under: previous, over: build(15, 1) };
}

function body(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

/** A directory page padded with a comment to `bytes` of JSON body. */
function paddedBody(bytes: number): string {
  const base = `query PaddedDirectory {\n  ${DIRECTORY_PIECE("page", 20)}\n}\n`;
  const empty = body(`${base}# `);
  // Comment lines of 1,000 characters; "\n" is two bytes in JSON.
  const room = bytes - Buffer.byteLength(empty);
  const lines: string[] = [];
  let used = 0;
  while (used + 1002 + 3 <= room) {
    lines.push("x".repeat(1000));
    used += 1002 + 2;
  }
  const rest = room - used - 3;
  lines.push("x".repeat(Math.max(0, rest)));
  const result = body(`${base}# ${lines.join("\n# ")}`);
  return result;
}

export function abusiveQueries(limits: {
  cost: number;
  bodyBytes: number;
  aliases: number;
  depth: number;
  tokens: number;
  directives: number;
}): AbusiveQuery[] {
  const { under, over } = costQueries(limits.cost);
  const aliases = (n: number) => `query AliasesNearLimit {\n  ${Array.from({ length: n }, (_, i) => DIRECTORY_PIECE(`a${i}`, 20)).join("\n  ")}\n}`;
  const tokens = `query TooManyTokens { viewer { ${"id ".repeat(limits.tokens)} } }`;
  const directiveFields = ["id", "name", "email", "role", "createdAt", "updatedAt"];
  const directives = `query TooManyDirectives { viewer { ${directiveFields.map((f) => `${f} @include(if: true) @skip(if: false)`).join(" ")} } }`;
  const huge = `query HugePage { cooperatives(first: 1000000) { edges { node { id name skills { code level } } } } }`;
  const list: Omit<AbusiveQuery, "cost">[] = [
    {
      key: "depth-12",
      label: "depth 12 (at the limit)",
      what: `tenders → matches → cooperative → opportunities → tender, first: 1 each, depth ${limits.depth}`,
      body: body(depthQuery(12)),
    },
    { key: "depth-13", label: "depth 13 (over)", what: `the same, one level deeper (${limits.depth + 1})`, body: body(depthQuery(13)) },
    {
      key: "aliases-15",
      label: "15 aliases (at the limit)",
      what: `${limits.aliases} aliased directory pages of 20 with skills`,
      body: body(aliases(limits.aliases)),
    },
    { key: "aliases-16", label: "16 aliases (over)", what: `${limits.aliases + 1} aliased directory pages`, body: body(aliases(limits.aliases + 1)) },
    {
      key: "cost-under",
      label: "cost just under 20,000",
      what: "cooperatives pages of 100 with skills and references, the last one trimmed to stay within the limit",
      body: body(under),
    },
    { key: "cost-over", label: "cost just over 20,000", what: "the same, one step over the limit", body: body(over) },
    { key: "huge-first", label: "first: 1,000,000", what: "a directory page of a million", body: body(huge) },
    { key: "tokens", label: "3,000+ tokens", what: `viewer { id × ${limits.tokens} }`, body: body(tokens) },
    { key: "directives", label: "12 directives (over 10)", what: "@include and @skip on six fields", body: body(directives) },
    { key: "body-250k", label: "250 KiB body (allowed)", what: "a directory page of 20 padded with a comment to 250 KiB", body: paddedBody(250 * 1024) },
    { key: "body-300k", label: "300 KiB body (over)", what: "the same padded to 300 KiB", body: paddedBody(300 * 1024) },
  ];
  return list.map((q) => {
    const query = (JSON.parse(q.body) as { query: string }).query;
    return { ...q, cost: q.key === "tokens" ? null : costOf(query) };
  });
}

export { body as requestBody };
