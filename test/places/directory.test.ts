import { PlatformRole } from "../../src/auth/roles";
import { haversineKm } from "../../src/common/geo";
import { isValidSiret } from "../../src/cooperatives/siret";
import { seedDemo, TRADES } from "../../src/db/seed";
import {
  CommunesDocument,
  CreatePlacedCooperativeDocument,
  CreateTenderDocument,
  DepartmentsDocument,
  DirectoryNearDocument,
  RegionsDocument,
  type CreateCooperativeInput,
} from "../generated/graphql";
import { createUser, validSiret, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let officer: TestUser;
let member: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [officer, member] = await Promise.all([createUser(server, PlatformRole.MISSION_OFFICER), createUser(server, PlatformRole.MEMBER)]);
  // The demo directory: the search and the SIRET checks below run over it.
  await seedDemo(server.orm.em.fork());
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const coop = (name: string, location: CreateCooperativeInput["location"], description = "Coopérative de test."): CreateCooperativeInput => ({
  name,
  legalForm: "SCOP_SARL",
  siret: validSiret(),
  description,
  location,
});

/** The field a BAD_USER_INPUT names, and its message. */
function badInput(result: { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) {
  expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
  return { field: result.errors?.[0]?.extensions?.field, message: result.errors?.[0]?.message ?? "" };
}

describe("regions and departments", () => {
  test("the 18 regions with their departments, and the departments with their region", async () => {
    const regions = await server.gql(RegionsDocument, {}, member.token);
    expect(regions.errors).toBeUndefined();
    expect(regions.data!.regions).toHaveLength(18);
    const normandie = regions.data!.regions.find((r) => r.code === "28");
    expect(normandie).toMatchObject({ name: "Normandie", overseas: false, chefLieu: "Rouen" });
    expect(normandie!.departments.map((d) => d.code)).toEqual(["14", "27", "50", "61", "76"]);
    const all = await server.gql(DepartmentsDocument, {}, member.token);
    expect(all.data!.departments).toHaveLength(101);
    expect(all.data!.departments.find((d) => d.code === "2A")).toMatchObject({ name: "Corse-du-Sud", region: { code: "94" } });
    const ofRegion = await server.gql(DepartmentsDocument, { region: "28" }, member.token);
    expect(ofRegion.data!.departments.find((d) => d.code === "76")).toMatchObject({
      name: "Seine-Maritime",
      nuts3: "FRD22",
      prefecture: "Rouen",
      region: { name: "Normandie" },
    });
  });

  test("an unknown region or department code is BAD_USER_INPUT naming the field", async () => {
    expect(badInput(await server.gql(DepartmentsDocument, { region: "99" }, member.token)).field).toBe("region");
    expect(badInput(await server.gql(DirectoryNearDocument, { filter: { department: "99" } }, member.token)).field).toBe("filter.department");
    expect(badInput(await server.gql(DirectoryNearDocument, { filter: { region: "99" } }, member.token)).field).toBe("filter.region");
    const normandie = await server.gql(DirectoryNearDocument, { first: 100, filter: { region: "28" } }, member.token);
    expect(normandie.errors).toBeUndefined();
  });
});

describe("every commune resolves", () => {
  test("a commune under 3,000 inhabitants, by name, INSEE code and postcode, says where its point comes from", async () => {
    const byName = await server.gql(CommunesDocument, { search: "anceaumeville" }, member.token);
    expect(byName.data!.communes).toEqual([
      expect.objectContaining({
        code: "76007",
        name: "Anceaumeville",
        postcodes: ["76710"],
        precision: "COMMUNE",
        department: expect.objectContaining({ code: "76" }),
      }),
    ]);
    expect(byName.data!.communes[0]!.population).toBeLessThan(3000);
    // no point of its own: the mean of the other communes of its postcode, and it says so
    const byCode = await server.gql(CommunesDocument, { search: "76006" }, member.token);
    expect(byCode.data!.communes[0]).toMatchObject({
      code: "76006",
      name: "Amfreville-les-Champs",
      precision: "POSTCODE",
      label: "Amfreville-les-Champs (76)",
    });
    const byPostcode = await server.gql(CommunesDocument, { search: "76560", first: 50 }, member.token);
    const served = byPostcode.data!.communes;
    expect(served.map((c) => c.code)).toContain("76006");
    // "76560" is also an INSEE code (of another commune, listed first): keep those of the postcode
    const own = served.filter((c) => c.code !== "76006" && c.postcodes.includes("76560") && c.precision === "COMMUNE");
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(byCode.data!.communes[0]!.latitude).toBeCloseTo(mean(own.map((c) => c.latitude)), 3);
    // namesakes are listed, most populous first, and the bracket picks one
    const denis = await server.gql(CommunesDocument, { search: "saint denis" }, member.token);
    expect(denis.data!.communes.slice(0, 2).map((c) => c.label)).toEqual(["Saint-Denis (974)", "Saint-Denis (93)"]);
    const picked = await server.gql(CommunesDocument, { search: "Saint-Denis (93)" }, member.token);
    expect(picked.data!.communes.map((c) => c.code)).toEqual(["93066"]);
    expect(badInput(await server.gql(CommunesDocument, { search: "x", first: 51 }, member.token)).field).toBe("first");
  });

  test("a cooperative created in a small commune gets its point and is found by distance", async () => {
    const created = await server.gql(
      CreatePlacedCooperativeDocument,
      { input: coop("Atelier des Champs", { city: "Amfreville les Champs (76)", address: "2 rue du Bourg" }) },
      member.token,
    );
    expect(created.errors).toBeUndefined();
    const c = created.data!.createCooperative;
    // its namesake of the Eure (27) is as small: the bare name is ambiguous
    const bare = badInput(await server.gql(CreatePlacedCooperativeDocument, { input: coop("Refusée", { city: "Amfreville-les-Champs" }) }, member.token));
    expect(bare.message).toContain("Amfreville-les-Champs (27)");
    expect(c).toMatchObject({
      communeCode: "76006",
      city: "Amfreville-les-Champs",
      postcode: "76560",
      departmentCode: "76",
      regionCode: "28",
      locationPrecision: "POSTCODE",
    });
    expect(c.latitude).toBeCloseTo(49.71, 1);
    // by postcode alone when it serves one commune (1,725 inhabitants)
    const byPostcode = await server.gql(CreatePlacedCooperativeDocument, { input: coop("Presses des Ventes", { postcode: "76950" }) }, member.token);
    expect(byPostcode.data!.createCooperative).toMatchObject({ communeCode: "76321", city: "Les Grandes-Ventes", locationPrecision: "COMMUNE" });
    // given coordinates say so
    const given = await server.gql(
      CreatePlacedCooperativeDocument,
      { input: coop("Studio du Quai", { communeCode: "76007", latitude: 49.57, longitude: 1.05 }) },
      member.token,
    );
    expect(given.data!.createCooperative).toMatchObject({ communeCode: "76007", locationPrecision: "GIVEN" });

    const near = await server.gql(
      DirectoryNearDocument,
      { first: 10, filter: { near: { commune: "76006", radiusKm: 2 } }, orderBy: "DISTANCE" },
      officer.token,
    );
    expect(near.errors).toBeUndefined();
    expect(near.data!.cooperatives.edges[0]).toMatchObject({ node: { id: c.id }, distanceKm: 0 });
    const byPostcodeCentre = await server.gql(DirectoryNearDocument, { first: 10, filter: { near: { postcode: "76950", radiusKm: 1 } } }, officer.token);
    expect(byPostcodeCentre.data!.cooperatives.edges.map((e) => e.node.name)).toEqual(["Presses des Ventes"]);
  });

  test("a tender placed in a small commune gets its point too", async () => {
    const input = {
      kind: "PUBLIC_TENDER" as const,
      title: "Affiches du comice",
      buyerName: "Commune d'Anceaumeville",
      place: { city: "Anceaumeville", postcode: "76710" },
    };
    const result = await server.gql(CreateTenderDocument, { input }, officer.token);
    expect(result.errors).toBeUndefined();
    expect(result.data!.createTender).toMatchObject({ communeCode: "76007", departmentCode: "76" });
    expect(result.data!.createTender.latitude).toBeCloseTo(49.5715, 3);
    expect(result.data!.createTender.longitude).toBeCloseTo(1.0507, 3);
  });

  test("bad places: unknown postcode or commune, a postcode that does not serve the city, an ambiguous name", async () => {
    const cases: [CreateCooperativeInput["location"], string][] = [
      [{ postcode: "00000" }, "input.location.postcode"],
      [{ postcode: "7656" }, "input.location.postcode"],
      [{ city: "Nulle-Part-sur-Mer" }, "input.location.city"],
      [{ communeCode: "76999" }, "input.location.communeCode"],
      [{ city: "Anceaumeville", postcode: "76950" }, "input.location.postcode"],
    ];
    for (const [location, field] of cases) {
      expect(badInput(await server.gql(CreatePlacedCooperativeDocument, { input: coop("Refusée", location) }, member.token)).field).toBe(field);
    }
    const ambiguous = badInput(await server.gql(CreatePlacedCooperativeDocument, { input: coop("Refusée", { city: "Saint-Denis" }) }, member.token));
    expect(ambiguous.field).toBe("input.location.city");
    expect(ambiguous.message).toContain("Saint-Denis (93)");
    // the postcode tells namesakes apart
    const withPostcode = await server.gql(
      CreatePlacedCooperativeDocument,
      { input: coop("Studio Dionysien", { city: "Saint-Denis", postcode: "93200" }) },
      member.token,
    );
    expect(withPostcode.data?.createCooperative).toMatchObject({ communeCode: "93066" });

    const near = (n: object) => server.gql(DirectoryNearDocument, { filter: { near: { radiusKm: 10, ...n } } }, officer.token);
    expect(badInput(await near({ postcode: "00000" })).field).toBe("filter.near.postcode");
    expect(badInput(await near({ commune: "Nulle-Part" })).field).toBe("filter.near.commune");
    expect(badInput(await near({ commune: "Saint-Denis" })).message).toContain("Saint-Denis (974)");
    expect(badInput(await near({ commune: "Rouen", postcode: "76000" })).field).toBe("filter.near");
    const [refused] = await server.orm.em.getConnection().execute<{ n: string }[]>("SELECT count(*) AS n FROM cooperatives WHERE name = 'Refusée'");
    expect(Number(refused?.n)).toBe(0);
  });
});

describe("the directory's search and distances", () => {
  test("search ignores accents and case, both ways", async () => {
    await server.gql(CreatePlacedCooperativeDocument, { input: coop("Video Lab Ouest", { communeCode: "35238" }, "Captations et montage.") }, member.token);
    const search = async (text: string) => {
      const result = await server.gql(DirectoryNearDocument, { first: 100, filter: { search: text } }, officer.token);
      expect(result.errors).toBeUndefined();
      return result.data!.cooperatives.edges.map((e) => e.node.name).sort();
    };
    const plain = await search("video");
    // the demo's film studios ("Studio vidéo ...") and the one without an accent
    expect(plain.filter((n) => n.startsWith("Studio vidéo")).length).toBeGreaterThan(3);
    expect(plain).toContain("Video Lab Ouest");
    expect(await search("VIDEO")).toEqual(plain);
    expect(await search("vidéo")).toEqual(plain);
    expect(await search("VIDÉO")).toEqual(plain);
    // still the French stemming and prefix match
    expect((await search("imprim")).length).toBeGreaterThan(10);
  });

  test("the search uses its index on the demo data", async () => {
    const connection = server.orm.em.getConnection();
    await connection.execute("ANALYZE cooperatives");
    await connection.execute("SET enable_seqscan = off");
    const plan = await connection.execute<{ "QUERY PLAN": string }[]>(
      "EXPLAIN SELECT id FROM cooperatives c WHERE c.search @@ to_tsquery('french_unaccent', 'video:*')",
    );
    await connection.execute("RESET enable_seqscan");
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("cooperatives_search_index");
  });

  test("each edge of a search near a place carries the distance to its centre; none without a centre", async () => {
    const centre = { lat: 49.4431, lon: 1.0993 };
    const result = await server.gql(
      DirectoryNearDocument,
      { first: 20, filter: { near: { latitude: centre.lat, longitude: centre.lon, radiusKm: 150 } }, orderBy: "DISTANCE" },
      officer.token,
    );
    expect(result.errors).toBeUndefined();
    const edges = result.data!.cooperatives.edges;
    expect(edges.length).toBeGreaterThan(3);
    for (const edge of edges) {
      expect(edge.distanceKm).toBeCloseTo(haversineKm(centre, { lat: edge.node.latitude!, lon: edge.node.longitude! }), 3);
    }
    const distances = edges.map((e) => e.distanceKm!);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    const plain = await server.gql(DirectoryNearDocument, { first: 3 }, officer.token);
    expect(plain.data!.cooperatives.edges.every((e) => e.distanceKm === null)).toBe(true);
  });
});

describe("the demo data", () => {
  test("every SIRET holds both keys, addresses vary, design studios carry design codes", async () => {
    const rows = await server.orm.em
      .getConnection()
      .execute<{ siret: string; address: string; city: string; name: string; latitude: number | null }[]>(
        "SELECT siret, address, city, name, latitude FROM cooperatives WHERE name NOT IN ('Atelier des Champs', 'Presses des Ventes', 'Studio du Quai', 'Studio Dionysien', 'Video Lab Ouest')",
      );
    expect(rows).toHaveLength(320);
    expect(rows.filter((r) => !isValidSiret(r.siret)).map((r) => r.siret)).toEqual([]);
    expect(new Set(rows.map((r) => r.address)).size).toBeGreaterThan(250);
    expect(rows.every((r) => r.latitude !== null)).toBe(true);
    const design = TRADES.find((t) => t.naf === "74.10Z")!;
    expect(design.skills).toContain("79930000");
    expect(design.skills).not.toContain("79932000");
    const [interior] = await server.orm.em
      .getConnection()
      .execute<{ n: string }[]>(
        "SELECT count(*) AS n FROM cooperative_skills s JOIN cooperatives c ON c.id = s.cooperative_id WHERE s.cpv = '79932000' AND c.naf_code = '74.10Z'",
      );
    expect(Number(interior?.n)).toBe(0);
  });
});
