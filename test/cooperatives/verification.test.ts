import { PlatformRole } from "../../src/auth/roles";
import { withLuhnKey } from "../../src/cooperatives/siret";
import { toGlobalId } from "../../src/common/node";
import { CooperativeStatusDocument, CreateCooperativeDocument, VerifyCooperativeDocument } from "../generated/graphql";
import { createUser, insertCooperative, validSiret, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { codeOf, doc, wsFirst, type Vars } from "../security/harness";
import { call, CREATE_BID, openTender } from "../security/world";

/*
 * A cooperative registered by a member is PENDING until a mission officer checks its SIRET: until
 * then it cannot lead or join a bid, be invited or shortlisted, see opportunities, nor be proposed
 * by the matching. Staff registrations are VERIFIED at once.
 */

let server: TestServer;
let owner: TestUser;
let officer: TestUser;
let partnerOwner: TestUser;
let pending: { gid: string; siret: string };
let partner: { gid: string };
const SKILLS = [
  ["79810000", 5],
  ["72413000", 5],
] as const;

async function gql(token: string | null, text: string, variables: Vars = {}) {
  return server.gql(doc(text), variables, token);
}

beforeAll(async () => {
  server = await startTestServer();
  [owner, officer, partnerOwner] = await Promise.all([createUser(server), createUser(server, PlatformRole.MISSION_OFFICER), createUser(server)]);
  const siret = validSiret();
  const created = await server.gql(
    CreateCooperativeDocument,
    { input: { name: "Atelier en attente", legalForm: "SCOP_SARL", siret, location: { communeCode: "76540" } } },
    owner.token,
  );
  expect(created.errors).toBeUndefined();
  pending = { gid: created.data!.createCooperative.id, siret };
  for (const [code, level] of SKILLS) {
    await call(
      server,
      owner.token,
      `mutation($id: ID!, $skill: SkillInput!) { setCooperativeSkill(cooperativeId: $id, skill: $skill) { id } }`,
      { id: pending.gid, skill: { code, level } },
      "setCooperativeSkill.id",
    );
  }
  const em = server.orm.em.fork();
  const inserted = await insertCooperative(em, {
    owner: partnerOwner,
    name: "Partenaire vérifié",
    skills: SKILLS.map(([c, l]) => [c, l]),
    lat: 49.44,
    lon: 1.1,
  });
  partner = { gid: inserted.gid };
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const SUGGESTIONS = `query($id: ID!) { tender(id: $id) { consortiumSuggestions(first: 10) { suggestions { members { cooperative { id } } } } } }`;
const MATCHES = `query($id: ID!) { tender(id: $id) { matches(first: 100) { edges { node { cooperative { id } } } } } }`;
const OPPORTUNITIES = `query($id: ID!) { cooperative(id: $id) { opportunities(first: 10) { totalCount } } }`;
const matchIds = (data: unknown) =>
  ((data as { tender: { matches: { edges: { node: { cooperative: { id: string } } }[] } } }).tender.matches.edges ?? []).map((e) => e.node.cooperative.id);
const suggestedIds = (data: unknown) =>
  (
    data as { tender: { consortiumSuggestions: { suggestions: { members: { cooperative: { id: string } }[] }[] } } }
  ).tender.consortiumSuggestions.suggestions.flatMap((s) => s.members.map((m) => m.cooperative.id));

describe("a pending cooperative", () => {
  test("registered by a member it is PENDING; registered by an officer it is VERIFIED", async () => {
    expect((await server.gql(CooperativeStatusDocument, { id: pending.gid }, owner.token)).data?.cooperative).toMatchObject({
      status: "PENDING",
      verifiedAt: null,
    });
    const staff = await server.gql(
      CreateCooperativeDocument,
      { input: { name: "Coop de l'officier", legalForm: "SCOP_SAS", siret: validSiret() } },
      officer.token,
    );
    const status = await server.gql(CooperativeStatusDocument, { id: staff.data!.createCooperative.id }, officer.token);
    expect(status.data?.cooperative?.status).toBe("VERIFIED");
    expect(status.data?.cooperative?.verifiedAt).toBeTruthy();
  });

  test("registration refuses a SIRET whose SIREN key is wrong, even when the SIRET's own key is right", async () => {
    const good = validSiret();
    const siren = good.slice(0, 8) + String((Number(good[8]) + 1) % 10);
    const result = await server.gql(
      CreateCooperativeDocument,
      { input: { name: "Clé SIREN fausse", legalForm: "SCOP_SARL", siret: withLuhnKey(siren + good.slice(9, 13)) } },
      owner.token,
    );
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("input.siret");
    expect(result.errors?.[0]?.message).toMatch(/SIREN/);
  });

  test("cannot lead a bid, ask for a completed offer, be invited to a bid or be shortlisted; writes nothing", async () => {
    const tender = await openTender(server);
    const bids = await server.orm.em.getConnection().execute<{ n: string }[]>("SELECT count(*) AS n FROM bids");
    const lead = await gql(owner.token, CREATE_BID, { input: { tenderId: tender.gid, leadCooperativeId: pending.gid, groupType: "CONJOINT" } });
    expect(codes(lead)).toEqual(["INVALID_STATE"]);
    expect(lead.errors?.[0]?.message).toMatch(/awaiting verification/);
    const completion = await gql(owner.token, `mutation($input: RequestCompletionInput!) { requestCompletion(input: $input) { id } }`, {
      input: { tenderId: tender.gid, leadCooperativeId: pending.gid },
    });
    expect(codes(completion)).toEqual(["INVALID_STATE"]);
    expect(await server.orm.em.getConnection().execute<{ n: string }[]>("SELECT count(*) AS n FROM bids")).toEqual(bids);

    const bid = await call(
      server,
      partnerOwner.token,
      CREATE_BID,
      { input: { tenderId: tender.gid, leadCooperativeId: partner.gid, groupType: "CONJOINT" } },
      "createBid.id",
    );
    const invite = await gql(partnerOwner.token, `mutation($input: InviteBidMemberInput!) { inviteBidMember(input: $input) { id } }`, {
      input: { bidId: bid, cooperativeId: pending.gid },
    });
    expect(codes(invite)).toEqual(["INVALID_STATE"]);
    const shortlist = await gql(officer.token, `mutation($input: ShortlistInput!) { shortlistCooperative(input: $input) { id } }`, {
      input: { tenderId: tender.gid, cooperativeId: pending.gid },
    });
    expect(codes(shortlist)).toEqual(["INVALID_STATE"]);
  });

  test("cannot see opportunities, by query or subscription", async () => {
    expect(codes(await gql(owner.token, OPPORTUNITIES, { id: pending.gid }))).toEqual(["INVALID_STATE"]);
    const client = server.ws(owner.token);
    const live = await wsFirst(client, `subscription($id: ID!) { opportunities(cooperative: $id) { score } }`, { id: pending.gid }, 2000);
    await client.dispose();
    expect(codeOf(live.errors)).toBe("INVALID_STATE");
  });

  test("is proposed by no ranking nor consortium suggestion", async () => {
    const tender = await openTender(server);
    const matches = await gql(officer.token, MATCHES, { id: tender.gid });
    expect(matches.errors).toBeUndefined();
    expect(matchIds(matches.data)).toContain(partner.gid);
    expect(matchIds(matches.data)).not.toContain(pending.gid);
    const suggestions = await gql(officer.token, SUGGESTIONS, { id: tender.gid });
    expect(suggestions.errors).toBeUndefined();
    expect(suggestedIds(suggestions.data)).not.toContain(pending.gid);
  });
});

describe("verifyCooperative", () => {
  const wrongSiretKey = () => pending.siret.slice(0, 13) + String((Number(pending.siret[13]) + 1) % 10);
  const wrongSirenKey = () => {
    // The SIRET's own key is right, the SIREN's (9th digit) is not.
    const siren = pending.siret.slice(0, 8) + String((Number(pending.siret[8]) + 1) % 10);
    return withLuhnKey(siren + pending.siret.slice(9, 13));
  };

  test.each([
    ["a wrong SIRET key", wrongSiretKey, /wrong Luhn key/],
    ["a wrong SIREN key", wrongSirenKey, /SIREN/],
    ["another valid SIRET", () => validSiret(), /does not match/],
    ["letters", () => "ABCDEFGHIJKLMN", /14 digits/],
  ])("%s is BAD_USER_INPUT on input.siret and leaves it PENDING", async (_what, siret, message) => {
    const result = await server.gql(VerifyCooperativeDocument, { input: { cooperativeId: pending.gid, siret: siret() } }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("input.siret");
    expect(result.errors?.[0]?.message).toMatch(message);
    expect((await server.gql(CooperativeStatusDocument, { id: pending.gid }, officer.token)).data?.cooperative?.status).toBe("PENDING");
  });

  test("a member (even its owner) cannot verify; a missing cooperative is NOT_FOUND", async () => {
    expect(codes(await server.gql(VerifyCooperativeDocument, { input: { cooperativeId: pending.gid, siret: pending.siret } }, owner.token))).toEqual([
      "FORBIDDEN",
    ]);
    const missing = toGlobalId("Cooperative", "00000000-0000-4000-8000-000000000000");
    expect(codes(await server.gql(VerifyCooperativeDocument, { input: { cooperativeId: missing, siret: pending.siret } }, officer.token))).toEqual([
      "NOT_FOUND",
    ]);
  });

  test("officers find it among the PENDING registrations of the directory", async () => {
    const list = await gql(officer.token, `query { cooperatives(first: 100, filter: { status: PENDING }) { edges { node { id status } } } }`);
    expect(list.errors).toBeUndefined();
    const nodes = (list.data?.cooperatives as { edges: { node: { id: string; status: string } }[] }).edges.map((e) => e.node);
    expect(nodes.map((n) => n.id)).toContain(pending.gid);
    expect(new Set(nodes.map((n) => n.status))).toEqual(new Set(["PENDING"]));
  });

  test("an officer verifies it with its SIRET; then it leads a bid, sees opportunities and is ranked", async () => {
    const spaced = `${pending.siret.slice(0, 3)} ${pending.siret.slice(3, 6)} ${pending.siret.slice(6, 9)} ${pending.siret.slice(9)}`;
    const verified = await server.gql(VerifyCooperativeDocument, { input: { cooperativeId: pending.gid, siret: spaced } }, officer.token);
    expect(verified.errors).toBeUndefined();
    expect(verified.data?.verifyCooperative.status).toBe("VERIFIED");
    const [row] = await server.orm.em
      .getConnection()
      .execute<{ verified_by_id: string }[]>("SELECT verified_by_id FROM cooperatives WHERE siret = ?", [pending.siret]);
    expect(row?.verified_by_id).toBe(officer.id);

    const tender = await openTender(server);
    expect(matchIds((await gql(officer.token, MATCHES, { id: tender.gid })).data)).toContain(pending.gid);
    expect((await gql(owner.token, OPPORTUNITIES, { id: pending.gid })).errors).toBeUndefined();
    expect(
      (await gql(owner.token, CREATE_BID, { input: { tenderId: tender.gid, leadCooperativeId: pending.gid, groupType: "CONJOINT" } })).errors,
    ).toBeUndefined();
  });
});
