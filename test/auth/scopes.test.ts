import { readFileSync } from "node:fs";
import path from "node:path";
import { PlatformRole } from "../../src/auth/roles";
import { CooperativesDocument, CreateApiTokenDocument } from "../generated/graphql";
import { doc } from "../security/harness";
import { createUser, insertCooperative } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

/*
 * Each scope opens exactly the fields it names (the full table, every scope against every root
 * field, is in test/security/authorization.test.ts): here the cases the audit found.
 */

let server: TestServer;
const secrets: Record<"read" | "import" | "both", string> = { read: "", import: "", both: "" };
const NOTICE = readFileSync(path.resolve(__dirname, "../fixtures/eforms/cn_24_minimal.xml"), "utf8");

beforeAll(async () => {
  server = await startTestServer();
  const admin = await createUser(server, PlatformRole.ADMIN);
  await insertCooperative(server.orm.em.fork(), { name: "Coop lisible", owner: await createUser(server) });
  const create = async (scopes: ("READ" | "IMPORT_NOTICES")[]) =>
    (await server.gql(CreateApiTokenDocument, { input: { name: scopes.join("+"), scopes } }, admin.token)).data!.createApiToken.secret;
  secrets.read = await create(["READ"]);
  secrets.import = await create(["IMPORT_NOTICES"]);
  secrets.both = await create(["READ", "IMPORT_NOTICES"]);
});
afterAll(async () => {
  await server.close();
});

test("IMPORT_NOTICES does not read the directory (SIRETs) but imports and reads the import result; READ reads but does not import", async () => {
  const denied = await server.gql(CooperativesDocument, { first: 5 }, secrets.import);
  expect([denied.status, codes(denied), denied.data ?? null]).toEqual([200, ["FORBIDDEN"], null]);
  const siret = doc(`query { cooperatives(first: 5) { edges { node { siret } } } }`);
  expect(codes(await server.gql(siret, {}, secrets.import))).toEqual(["FORBIDDEN"]);
  const read = await server.gql(siret, {}, secrets.read);
  expect(read.errors).toBeUndefined();
  expect((read.data as { cooperatives: { edges: unknown[] } }).cooperatives.edges.length).toBeGreaterThan(0);

  // READ may not import; IMPORT_NOTICES reads the import result, not the rankings READ opens.
  const result = await server.gql(doc(`mutation($xml: String!) { importNotice(xml: $xml) { status } }`), { xml: NOTICE }, secrets.read);
  expect(codes(result)).toEqual(["FORBIDDEN"]);
  const importOnly = doc(`mutation($xml: String!) { importNotice(xml: $xml) { status noticeId tender { id title matches(first: 3) { totalCount } } } }`);
  const ranked = await server.gql(importOnly, { xml: NOTICE }, secrets.import);
  expect(codes(ranked)).toEqual(["FORBIDDEN"]);
  expect(ranked.errors?.[0]?.path).toEqual(["importNotice", "tender", "matches"]);

  const own = await server.gql(
    doc(`mutation($xml: String!) { importNotice(xml: $xml) { status noticeId tender { id title } } }`),
    { xml: NOTICE },
    secrets.import,
  );
  expect(own.errors).toBeUndefined();
  expect((own.data as { importNotice: { tender: { title: string } } }).importNotice.tender.title).toBeTruthy();

  const both = await server.gql(importOnly, { xml: NOTICE }, secrets.both);
  expect(both.errors).toBeUndefined();
});
