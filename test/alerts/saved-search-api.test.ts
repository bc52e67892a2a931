import { randomUUID } from "node:crypto";
import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import { SavedSearch } from "../../src/alerts/saved-search.entity";
import { User } from "../../src/auth/user.entity";
import {
  DeleteSavedSearchDocument,
  MySavedSearchesDocument,
  RevokeSavedSearchFeedDocument,
  RotateSavedSearchFeedDocument,
  SavedSearchNodeDocument,
  SaveSearchDocument,
  UpdateSavedSearchDocument,
  type SaveSearchInput,
} from "../generated/graphql";
import { countRows, createUser, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { save } from "./alert-setup";

/* Saving, changing, listing and deleting saved searches; a search is its owner's alone. */

let server: TestServer;
let member: TestUser, other: TestUser, admin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [member, other, admin] = await Promise.all([
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.ADMIN),
  ]);
});

afterAll(async () => {
  await server?.close();
});

test("saves the criteria, normalised, and lists them to their owner, paged", async () => {
  const person = await createUser(server, PlatformRole.MISSION_OFFICER);
  const saved = await server.gql(
    SaveSearchDocument,
    {
      input: {
        name: "  Vidéo en Normandie ",
        cpvCodes: ["92111000-2", "798", "798"],
        departmentCodes: ["2a", "7"],
        regionCodes: ["28"],
        near: { commune: "saint etienne", radiusKm: 25.5 },
        keywords: [" film   institutionnel ", "vidéo"],
        kinds: ["PUBLIC_TENDER"],
        minValue: 15000,
        delivery: "INBOX_AND_EMAIL",
      },
    },
    person.token,
  );
  expect(saved.errors).toBeUndefined();
  expect(saved.data!.saveSearch).toMatchObject({
    name: "Vidéo en Normandie",
    cpvCodes: ["92111000", "798"],
    departmentCodes: ["2A", "07"],
    regionCodes: ["28"],
    near: { communeCode: "42218", commune: "Saint-Étienne", radiusKm: 25.5 },
    keywords: ["film institutionnel", "vidéo"],
    kinds: ["PUBLIC_TENDER"],
    minValue: 15000,
    delivery: "INBOX_AND_EMAIL",
    hasFeed: false,
    feedCreatedAt: null,
  });
  const second = await save(server, person.token, { name: "Deux", keywords: ["affiche"] });
  const third = await save(server, person.token, { name: "Trois", keywords: ["affiche"] });

  const page1 = await server.gql(MySavedSearchesDocument, { first: 2 }, person.token);
  const list1 = page1.data!.viewer!.savedSearches!;
  expect(list1.totalCount).toBe(3);
  expect(list1.edges.map((e) => e.node.name)).toEqual(["Vidéo en Normandie", "Deux"]);
  expect(list1.pageInfo.hasNextPage).toBe(true);
  const page2 = await server.gql(MySavedSearchesDocument, { first: 2, after: list1.pageInfo.endCursor }, person.token);
  expect(page2.data!.viewer!.savedSearches!.edges.map((e) => e.node.id)).toEqual([third]);
  expect(second).toBeTruthy();
});

test("updates what is given, keeps the rest, and clears with null", async () => {
  const id = await save(server, member.token, { name: "Avant", cpvCodes: ["7981"], near: { commune: "Rouen", radiusKm: 30 }, minValue: 1000 });
  const updated = await server.gql(
    UpdateSavedSearchDocument,
    { id, input: { name: "Après", near: null, minValue: null, keywords: ["catalogue"] } },
    member.token,
  );
  expect(updated.errors).toBeUndefined();
  expect(updated.data!.updateSavedSearch).toMatchObject({
    name: "Après",
    cpvCodes: ["7981"],
    near: null,
    minValue: null,
    keywords: ["catalogue"],
    delivery: "INBOX",
  });
  // Clearing every criterion is refused: the search would announce every tender.
  const empty = await server.gql(UpdateSavedSearchDocument, { id, input: { cpvCodes: [], keywords: [] } }, member.token);
  expect(empty.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input" });
  const deleted = await server.gql(DeleteSavedSearchDocument, { id }, member.token);
  expect(deleted.data).toEqual({ deleteSavedSearch: id });
  expect((await server.gql(SavedSearchNodeDocument, { id }, member.token)).data).toEqual({ node: null });
});

test("another person (admins too) finds someone's search missing: read, update, delete, feed", async () => {
  const id = await save(server, member.token, { name: "La mienne", keywords: ["affiche"] });
  expect((await server.gql(SavedSearchNodeDocument, { id }, member.token)).data).toEqual({ node: { id, name: "La mienne" } });
  const missing = toGlobalId("SavedSearch", randomUUID());
  for (const who of [other, admin]) {
    expect((await server.gql(SavedSearchNodeDocument, { id }, who.token)).data).toEqual({ node: null });
    const list = await server.gql(MySavedSearchesDocument, { first: 100 }, who.token);
    expect(list.data!.viewer!.savedSearches!.edges.map((e) => e.node.id)).not.toContain(id);
    for (const target of [id, missing]) {
      const answers = [
        await server.gql(UpdateSavedSearchDocument, { id: target, input: { name: "Volée" } }, who.token),
        await server.gql(DeleteSavedSearchDocument, { id: target }, who.token),
        await server.gql(RotateSavedSearchFeedDocument, { id: target }, who.token),
        await server.gql(RevokeSavedSearchFeedDocument, { id: target }, who.token),
      ];
      // The same answer for someone's search and a missing one, the id aside.
      expect(answers.map((a) => [codes(a), a.errors?.[0]?.message.replace(target, "<id>")])).toEqual(
        Array(4).fill([["NOT_FOUND"], "SavedSearch <id> was not found."]),
      );
    }
  }
  const row = await server.orm.em.fork().findOneOrFail(SavedSearch, { name: "La mienne" });
  expect([row.name, row.feedSecretHash]).toEqual(["La mienne", null]);
});

test("bad criteria are BAD_USER_INPUT naming the field, and write nothing", async () => {
  const base: SaveSearchInput = { name: "Cas", keywords: ["affiche"] };
  const cases: [Partial<SaveSearchInput>, string][] = [
    [{ name: "   " }, "input.name"],
    [{ name: "x".repeat(201) }, "input.name"],
    [{ cpvCodes: ["7"] }, "input.cpvCodes[0]"],
    [{ cpvCodes: ["7980"] }, "input.cpvCodes[0]"],
    [{ cpvCodes: ["7981000"] }, "input.cpvCodes[0]"],
    [{ cpvCodes: ["99999999"] }, "input.cpvCodes[0]"],
    [{ cpvCodes: ["79810000-0"] }, "input.cpvCodes[0]"],
    [{ cpvCodes: ["0079"] }, "input.cpvCodes[0]"],
    [{ cpvCodes: ["7981", "79a"] }, "input.cpvCodes[1]"],
    [{ cpvCodes: Array.from({ length: 21 }, () => "7981") }, "input.cpvCodes"],
    [{ departmentCodes: ["00"] }, "input.departmentCodes[0]"],
    [{ departmentCodes: ["976", "2C"] }, "input.departmentCodes[1]"],
    [{ regionCodes: ["99"] }, "input.regionCodes[0]"],
    [{ near: { commune: "Nulle-Part-sur-Mer", radiusKm: 10 } }, "input.near.commune"],
    [{ near: { commune: "Rouen", radiusKm: 0 } }, "input.near.radiusKm"],
    [{ near: { commune: "Rouen", radiusKm: 5000 } }, "input.near.radiusKm"],
    [{ keywords: ["<script>"] }, "input.keywords[0]"],
    [{ keywords: ["-- '"] }, "input.keywords[0]"],
    [{ keywords: ["ok", "x".repeat(101)] }, "input.keywords[1]"],
    [{ minValue: -1 }, "input.minValue"],
    [{ keywords: [] }, "input"],
  ];
  const before = await countRows(server, "saved_searches");
  const got = [];
  for (const [change, field] of cases) {
    const answer = await server.gql(SaveSearchDocument, { input: { ...base, ...change } }, member.token);
    got.push([field, codes(answer), answer.errors?.[0]?.extensions?.field]);
  }
  expect(got).toEqual(cases.map(([, field]) => [field, ["BAD_USER_INPUT"], field]));
  expect(await countRows(server, "saved_searches")).toBe(before);
});

test("at most 50 searches per person: the 51st is a CONFLICT", async () => {
  const person = await createUser(server, PlatformRole.MEMBER);
  const em = server.orm.em.fork();
  for (let i = 0; i < 49; i++) em.create(SavedSearch, { owner: em.getReference(User, person.id), name: `n${i}`, keywords: ["x"] });
  await em.flush();
  await save(server, person.token, { name: "La cinquantième", keywords: ["affiche"] });
  const refused = await server.gql(SaveSearchDocument, { input: { name: "De trop", keywords: ["affiche"] } }, person.token);
  expect(codes(refused)).toEqual(["CONFLICT"]);
  expect(await server.orm.em.fork().count(SavedSearch, { owner: person.id })).toBe(50);
});
