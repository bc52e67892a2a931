import ExcelJS from "exceljs";
import JSZip from "jszip";
import { PlatformRole } from "../../src/auth/roles";
import { Bid, BidMember, BidPriceLine, BidSection } from "../../src/bids/bid.entity";
import { BidMemberRole, BidStatus } from "../../src/bids/bid.enums";
import { toGlobalId } from "../../src/common/node";
import { Lot, Tender } from "../../src/tenders/tender.entity";
import { TenderStatus } from "../../src/tenders/tender.enums";
import { BidExportsDocument } from "../generated/graphql";
import { buildBid, buildTender, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let lead: TestUser, partner: TestUser, officer: TestUser, outsider: TestUser;
let submitted: { id: string; gid: string }, draft: { id: string; gid: string };

/** Set-up straight in the database: a bid as submission leaves it (submission is tested in bids.test.ts). */
beforeAll(async () => {
  server = await startTestServer();
  [lead, partner, officer, outsider] = await Promise.all([
    createUser(server),
    createUser(server),
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server),
  ]);
  const em = server.orm.em.fork();
  const tender = await buildTender(em, {
    status: TenderStatus.OPEN,
    title: "Communication du festival",
    lots: [
      { title: "Lot unique", cpv: ["79810000"] },
      { title: "Site web", cpv: ["72413000"] },
    ],
  });
  await em.nativeUpdate(Tender, { id: tender.id }, { vatRate: 0.055 });
  const [lot1, lot2] = await em.find(Lot, { tender: tender.id }, { orderBy: { number: "asc" } });
  const coopA = await insertCooperative(em, { owner: lead, name: "Atelier Imprimerie" });
  const coopB = await insertCooperative(em, { owner: partner, name: "Studio Web Coop" });
  await insertCooperative(em, { owner: outsider, name: "Autre" });
  submitted = await buildBid(em, { tenderId: tender.id, cooperativeIds: [coopA.id, coopB.id], lotIds: [lot1!.id] });
  const members = await em.find(BidMember, { bid: submitted.id });
  const memberA = members.find((m) => m.role === BidMemberRole.LEAD)!;
  const memberB = members.find((m) => m.role !== BidMemberRole.LEAD)!;
  // Lot 2 performed by the partner.
  await em
    .getConnection()
    .execute("INSERT INTO bid_lot_assignments (id, bid_id, lot_id, member_id) VALUES (gen_random_uuid(), ?, ?, ?)", [submitted.id, lot2!.id, memberB.id]);
  const bid = em.getReference(Bid, submitted.id);
  em.create(BidSection, { bid, title: "Méthodologie", position: 2, snapshotText: "Nous imprimons sur papier recyclé.\nLivraison en 48 h." });
  em.create(BidSection, { bid, title: "Présentation du groupement", position: 1, snapshotText: "Deux coopératives normandes." });
  em.create(BidPriceLine, { bid, lot: lot1!, member: memberA, description: "Affiches A2", quantity: 200, unitPriceCents: 150 });
  em.create(BidPriceLine, { bid, lot: lot1!, member: memberB, description: "Maquette", quantity: 1, unitPriceCents: 80_000 });
  em.create(BidPriceLine, { bid, lot: lot2!, member: memberB, description: "Site vitrine", quantity: 1, unitPriceCents: 450_000 });
  await em.flush();
  draft = await buildBid(em, { tenderId: tender.id, cooperativeIds: [coopB.id], status: BidStatus.DRAFT });
  await em.nativeUpdate(Bid, { id: draft.id }, { submittedAt: null });
});
afterAll(async () => {
  await server.close();
});

const base = () => server.url.replace(/\/graphql$/, "");

async function download(path: string, token?: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const response = await fetch(`${base()}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, type: response.headers.get("content-type"), body: Buffer.from(await response.arrayBuffer()) };
}

/** The first GraphQL error of a refused download's JSON body. */
function errorOf(body: Buffer): { extensions: { code: string } } {
  const { errors } = JSON.parse(body.toString()) as { errors: { extensions: { code: string } }[] };
  const [first] = errors;
  if (!first) throw new Error("the refusal names no error");
  return first;
}

describe("exports of a submitted bid", () => {
  test("named in the graph, the memo downloads as a DOCX with the group, its lots and the sections in order", async () => {
    const listed = await server.gql(BidExportsDocument, { id: submitted.gid }, partner.token);
    expect(listed.errors).toBeUndefined();
    const exports = listed.data!.bid!.exports;
    expect(exports.map((e) => [e.fileName, e.mediaType])).toEqual([
      ["memo.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
      ["prices.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ]);
    const memo = await download(exports[0]!.url, partner.token);
    expect(memo.status).toBe(200);
    expect(memo.type).toContain("wordprocessingml");
    const xml = await (await JSZip.loadAsync(memo.body)).file("word/document.xml")!.async("string");
    const text = [...xml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join("|");
    for (const expected of [
      "Communication du festival",
      "Atelier Imprimerie",
      "Mandataire",
      "Studio Web Coop",
      "Cotraitant",
      "Site web",
      "Livraison en 48 h.",
    ]) {
      expect(text).toContain(expected);
    }
    // Sections in their order, whatever the order they were written in.
    expect(text.indexOf("Présentation du groupement")).toBeLessThan(text.indexOf("Méthodologie"));
    expect(text.indexOf("Deux coopératives normandes.")).toBeLessThan(text.indexOf("Nous imprimons sur papier recyclé."));
  });

  test("the price schedule downloads as an XLSX: one sheet per lot, lines per member, totals without and with VAT at the tender's rate", async () => {
    const prices = await download(`/exports/bids/${submitted.gid}/prices.xlsx`, officer.token);
    expect(prices.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(prices.body as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(["Lot 1", "Lot 2"]);
    const rows = (name: string) =>
      (workbook.getWorksheet(name)!.getSheetValues() as unknown[][])
        .filter(Boolean)
        .map((r) => r.slice(1))
        .filter((r) => r.some((c) => c !== undefined && c !== null));
    expect(rows("Lot 1")).toEqual([
      ["Membre", "Désignation", "Quantité", "Prix unitaire HT", "Total HT"],
      ["Atelier Imprimerie", "Affiches A2", 200, 1.5, 300],
      ["Studio Web Coop", "Maquette", 1, 800, 800],
      [undefined, "Total HT", undefined, undefined, 1100],
      [undefined, "TVA 5,5 %", undefined, undefined, 60.5],
      [undefined, "Total TTC", undefined, undefined, 1160.5],
    ]);
    expect(
      rows("Lot 2")
        .slice(-3)
        .map((r) => r[4]),
    ).toEqual([4500, 247.5, 4747.5]);
  });

  test("others get the answer of a missing bid; before submission the download is refused with INVALID_STATE and the graph lists none", async () => {
    const missing = await download(`/exports/bids/${toGlobalId("Bid", "00000000-0000-4000-8000-000000000000")}/memo.docx`, outsider.token);
    const hidden = await download(`/exports/bids/${submitted.gid}/memo.docx`, outsider.token);
    expect([missing.status, hidden.status]).toEqual([404, 404]);
    expect(errorOf(hidden.body).extensions.code).toBe("NOT_FOUND");
    expect(errorOf(missing.body).extensions).toEqual(errorOf(hidden.body).extensions);
    expect((await download(`/exports/bids/${submitted.gid}/memo.docx`)).status).toBe(404);
    expect((await download(`/exports/bids/garbage/memo.docx`, lead.token)).status).toBe(404);
    expect((await download(`/exports/bids/${submitted.gid}/other.pdf`, lead.token)).status).toBe(404);
    expect((await download(`/exports/bids/${submitted.gid}/memo.docx`, "not-a-token")).status).toBe(401);

    const early = await download(`/exports/bids/${draft.gid}/prices.xlsx`, partner.token);
    expect(early.status).toBe(409);
    expect(errorOf(early.body).extensions.code).toBe("INVALID_STATE");
    expect((await server.gql(BidExportsDocument, { id: draft.gid }, partner.token)).data?.bid!.exports).toEqual([]);
  });
});
