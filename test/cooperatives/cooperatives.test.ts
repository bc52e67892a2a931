import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import {
  AnswerCooperativeInvitationDocument,
  InviteCooperativeMemberDocument,
  AddCooperativeReferenceDocument,
  CooperativeDocument,
  CooperativesDocument,
  CooperativesWithSkillsDocument,
  CreateCooperativeDocument,
  NodeDocument,
  RemoveCooperativeMemberDocument,
  RemoveCooperativeReferenceDocument,
  RemoveCooperativeSkillDocument,
  SetCooperativeSkillDocument,
  UpdateCooperativeDocument,
  type CooperativesQuery,
  type CooperativesQueryVariables,
  type CreateCooperativeInput,
} from "../generated/graphql";
import { countRows, createUser, insertCooperative, validSiret, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let admin: TestUser, officer: TestUser, owner: TestUser, member: TestUser, outsider: TestUser, client: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [admin, officer, owner, member, outsider, client] = await Promise.all([
    createUser(server, PlatformRole.ADMIN),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.CLIENT),
  ]);
});
afterAll(async () => {
  await server.close();
});

const newCoop = (over: Partial<CreateCooperativeInput> = {}): CreateCooperativeInput => ({
  name: "Imprimerie du Vieux-Marché",
  legalForm: "SCOP_SARL",
  siret: validSiret(),
  nafCode: "18.12z",
  description: "Impression offset et numérique.",
  website: "https://vieux-marche.example.coop",
  location: { address: "12 place du Vieux-Marché", communeCode: "76540" },
  headcount: 12,
  annualRevenue: 950000,
  ...over,
});

describe("creating and editing a cooperative", () => {
  test("a member registers a cooperative, becomes its owner, and the commune fills department, region and coordinates", async () => {
    const result = await server.gql(CreateCooperativeDocument, { input: newCoop() }, owner.token);
    expect(result.errors).toBeUndefined();
    const coop = result.data!.createCooperative;
    expect(coop).toMatchObject({ city: "Rouen", departmentCode: "76", regionCode: "28", communeCode: "76540", nafCode: "18.12Z", viewerCanEdit: true });
    expect(coop.latitude).toBeCloseTo(49.44, 1);
    expect(coop.longitude).toBeCloseTo(1.09, 1);
    const read = await server.gql(CooperativeDocument, { id: coop.id }, owner.token);
    expect(read.data?.cooperative!.members).toEqual([expect.objectContaining({ role: "OWNER", user: expect.objectContaining({ id: owner.globalId }) })]);
  });

  test("a client may not register a cooperative; anonymous gets UNAUTHENTICATED", async () => {
    expect(codes(await server.gql(CreateCooperativeDocument, { input: newCoop() }, client.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(CreateCooperativeDocument, { input: newCoop() }))).toEqual(["UNAUTHENTICATED"]);
  });

  test.each([
    ["owner", () => owner, true],
    ["officer", () => officer, true],
    ["admin", () => admin, true],
    ["plain member of the cooperative", () => member, false],
    ["member of another cooperative", () => outsider, false],
    ["client", () => client, false],
  ])("update by the %s: allowed=%s", async (_label, who, allowed) => {
    const em = server.orm.em.fork();
    const coop = await insertCooperative(em, { owner, members: [member] });
    const result = await server.gql(UpdateCooperativeDocument, { id: coop.gid, input: { description: "Nouvelle description" } }, who().token);
    if (allowed) {
      expect(result.errors).toBeUndefined();
      expect(result.data?.updateCooperative.description).toBe("Nouvelle description");
    } else {
      expect(codes(result)).toEqual(["FORBIDDEN"]);
      const [row] = await server.orm.em
        .getConnection()
        .execute<{ description: string | null }[]>("SELECT description FROM cooperatives WHERE id = ?", [coop.id]);
      expect(row?.description).toBeNull();
    }
  });

  test.each<[string, Partial<CreateCooperativeInput>]>([
    ["input.name", { name: "" }],
    ["input.name", { name: "x".repeat(201) }],
    ["input.siret", { siret: "12345678901234" }],
    ["input.siret", { siret: "abc" }],
    ["input.nafCode", { nafCode: "7311" }],
    ["input.website", { website: "javascript:alert(1)" }],
    ["input.description", { description: "x".repeat(5001) }],
    ["input.headcount", { headcount: -1 }],
    ["input.annualRevenue", { annualRevenue: -5 }],
    ["input.location.latitude", { location: { latitude: 91, longitude: 2 } }],
    ["input.location.longitude", { location: { latitude: 45 } }],
    ["input.location.communeCode", { location: { communeCode: "99999" } }],
    ["input.location.postcode", { location: { postcode: "7500" } }],
  ])("bad input on %s is BAD_USER_INPUT naming it, and writes nothing", async (field, over) => {
    const before = await countRows(server, "cooperatives");
    const result = await server.gql(CreateCooperativeDocument, { input: newCoop(over) }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countRows(server, "cooperatives")).toBe(before);
  });

  test("a SIRET already registered is a CONFLICT", async () => {
    const siret = validSiret();
    expect((await server.gql(CreateCooperativeDocument, { input: newCoop({ siret }) }, officer.token)).errors).toBeUndefined();
    const before = await countRows(server, "cooperatives");
    expect(codes(await server.gql(CreateCooperativeDocument, { input: newCoop({ siret }) }, officer.token))).toEqual(["CONFLICT"]);
    expect(await countRows(server, "cooperatives")).toBe(before);
  });

  test("unknown and malformed ids: NOT_FOUND and BAD_USER_INPUT", async () => {
    const unknown = toGlobalId("Cooperative", "00000000-0000-4000-8000-000000000000");
    expect(codes(await server.gql(CooperativeDocument, { id: unknown }, member.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await server.gql(CooperativeDocument, { id: "nope" }, member.token))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await server.gql(CooperativeDocument, { id: owner.globalId }, member.token))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("skills, references and members", () => {
  test("an owner adds, re-levels and removes skills; labels come from the CPV list", async () => {
    const coop = await insertCooperative(server.orm.em.fork(), { owner });
    const add = await server.gql(SetCooperativeSkillDocument, { cooperativeId: coop.gid, skill: { code: "79810000-5", level: 4 } }, owner.token);
    expect(add.errors).toBeUndefined();
    expect(add.data?.setCooperativeSkill.skills).toEqual([{ code: "79810000", label: expect.stringMatching(/impression/i), level: 4 }]);
    const relevel = await server.gql(SetCooperativeSkillDocument, { cooperativeId: coop.gid, skill: { code: "79810000", level: 2 } }, owner.token);
    expect(relevel.data?.setCooperativeSkill.skills).toEqual([expect.objectContaining({ code: "79810000", level: 2 })]);
    const [row] = await server.orm.em.getConnection().execute<{ cpv_prefixes: string[] }[]>("SELECT cpv_prefixes FROM cooperatives WHERE id = ?", [coop.id]);
    expect(row?.cpv_prefixes).toEqual(expect.arrayContaining(["79", "798", "7981"]));
    const removed = await server.gql(RemoveCooperativeSkillDocument, { cooperativeId: coop.gid, code: "79810000" }, owner.token);
    expect(removed.data?.removeCooperativeSkill.skills).toEqual([]);
  });

  test.each([
    ["skill.code", { code: "12345678", level: 3 }],
    ["skill.code", { code: "", level: 3 }],
    ["skill.level", { code: "79810000", level: 6 }],
    ["skill.level", { code: "79810000", level: 0 }],
  ])("bad skill input names %s and writes nothing", async (field, skill) => {
    const coop = await insertCooperative(server.orm.em.fork(), { owner });
    const result = await server.gql(SetCooperativeSkillDocument, { cooperativeId: coop.gid, skill }, owner.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await countRows(server, `cooperative_skills WHERE cooperative_id = '${coop.id}'`)).toBe(0);
  });

  test("a plain member may not change skills", async () => {
    const coop = await insertCooperative(server.orm.em.fork(), { owner, members: [member] });
    const result = await server.gql(SetCooperativeSkillDocument, { cooperativeId: coop.gid, skill: { code: "79810000", level: 3 } }, member.token);
    expect(codes(result)).toEqual(["FORBIDDEN"]);
  });

  test("references: added and removed by the owner, bad year refused", async () => {
    const coop = await insertCooperative(server.orm.em.fork(), { owner });
    const reference = { title: "Rapport annuel", client: "Région Normandie", code: "79810000", year: 2024, amount: 18000 };
    const added = await server.gql(AddCooperativeReferenceDocument, { cooperativeId: coop.gid, reference }, owner.token);
    expect(added.data?.addCooperativeReference).toMatchObject({ title: "Rapport annuel", year: 2024, amount: 18000 });
    const bad = await server.gql(AddCooperativeReferenceDocument, { cooperativeId: coop.gid, reference: { ...reference, year: 1800 } }, owner.token);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "reference.year" });
    const outsiderTry = await server.gql(RemoveCooperativeReferenceDocument, { id: added.data!.addCooperativeReference.id }, outsider.token);
    expect(codes(outsiderTry)).toEqual(["FORBIDDEN"]);
    const removed = await server.gql(RemoveCooperativeReferenceDocument, { id: added.data!.addCooperativeReference.id }, owner.token);
    expect(removed.data?.removeCooperativeReference.references).toEqual([]);
  });

  test("members: a person the owner invites joins by accepting, outsiders do not see the list, the last owner stays", async () => {
    const coop = await insertCooperative(server.orm.em.fork(), { owner });
    const newcomer = await createUser(server, PlatformRole.MEMBER);
    const invited = await server.gql(
      InviteCooperativeMemberDocument,
      { input: { cooperativeId: coop.gid, email: newcomer.email, role: "MEMBER" } },
      owner.token,
    );
    const accepted = await server.gql(
      AnswerCooperativeInvitationDocument,
      { input: { invitationId: invited.data!.inviteCooperativeMember.id, accept: true } },
      newcomer.token,
    );
    expect(accepted.data?.answerCooperativeInvitation.status).toBe("ACCEPTED");
    const asNewcomer = await server.gql(CooperativeDocument, { id: coop.gid }, newcomer.token);
    expect(asNewcomer.data?.cooperative!.members).toHaveLength(2);
    expect(asNewcomer.data?.cooperative!.viewerCanEdit).toBe(false);
    const asOutsider = await server.gql(CooperativeDocument, { id: coop.gid }, outsider.token);
    expect(asOutsider.data?.cooperative!.members).toBeNull();
    const notByMember = await server.gql(
      InviteCooperativeMemberDocument,
      { input: { cooperativeId: coop.gid, email: outsider.email, role: "OWNER" } },
      newcomer.token,
    );
    expect(codes(notByMember)).toEqual(["FORBIDDEN"]);
    const lastOwner = await server.gql(RemoveCooperativeMemberDocument, { cooperativeId: coop.gid, userId: owner.globalId }, owner.token);
    expect(codes(lastOwner)).toEqual(["INVALID_STATE"]);
    const leave = await server.gql(RemoveCooperativeMemberDocument, { cooperativeId: coop.gid, userId: newcomer.globalId }, newcomer.token);
    expect(leave.data?.removeCooperativeMember.members).toHaveLength(1);
  });
});

describe("the directory: filters, pagination, batching", () => {
  let dir: TestServer;
  let reader: TestUser;
  beforeAll(async () => {
    dir = await startTestServer();
    reader = await createUser(dir, PlatformRole.MEMBER);
    const em = dir.orm.em.fork();
    const people = await Promise.all([1, 2, 3].map(() => createUser(dir, PlatformRole.MEMBER)));
    await insertCooperative(em, {
      name: "Imprimerie Normande",
      city: "Rouen",
      lat: 49.443,
      lon: 1.099,
      dept: "76",
      region: "28",
      skills: [
        ["79810000", 5],
        ["22462000", 4],
      ],
      description: "Impression et façonnage",
      owner: people[0],
    });
    await insertCooperative(em, {
      name: "Studio Web du Havre",
      city: "Le Havre",
      lat: 49.494,
      lon: 0.108,
      dept: "76",
      region: "28",
      skills: [["72413000", 5]],
    });
    await insertCooperative(em, { name: "Les Films de Caen", city: "Caen", lat: 49.182, lon: -0.37, dept: "14", region: "28", skills: [["92111000", 4]] });
    await insertCooperative(em, {
      name: "Presses Lyonnaises",
      city: "Lyon",
      lat: 45.764,
      lon: 4.835,
      dept: "69",
      region: "84",
      skills: [["79823000", 3]],
      description: "Imprimeurs depuis 1980",
    });
    await insertCooperative(em, { name: "Atelier sans lieu", skills: [["79822500", 2]] });
    for (let i = 0; i < 55; i++) {
      await insertCooperative(em, {
        name: `Zeta Coop ${String(i).padStart(2, "0")}`,
        lat: 48.85,
        lon: 2.35,
        dept: "75",
        region: "11",
        skills: [
          ["79341000", 3],
          ["79416000", 2],
        ],
        owner: people[i % 3],
        members: [people[(i + 1) % 3]!],
      });
    }
  });
  afterAll(async () => {
    await dir.close();
  });

  const names = (r: Awaited<ReturnType<TestServer["gql"]>>) =>
    ((r.data as { cooperatives: { edges: { node: { name: string } }[] } } | null)?.cooperatives.edges ?? []).map((e) => e.node.name);

  test.each([
    ["text search with French stemming and prefixes", { search: "imprim" }, ["Imprimerie Normande", "Presses Lyonnaises"]],
    ["a CPV prefix", { cpv: "798" }, ["Atelier sans lieu", "Imprimerie Normande", "Presses Lyonnaises"]],
    ["a full CPV code stands for its subtree", { cpv: "79810000" }, ["Imprimerie Normande"]],
    ["a department", { department: "76" }, ["Imprimerie Normande", "Studio Web du Havre"]],
    ["a region", { region: "28" }, ["Imprimerie Normande", "Les Films de Caen", "Studio Web du Havre"]],
    ["within 30 km of a point", { near: { latitude: 49.44, longitude: 1.1, radiusKm: 30 } }, ["Imprimerie Normande"]],
    ["within 100 km of a commune by name", { near: { commune: "Rouen", radiusKm: 100 } }, ["Imprimerie Normande", "Studio Web du Havre"]],
    ["filters combined", { region: "28", cpv: "72" }, ["Studio Web du Havre"]],
  ])("filter by %s", async (_label, filter, expected) => {
    const result = await dir.gql(CooperativesDocument, { first: 20, filter }, reader.token);
    expect(result.errors).toBeUndefined();
    expect(names(result)).toEqual(expected);
    expect(result.data?.cooperatives.totalCount).toBe(expected.length);
  });

  test("DISTANCE order ranks the nearest first", async () => {
    const result = await dir.gql(CooperativesDocument, { first: 3, filter: { near: { commune: "76540", radiusKm: 200 } }, orderBy: "DISTANCE" }, reader.token);
    expect(names(result)).toEqual(["Imprimerie Normande", "Studio Web du Havre", "Les Films de Caen"]);
  });

  test("cursors walk the whole directory once, in order, without gaps or repeats", async () => {
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (let page = 0; page < 10; page++) {
      const result: Awaited<ReturnType<typeof dir.gql<CooperativesQuery, CooperativesQueryVariables>>> = await dir.gql(
        CooperativesDocument,
        { first: 25, after },
        reader.token,
      );
      expect(result.errors).toBeUndefined();
      seen.push(...names(result));
      expect(result.data?.cooperatives.pageInfo.hasPreviousPage).toBe(page > 0);
      if (!result.data?.cooperatives.pageInfo.hasNextPage) break;
      after = result.data.cooperatives.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    expect(seen).toEqual([...seen].sort());
  });

  test.each([
    ["first", { first: 101 }],
    ["first", { first: 0 }],
    ["after", { after: "not-a-cursor" }],
    ["filter.near.radiusKm", { filter: { near: { latitude: 45, longitude: 2, radiusKm: -1 } } }],
    ["filter.near.latitude", { filter: { near: { latitude: 95, longitude: 2, radiusKm: 10 } } }],
    ["filter.near.commune", { filter: { near: { commune: "Atlantis", radiusKm: 10 } } }],
    ["filter.cpv", { filter: { cpv: "abc" } }],
    ["filter.department", { filter: { department: "00" } }],
    ["orderBy", { orderBy: "DISTANCE" as const }],
  ])("bad argument %s is BAD_USER_INPUT naming it", async (field, variables) => {
    const result = await dir.gql(CooperativesDocument, variables, reader.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
  });

  test("a page of 50 with skills, members and references costs the same number of SQL queries as a page of 5", async () => {
    const staff = await createUser(dir, PlatformRole.ADMIN);
    const count = async (first: number) => {
      dir.queries.length = 0;
      const result = await dir.gql(CooperativesWithSkillsDocument, { first }, staff.token);
      expect(result.errors).toBeUndefined();
      expect(result.data?.cooperatives.edges).toHaveLength(first);
      return dir.queries.filter((q) => /select|insert|update/i.test(q)).length;
    };
    const small = await count(5);
    const large = await count(50);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(6);
  });

  test("node(id) refetches a cooperative, and hides a user from other users", async () => {
    const page = await dir.gql(CooperativesDocument, { first: 1 }, reader.token);
    const id = page.data!.cooperatives.edges[0]!.node.id;
    const node = await dir.gql(NodeDocument, { id }, reader.token);
    expect(node.data?.node).toMatchObject({ __typename: "Cooperative", id });
    const other = await createUser(dir, PlatformRole.MEMBER);
    expect((await dir.gql(NodeDocument, { id: other.globalId }, reader.token)).data?.node).toBeNull();
    expect((await dir.gql(NodeDocument, { id: reader.globalId }, reader.token)).data?.node).toMatchObject({ __typename: "User" });
  });
});
