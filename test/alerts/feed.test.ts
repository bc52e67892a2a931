import { XMLParser, XMLValidator } from "fast-xml-parser";
import { PlatformRole } from "../../src/auth/roles";
import { fromGlobalId } from "../../src/common/node";
import { RevokeSavedSearchFeedDocument, RotateSavedSearchFeedDocument } from "../generated/graphql";
import { createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { createDraft, publishNew, save } from "./alert-setup";

/* The Atom feed of a saved search, at a secret URL that its owner rotates and revokes. */

let server: TestServer;
let member: TestUser, officer: TestUser;
let base: string;

beforeAll(async () => {
  server = await startTestServer({ env: { APP_URL: "https://app.scopgraph.test" } });
  base = server.url.replace(/\/graphql$/, "");
  [member, officer] = await Promise.all([createUser(server, PlatformRole.MEMBER), createUser(server, PlatformRole.MISSION_OFFICER)]);
});

afterAll(async () => {
  await server?.close();
});

async function rotate(id: string, token = member.token) {
  const result = await server.gql(RotateSavedSearchFeedDocument, { id }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.rotateSavedSearchFeed;
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers });

interface Entry {
  id: string;
  title: string;
  link: { "@_href": string };
  summary: string;
  updated: string;
  published: string;
  category: { "@_term": string } | { "@_term": string }[];
}

/** The feed's entries, after checking that the document is well-formed XML and an Atom feed. */
function entriesOf(xml: string): { feed: Record<string, unknown>; entries: Entry[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "entry" }).parse(xml) as {
    feed: Record<string, unknown> & { entry?: Entry[] };
  };
  expect(parsed.feed["@_xmlns"]).toBe("http://www.w3.org/2005/Atom");
  return { feed: parsed.feed, entries: parsed.feed.entry ?? [] };
}

test("lists the matching open tenders, escaped, with ids, links, dates and facts; 304 while unchanged", async () => {
  const search = await save(server, member.token, { name: "Impression <Rouen> & co", cpvCodes: ["7981"], departmentCodes: ["76"] });
  const quoted = await publishNew(server, officer.token, { title: `Affiches <A3> & "flyers" l'été`, communeCode: "76540", cpv: ["79810000"], value: 12500 });
  const plain = await publishNew(server, officer.token, { title: "Catalogue annuel", communeCode: "76540", cpv: ["79811000"] });
  const elsewhere = await publishNew(server, officer.token, { title: "Catalogue marseillais", communeCode: "13055", cpv: ["79810000"] });
  const draft = await createDraft(server, officer.token, { title: "Brouillon rouennais", communeCode: "76540", cpv: ["79810000"] });

  const feed = await rotate(search);
  expect(feed.path).toMatch(/^\/feeds\/searches\/sgf_[A-Za-z0-9_-]{43}\.atom$/);
  expect(feed.url).toBe(`https://app.scopgraph.test${feed.path}`);
  expect(feed.savedSearch).toEqual({ id: search, hasFeed: true });

  const response = await get(feed.path);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
  const body = await response.text();
  const { feed: atom, entries } = entriesOf(body);
  expect(atom.id).toBe(`urn:uuid:${fromGlobalId(search)!.id}`);
  expect(atom.title).toMatchObject({ "#text": "Scopgraph : Impression <Rouen> & co" });
  expect(new Date(String(atom.updated)).toISOString()).toBe(atom.updated);
  // Newest first; the draft and the tender elsewhere are not listed.
  expect(entries.map((e) => e.id)).toEqual([plain, quoted].map((gid) => `urn:uuid:${fromGlobalId(gid)!.id}`));
  expect(body).not.toContain("Catalogue marseillais");
  expect(body).not.toContain("Brouillon");
  const first = entries[1]!;
  expect(first.title).toMatchObject({ "#text": `Affiches <A3> & "flyers" l'été` });
  expect(first.link["@_href"]).toBe(`https://app.scopgraph.test/tenders/${quoted}`);
  expect(first.summary).toMatchObject({ "#text": expect.stringContaining("Acheteur : Métropole Rouen Normandie") });
  expect(JSON.stringify(first.summary)).toMatch(/Lieu : Rouen \(Seine-Maritime, 76\).*Date limite : .*Valeur estimée : 12.500 € HT.*CPV : 79810000/);
  expect(first.category).toMatchObject({ "@_term": "79810000" });
  expect(elsewhere && draft).toBeTruthy();

  // Readers polling with the ETag get 304 until something changes.
  const etag = response.headers.get("etag")!;
  expect(response.headers.get("last-modified")).toBeTruthy();
  expect((await get(feed.path, { "if-none-match": etag })).status).toBe(304);
  await publishNew(server, officer.token, { title: "Rapport annuel", communeCode: "76540", cpv: ["79810000"] });
  const changed = await get(feed.path, { "if-none-match": etag });
  expect(changed.status).toBe(200);
  expect(entriesOf(await changed.text()).entries[0]!.title).toMatchObject({ "#text": "Rapport annuel" });
});

test("a revoked or rotated secret answers 404, like an unknown or malformed one", async () => {
  const search = await save(server, member.token, { name: "Vidéo", keywords: ["vidéo"] });
  const first = await rotate(search);
  expect((await get(first.path)).status).toBe(200);

  const second = await rotate(search);
  expect(second.path).not.toBe(first.path);
  expect((await get(first.path)).status).toBe(404);
  expect((await get(second.path)).status).toBe(200);

  const revoked = await server.gql(RevokeSavedSearchFeedDocument, { id: search }, member.token);
  expect(revoked.data?.revokeSavedSearchFeed).toEqual({ id: search, hasFeed: false });
  const gone = await get(second.path);
  expect(gone.status).toBe(404);
  expect(await gone.json()).toEqual({ errors: [{ message: "This feed does not exist or was revoked.", extensions: { code: "NOT_FOUND" } }] });

  for (const path of [
    `/feeds/searches/sgf_${"A".repeat(43)}.atom`,
    "/feeds/searches/nothing.atom",
    second.path.replace(".atom", ".rss"),
    "/feeds/searches/%00.atom",
  ]) {
    expect([path, (await get(path)).status]).toEqual([path, 404]);
  }
  // The secret is stored hashed: the database holds no feed URL.
  const rows = await server.orm.em.getConnection().execute<{ hash: string | null }[]>("SELECT feed_secret_hash AS hash FROM saved_searches");
  const secret = second.path.slice("/feeds/searches/".length, -".atom".length);
  expect(rows.some((r) => r.hash === secret)).toBe(false);
});
