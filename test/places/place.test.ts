import { PlatformRole } from "../../src/auth/roles";
import {
  CreateClientOrganisationWithPlaceDocument,
  CreateCooperativeWithPlaceDocument,
  CreateTenderWithPlaceDocument,
  DirectoryPlacesAndFlatDocument,
  DirectoryPlacesDocument,
  TenderPlaceDocument,
  UpdateTenderPlaceDocument,
  type PlaceFieldsFragment,
} from "../generated/graphql";
import { createUser, validSiret, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

/*
 * `place`: one type for where a cooperative, a tender (its place of performance) and a client
 * organisation are, with its codes resolved to the reference records; the flat fields of before
 * stay and agree with it.
 */

let server: TestServer;
let officer: TestUser;
let client: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [officer, client] = await Promise.all([createUser(server, PlatformRole.MISSION_OFFICER), createUser(server, PlatformRole.CLIENT)]);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function ok<T>(promise: Promise<{ data?: T | null; errors?: readonly { message: string }[] }>): Promise<T> {
  const result = await promise;
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

type Flat = {
  city?: string | null;
  communeCode?: string | null;
  departmentCode?: string | null;
  regionCode?: string | null;
  latitude?: number | null;
  longitude?: number | null;
};

/** The flat fields are the place's. */
function expectFlatAsPlace(record: Flat & { place: PlaceFieldsFragment }): void {
  const { place } = record;
  expect([record.city, record.communeCode, record.departmentCode, record.regionCode, record.latitude, record.longitude]).toEqual([
    place.city,
    place.communeCode,
    place.departmentCode,
    place.regionCode,
    place.latitude,
    place.longitude,
  ]);
}

describe("place", () => {
  test("a cooperative's place: commune, department and region resolved, the commune's point", async () => {
    const input = { name: "Presses du Robec", legalForm: "SCOP_SARL" as const, siret: validSiret(), location: { communeCode: "76540" } };
    const { createCooperative: coop } = await ok(server.gql(CreateCooperativeWithPlaceDocument, { input }, officer.token));
    expect(coop.place).toMatchObject({
      city: "Rouen",
      communeCode: "76540",
      departmentCode: "76",
      regionCode: "28",
      commune: { code: "76540", label: "Rouen (76)" },
      department: { code: "76", name: "Seine-Maritime" },
      region: { code: "28", name: "Normandie" },
    });
    expect(coop.place.latitude).toBeCloseTo(49.44, 1);
    expect(coop.place.longitude).toBeCloseTo(1.09, 1);
    expectFlatAsPlace(coop);
  });

  test("a tender's place of performance: a commune, or a NUTS code only (its department's prefecture); and its update", async () => {
    const base = { kind: "PUBLIC_TENDER" as const, title: "Affiches", buyerName: "Ville" };
    const { createTender: inCommune } = await ok(
      server.gql(CreateTenderWithPlaceDocument, { input: { ...base, place: { city: "Caen", postcode: "14000" } } }, officer.token),
    );
    expect(inCommune.place).toMatchObject({ city: "Caen", communeCode: "14118", department: { code: "14" }, region: { name: "Normandie" } });
    expectFlatAsPlace(inCommune);

    const { createTender: nutsOnly } = await ok(server.gql(CreateTenderWithPlaceDocument, { input: { ...base, place: { nutsCode: "FRD22" } } }, officer.token));
    expect(nutsOnly.nutsCode).toBe("FRD22");
    expect(nutsOnly.place).toMatchObject({ city: null, communeCode: null, commune: null, department: { code: "76" }, region: { code: "28" } });
    expect(nutsOnly.place.latitude).toBeCloseTo(49.44, 1); // Rouen, the prefecture
    expectFlatAsPlace(nutsOnly);

    const { updateTender: moved } = await ok(
      server.gql(UpdateTenderPlaceDocument, { id: nutsOnly.id, input: { place: { communeCode: "76351" } } }, officer.token),
    );
    expect(moved.place).toMatchObject({ city: "Le Havre", communeCode: "76351", department: { code: "76" } });
    expect(moved.city).toBe("Le Havre");
    const { tender: read } = await ok(server.gql(TenderPlaceDocument, { id: nutsOnly.id }, officer.token));
    expect(read?.place).toEqual(moved.place);

    const { updateTender: cleared } = await ok(server.gql(UpdateTenderPlaceDocument, { id: nutsOnly.id, input: { place: {} } }, officer.token));
    expect(cleared.place).toMatchObject({ city: null, communeCode: null, departmentCode: null, latitude: null, commune: null, department: null, region: null });
    // Read back: a place with no column set is still a place (its fields null), not null.
    const { tender: empty } = await ok(server.gql(TenderPlaceDocument, { id: nutsOnly.id }, officer.token));
    expect(empty).toMatchObject({ city: null, place: { city: null, communeCode: null, latitude: null, department: null } });
  });

  test("a client organisation's place", async () => {
    const input = { name: "Festival du Havre", siret: validSiret(), location: { city: "Le Havre" } };
    const { createClientOrganisation: org } = await ok(server.gql(CreateClientOrganisationWithPlaceDocument, { input }, client.token));
    expect(org.place).toMatchObject({ city: "Le Havre", communeCode: "76351", departmentCode: "76", regionCode: "28", region: { name: "Normandie" } });
    expectFlatAsPlace(org);
  });

  test("the directory's read path fills the place, alone or with the flat fields", async () => {
    const input = { name: "Atelier de Dieppe", legalForm: "SCOP_SARL" as const, siret: validSiret(), location: { communeCode: "76217" } };
    const { createCooperative: coop } = await ok(server.gql(CreateCooperativeWithPlaceDocument, { input }, officer.token));
    const filter = { search: "Atelier de Dieppe" };
    const placeOnly = await ok(server.gql(DirectoryPlacesDocument, { first: 5, filter }, officer.token));
    const node = placeOnly.cooperatives.edges.map((e) => e.node).find((n) => n.id === coop.id);
    expect(node?.place).toMatchObject({ city: "Dieppe", departmentCode: "76", department: { name: "Seine-Maritime" } });
    expect(node?.place.latitude).toBeCloseTo(49.92, 1);
    const both = await ok(server.gql(DirectoryPlacesAndFlatDocument, { first: 5, filter }, officer.token));
    const row = both.cooperatives.edges.map((e) => e.node).find((n) => n.id === coop.id);
    expect(row).toMatchObject({ city: "Dieppe", place: { city: "Dieppe", communeCode: "76217", regionCode: "28", region: { name: "Normandie" } } });
    expect(row?.latitude).toBe(coop.place.latitude);
    expect(row?.place.longitude).toBe(coop.place.longitude);
  });
});
