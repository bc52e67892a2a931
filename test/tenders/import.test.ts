import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { ApiToken } from "../../src/auth/api-token.entity";
import { ApiScope, PlatformRole } from "../../src/auth/roles";
import { hashApiSecret, newApiSecret } from "../../src/auth/tokens";
import { User } from "../../src/auth/user.entity";
import { ImportNoticeDocument, TenderDocument, type ImportNoticeMutation } from "../generated/graphql";
import { countRows, createUser, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";

const FIXTURES = path.resolve(__dirname, "../fixtures/eforms");
const xml = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");

let server: TestServer;
let officer: TestUser, member: TestUser, admin: TestUser;

async function token(scopes: ApiScope[]): Promise<string> {
  const em = server.orm.em.fork();
  const secret = newApiSecret();
  em.create(ApiToken, { name: "test", secretHash: hashApiSecret(secret), prefix: secret.slice(0, 8), scopes, createdBy: em.getReference(User, admin.id) });
  await em.flush();
  return secret;
}

beforeAll(async () => {
  server = await startTestServer();
  [officer, member, admin] = await Promise.all([
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.MEMBER),
    createUser(server, PlatformRole.ADMIN),
  ]);
});
afterAll(async () => {
  await server.close();
});

type Imported = ImportNoticeMutation["importNotice"];

async function importAs(name: string, who = officer.token): Promise<Imported> {
  const result = await server.gql(ImportNoticeDocument, { xml: xml(name) }, who);
  expect(result.errors).toBeUndefined();
  return result.data!.importNotice;
}

async function tableCounts(): Promise<number[]> {
  return Promise.all(["tenders", "lots", "tender_notices"].map((t) => countRows(server, t)));
}

async function dbRow(id: string): Promise<Record<string, unknown>> {
  const rows = await server.orm.em
    .getConnection()
    .execute<Record<string, unknown>[]>(
      "SELECT t.*, (SELECT count(*) FROM lots l WHERE l.tender_id = t.id)::int AS lot_count FROM tenders t WHERE t.external_notice_id = ?",
      [id],
    );
  return rows[0] ?? {};
}

describe("importing eForms notices", () => {
  test("cn_24_FRA_comments: a French contract notice with two lots, NUTS FRD22 placed in Seine-Maritime", async () => {
    const r = await importAs("cn_24_FRA_comments.xml");
    expect(r).toMatchObject({ status: "CREATED", noticeId: "da4d46e9-490b-41ff-a2ae-8166d356a619", version: "01", noticeKind: "CONTRACT_NOTICE" });
    const t = r.tender;
    expect(t).toMatchObject({
      kind: "PUBLIC_TENDER",
      status: "CLOSED", // its deadline (2019) has passed
      source: "EFORMS",
      externalNoticeId: "da4d46e9-490b-41ff-a2ae-8166d356a619",
      noticeVersion: "01",
      contractFolderId: "e3cdabf1-e057-47a5-9210-b1f6fc757228",
      procedureType: "open",
      buyerName: "Rouen Habitat",
      title: "Service d'entretien de remise en état et de nettoyage des espaces verts",
      nutsCode: "FRD22",
      countryCode: "FRA",
      departmentCode: "76",
      regionCode: "28",
      estimatedValue: null,
      currency: "EUR",
      submissionDeadline: "2019-06-24T16:00:00.000Z",
      publishedAt: "2019-05-09T23:00:00.000Z",
      maxLotsPerTenderer: 2,
      cpvCodes: ["77310000"],
      acceptsBids: false,
      noticeAwards: [],
    });
    expect(t.latitude).toBeCloseTo(49.44, 1); // Rouen, the prefecture
    expect(t.longitude).toBeCloseTo(1.09, 1);
    expect(t.awardCriteria.map((c) => [c.name, c.weight, c.type])).toEqual([
      ["Prix", 60, "price"],
      ["Qualité", 40, "quality"],
    ]);
    expect(t.lots.map((l) => [l.number, l.externalId, l.title, l.cpvCodes])).toEqual([
      [1, "LOT-0001", "Agence centre", ["77310000"]],
      [2, "LOT-0002", "Agence Hauts de Rouen", ["77310000"]],
    ]);
    const row = await dbRow("da4d46e9-490b-41ff-a2ae-8166d356a619");
    expect(row).toMatchObject({ source: "EFORMS", contract_folder_id: "e3cdabf1-e057-47a5-9210-b1f6fc757228", department_code: "76", lot_count: 2 });
    expect(row.cpv_prefixes).toEqual(["77", "773", "7731"]);
  });

  test("cn_24_maximal: values, group rules and a place outside France", async () => {
    const t = (await importAs("cn_24_maximal.xml")).tender;
    expect(t).toMatchObject({
      noticeVersion: "03",
      procedureType: "neg-w-call",
      buyerName: "Financial Adinistration for ...",
      title: "Procurement Title ---",
      nutsCode: "LU000",
      countryCode: "LUX",
      departmentCode: null,
      latitude: null,
      city: "Luxembourg",
      estimatedValue: 10000000,
      maxLotsPerTenderer: 2,
      groupLegalFormRequired: true,
      groupLegalForm: "Tenderer Legal Form Description ---",
      cpvCodes: ["79710000", "79720000", "75121000"],
    });
    expect(t.lots.map((l) => [l.number, l.estimatedValue])).toEqual([
      [1, 10000000],
      [2, 10000000],
    ]);
  });

  test("cn_24_multilingual keeps the French text", async () => {
    const t = (await importAs("cn_24_multilingual.xml")).tender;
    expect(t.title).toBe("Fourniture de services informatiques liés aux systèmes informatiques OP (EUR-Lex, N-Lex, Search Layer, etc.)");
    expect(t.buyerName).toBe("Office des publications de l'Union européenne");
    expect(t).toMatchObject({ estimatedValue: 4500000, cpvCodes: ["72230000", "72260000"], nutsCode: "LU000" });
    expect(t.awardCriteria.map((c) => [c.name, c.weight])).toEqual([
      ["Qualité", 70],
      ["Prix", 30],
    ]);
  });

  test("cn_24_open and cn_81_FRA import with their fields", async () => {
    const open = (await importAs("cn_24_open.xml")).tender;
    expect(open).toMatchObject({
      countryCode: "GBR",
      estimatedValue: 500000,
      cpvCodes: ["71630000", "71314100", "50300000", "31600000"],
      submissionDeadline: "2020-04-03T11:00:00.000Z",
    });
    expect(open.awardCriteria).toHaveLength(5);
    const defence = (await importAs("cn_81_FRA.xml")).tender;
    expect(defence).toMatchObject({
      procedureType: "restricted",
      nutsCode: "FRL04",
      departmentCode: "13",
      regionCode: "93",
      groupLegalFormRequired: true,
      placeDescription: "CEA Cadarache — 13115 Saint-Paul-lez-Durance.",
      cpvCodes: ["71336000", "80512000"],
    });
    expect(defence.groupLegalForm).toMatch(/^En cas de groupement/);
    expect(defence.lots.map((l) => [l.number, l.externalId, l.title])).toEqual([[0, "LOT-0000", "Procurement of Military Working Dogs"]]);
  });

  test("prior information notices import as drafts for the staff, without a procedure id", async () => {
    const r = await importAs("pin-only_24_lots.xml");
    expect(r).toMatchObject({ status: "CREATED", noticeKind: "PRIOR_INFORMATION" });
    expect(r.tender).toMatchObject({ status: "DRAFT", contractFolderId: null, estimatedValue: 750000000 });
    expect(r.tender.lots.map((l) => l.externalId)).toEqual([
      "PAR-0001",
      "PAR-0002",
      "PAR-0003",
      "PAR-0004",
      "PAR-0005",
      "PAR-0006",
      "PAR-0007",
      "PAR-0008",
      "PAR-0009",
      "PAR-0010",
    ]);
    expect(codes(await server.gql(TenderDocument, { id: r.tender.id }, member.token))).toEqual(["NOT_FOUND"]);
    const fr = await importAs("pin-only_81_FRA.xml");
    expect(fr.tender).toMatchObject({ status: "DRAFT", countryCode: "FRA", cpvCodes: ["35520000"] });
    expect(fr.tender.title).toMatch(/^Demande d'informations nº DI 123\/DSSFT/);
  });

  test("a change notice cancels the tender it changes", async () => {
    const original = await importAs("cn_24_minimal.xml");
    expect(original.tender).toMatchObject({ status: "CLOSED", externalNoticeId: "f42be27e-09cf-4f0e-a745-63ec689631e6" });
    const before = await tableCounts();
    const change = await importAs("change-cn_24_void.xml");
    expect(change).toMatchObject({ status: "UPDATED", noticeKind: "CHANGE" });
    expect(change.tender.id).toBe(original.tender.id);
    expect(change.tender).toMatchObject({
      status: "CANCELLED",
      externalNoticeId: "1d192942-a4a3-4833-8775-ca38f7ec09ca",
      contractFolderId: "4805c409-5939-4be9-8abd-837f7a5fee23",
    });
    const after = await tableCounts();
    expect(after).toEqual([before[0], before[1], before[2]! + 1]);
  });

  test("an award notice records winners and values on the tender of the same procedure", async () => {
    const cn = await importAs("cn_24_FRA_comments.xml"); // imported above: unchanged
    const can = await importAs("can_24_FRA_comments.xml");
    expect(can).toMatchObject({ status: "UPDATED", noticeKind: "CONTRACT_AWARD" });
    expect(can.tender.id).toBe(cn.tender.id);
    expect(can.tender).toMatchObject({
      status: "AWARDED",
      noticeAwardedValue: 390698,
      submissionDeadline: "2019-06-24T16:00:00.000Z", // kept from the contract notice
      maxLotsPerTenderer: 2,
      noticeAwards: [
        {
          lotId: "LOT-0001",
          lotNumber: 1,
          resultCode: "selec-w",
          winners: ["Espaces Verts Lemire"],
          amount: 95414,
          currency: "EUR",
          awardDate: "2019-09-01T22:00:00.000Z",
        },
        {
          lotId: "LOT-0002",
          lotNumber: 2,
          resultCode: "selec-w",
          winners: ["ID Verde SASU"],
          amount: 26500,
          currency: "EUR",
          awardDate: "2019-09-01T22:00:00.000Z",
        },
      ],
    });
    expect(can.tender.lots.map((l) => l.id)).toEqual(cn.tender.lots.map((l) => l.id));
    // Re-importing the contract notice afterwards does not reopen the awarded tender.
    expect((await importAs("cn_24_FRA_comments.xml")).status).toBe("UNCHANGED");
    expect((await server.gql(TenderDocument, { id: cn.tender.id }, officer.token)).data?.tender!.status).toBe("AWARDED");
  });

  test("an award notice for a procedure never imported creates an awarded tender", async () => {
    const r = await importAs("can_81_FRA.xml");
    expect(r.status).toBe("CREATED");
    expect(r.tender).toMatchObject({ status: "AWARDED", noticeAwardedValue: 375950, departmentCode: "13" });
    expect(r.tender.noticeAwards).toEqual([
      {
        lotId: "LOT-0000",
        lotNumber: 0,
        resultCode: "selec-w",
        winners: ["Assystem energy et infrastructure"],
        amount: 375950,
        currency: "EUR",
        awardDate: "2021-04-19T22:00:00.000Z",
      },
    ]);
  });

  test("re-importing every notice changes nothing", async () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".xml") && !f.startsWith("INVALID"));
    for (const f of files) await importAs(f);
    const before = await tableCounts();
    const stamps = await server.orm.em.getConnection().execute<{ id: string; updated_at: Date }[]>("SELECT id, updated_at FROM tenders ORDER BY id");
    for (const f of files) expect([f, (await importAs(f)).status]).toEqual([f, "UNCHANGED"]);
    expect(await tableCounts()).toEqual(before);
    expect(await server.orm.em.getConnection().execute("SELECT id, updated_at FROM tenders ORDER BY id")).toEqual(stamps);
  });

  test.each([
    ["INVALID_cn_24_empty.xml", /missing notice identifier/],
    ["INVALID_cn_24_multiple.xml", /2 elements where at most one is allowed/],
  ])("%s is rejected as BAD_USER_INPUT on xml, naming the problems; nothing written", async (name, message) => {
    const before = await tableCounts();
    const result = await server.gql(ImportNoticeDocument, { xml: xml(name) }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("xml");
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await tableCounts()).toEqual(before);
  });

  test.each([
    ["empty", ""],
    ["not XML", "hello"],
    ["not a notice", '<?xml version="1.0"?><Invoice/>'],
    ["truncated", xml("cn_24_minimal.xml").slice(0, 500)],
  ])("%s input is BAD_USER_INPUT on xml", async (_label, body) => {
    const before = await tableCounts();
    const result = await server.gql(ImportNoticeDocument, { xml: body }, officer.token);
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("xml");
    expect(await tableCounts()).toEqual(before);
  });

  test("a change notice of a notice never imported is rejected, nothing written", async () => {
    const fresh = await startTestServer();
    try {
      const o = await createUser(fresh, PlatformRole.MISSION_OFFICER);
      const result = await fresh.gql(ImportNoticeDocument, { xml: xml("change-cn_24_void.xml") }, o.token);
      expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.extensions?.field).toBe("xml");
      expect(result.errors?.[0]?.message).toMatch(/f42be27e-09cf-4f0e-a745-63ec689631e6-01, which has not been imported/);
      expect(await countRows(fresh, "tenders")).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  test("who may import: officers, admins and tokens with IMPORT_NOTICES; not members nor READ tokens", async () => {
    expect(codes(await server.gql(ImportNoticeDocument, { xml: xml("cn_24_minimal.xml") }, member.token))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(ImportNoticeDocument, { xml: xml("cn_24_minimal.xml") }, await token([ApiScope.READ])))).toEqual(["FORBIDDEN"]);
    expect(codes(await server.gql(ImportNoticeDocument, { xml: xml("cn_24_minimal.xml") }))).toEqual(["UNAUTHENTICATED"]);
    const ok = await server.gql(ImportNoticeDocument, { xml: xml("cn_24_minimal.xml") }, await token([ApiScope.IMPORT_NOTICES]));
    expect(ok.errors).toBeUndefined();
    expect((await importAs("cn_24_minimal.xml", admin.token)).status).toBe("UNCHANGED");
  });
});
