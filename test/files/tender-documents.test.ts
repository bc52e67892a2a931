import { readFileSync } from "node:fs";
import path from "node:path";
import { PlatformRole } from "../../src/auth/roles";
import { toGlobalId } from "../../src/common/node";
import { TenderKind, TenderStatus } from "../../src/tenders/tender.enums";
import {
  CreateApiTokenDocument,
  DeleteDocumentDocument,
  type ApiScope,
  FileNodeDocument,
  ImportNoticeDocument,
  TenderDocumentsDocument,
} from "../generated/graphql";
import { buildTender, countRows, createUnverifiedUser, createUser, insertCooperative, type TestUser } from "../helpers/factories";
import { codes, startTestServer, type TestServer } from "../helpers/server";
import { docx, download, errorCode, exe, jpeg, odt, pdf, plainZip, png, sha256, upload, xlsx } from "./samples";

const MAX = 300_000;
let server: TestServer;
let officer: TestUser, client: TestUser, client2: TestUser, member: TestUser;
let tender: { id: string; gid: string }, order: { id: string; gid: string };

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_UPLOAD_BYTES: String(MAX) } });
  [officer, client, client2, member] = await Promise.all([
    createUser(server, PlatformRole.MISSION_OFFICER),
    createUser(server, PlatformRole.CLIENT),
    createUser(server, PlatformRole.CLIENT),
    createUser(server),
  ]);
  const em = server.orm.em.fork();
  await insertCooperative(em, { owner: member });
  tender = await buildTender(em, { status: TenderStatus.OPEN, title: "Brochures" });
  order = await buildTender(em, { kind: TenderKind.DIRECT_ORDER, status: TenderStatus.OPEN, clientId: client.id, title: "Commande" });
});
afterAll(async () => {
  await server.close();
});

const documents = async (gid: string, token: string, includeDeleted = false) => {
  const result = await server.gql(TenderDocumentsDocument, { id: gid, includeDeleted }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.tender!.documents;
};
/** What uploads leave behind: rows and stored blobs. */
const stored = async () => [await countRows(server, "tender_documents"), await countRows(server, "file_blobs")];

describe("documents of a tender", () => {
  test("an officer uploads (raw body); whoever sees the tender lists and downloads the same bytes, as an attachment", async () => {
    const bytes = pdf(5000);
    const up = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, {
      as: "raw",
      fileName: '../../RC "final".pdf',
      contentType: "application/pdf",
    });
    expect(up.status).toBe(201);
    expect(up.headers.get("etag")).toBe(`"${sha256(bytes)}"`);
    expect(up.headers.get("content-digest")).toBe(`sha-256=:${Buffer.from(sha256(bytes), "hex").toString("base64")}:`);
    const [doc] = await documents(tender.gid, member.token);
    expect(doc).toMatchObject({
      kind: "FILE",
      fileName: 'RC "final".pdf',
      contentType: "application/pdf",
      size: bytes.length,
      sha256: sha256(bytes),
      version: 1,
      uploadedById: officer.globalId,
      uploadedByName: "Test MISSION_OFFICER",
      deletedAt: null,
      url: null,
    });
    const down = await download(server, doc!.downloadUrl!, member.token);
    expect(down.status).toBe(200);
    expect(down.body.equals(bytes)).toBe(true);
    expect(down.headers.get("content-type")).toBe("application/pdf");
    expect(down.headers.get("content-disposition")).toBe(`attachment; filename="RC _final_.pdf"; filename*=UTF-8''RC%20%22final%22.pdf`);
    expect(down.headers.get("x-content-type-options")).toBe("nosniff");
    expect(down.headers.get("etag")).toBe(`"${sha256(bytes)}"`);
    expect((await download(server, doc!.downloadUrl!, member.token, { "if-none-match": `"${sha256(bytes)}"` })).status).toBe(304);
    // node(id) follows the tender's rule.
    expect((await server.gql(FileNodeDocument, { id: doc!.id }, member.token)).data?.node?.id).toBe(doc!.id);
  });

  test("every accepted type is recognised on its bytes, whatever the client declares", async () => {
    const cases: [Buffer, string, string][] = [
      [await docx(), "memo.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
      [await xlsx(), "prix.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
      [await odt(), "note.odt", "application/vnd.oasis.opendocument.text"],
      [png(), "plan.png", "image/png"],
      [jpeg(), "photo.JPEG", "image/jpeg"],
    ];
    for (const [bytes, fileName, type] of cases) {
      const up = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, { fileName });
      expect([fileName, up.status, up.json.file?.contentType]).toEqual([fileName, 201, type]);
    }
  });

  test("the client of a direct order uploads to it (multipart); another client, a member and anonymous callers get the answer of a missing tender", async () => {
    const bytes = await docx("Cahier des charges");
    const up = await upload(server, `/files/tenders/${order.gid}`, client.token, bytes, { fileName: "Cahier des charges.docx" });
    expect(up.status).toBe(201);
    const url = String(up.json.file?.downloadUrl);
    expect((await documents(order.gid, client.token)).map((d) => d.fileName)).toEqual(["Cahier des charges.docx"]);
    expect((await download(server, url, officer.token)).body.equals(bytes)).toBe(true);

    const before = await stored();
    const missing = toGlobalId("Tender", "00000000-0000-4000-8000-000000000000");
    for (const [token, target] of [
      [client2.token, order.gid],
      [member.token, order.gid],
      [null, order.gid],
      [client.token, missing],
      [client.token, "garbage"],
    ] as const) {
      const refused = await upload(server, `/files/tenders/${target}`, token, pdf(), { fileName: "x.pdf" });
      expect([refused.status, errorCode(refused)]).toEqual([404, "NOT_FOUND"]);
    }
    const hidden = await download(server, url, client2.token);
    const absent = await download(server, `/files/${toGlobalId("TenderDocument", "00000000-0000-4000-8000-000000000000")}`, client2.token);
    expect([hidden.status, absent.status, errorCode(hidden)]).toEqual([404, 404, "NOT_FOUND"]);
    expect((await download(server, url, null)).status).toBe(404);
    expect((await download(server, url, "not-a-token")).status).toBe(401);
    expect((await server.gql(FileNodeDocument, { id: String(up.json.file?.id) }, client2.token)).data?.node).toBeNull();
    // A member sees the public tender but may not add to it.
    const forbidden = await upload(server, `/files/tenders/${tender.gid}`, member.token, pdf(), { fileName: "x.pdf" });
    expect([forbidden.status, errorCode(forbidden)]).toEqual([403, "FORBIDDEN"]);
    expect((await upload(server, `/files/tenders/${tender.gid}`, "not-a-token", pdf(), { fileName: "x.pdf" })).status).toBe(401);
    expect(await stored()).toEqual(before);
  });

  test("too big (413), wrong or spoofed type (415), checksum mismatch (400): refused in the GraphQL error shape, nothing kept", async () => {
    const before = await stored();
    const big = await upload(server, `/files/tenders/${tender.gid}`, officer.token, pdf(MAX), { fileName: "gros.pdf" });
    expect([big.status, errorCode(big), big.json.errors?.[0]?.extensions.maxBytes]).toEqual([413, "FILE_TOO_LARGE", MAX]);
    const bigRaw = await upload(server, `/files/tenders/${tender.gid}`, officer.token, pdf(MAX), { as: "raw", fileName: "gros.pdf" });
    expect([bigRaw.status, errorCode(bigRaw)]).toEqual([413, "FILE_TOO_LARGE"]);
    const refusedTypes: [Buffer, string, string | undefined][] = [
      [exe(), "kbis.pdf", "application/pdf"],
      [png(), "offre.pdf", undefined],
      [pdf(), "offre.pdf", "image/png"],
      [await plainZip(), "memo.docx", undefined],
      [pdf(), "offre", undefined],
      [Buffer.alloc(0), "vide.pdf", undefined],
    ];
    for (const [bytes, fileName, contentType] of refusedTypes) {
      const refused = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, { fileName, contentType });
      expect([fileName, refused.status, errorCode(refused)]).toEqual([fileName, 415, "UNSUPPORTED_MEDIA_TYPE"]);
    }
    const bytes = pdf(100);
    const digest = (b: Buffer) => `sha-256=:${Buffer.from(sha256(b), "hex").toString("base64")}:`;
    const mismatch = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, {
      fileName: "a.pdf",
      headers: { "content-digest": digest(pdf(1)) },
    });
    expect([mismatch.status, errorCode(mismatch), mismatch.json.errors?.[0]?.extensions.actual]).toEqual([400, "BAD_USER_INPUT", sha256(bytes)]);
    const unreadable = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, {
      fileName: "a.pdf",
      headers: { "x-checksum-sha256": "abc" },
    });
    expect([unreadable.status, errorCode(unreadable)]).toEqual([400, "BAD_USER_INPUT"]);
    const noName = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, { as: "raw", fileName: "" });
    expect([noName.status, errorCode(noName)]).toEqual([400, "BAD_USER_INPUT"]);
    expect(await stored()).toEqual(before);
    const matching = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, {
      fileName: "a.pdf",
      headers: { "content-digest": digest(bytes) },
    });
    expect(matching.status).toBe(201);
  });

  test("deleting is versioned: the same name makes a new version, a delete marks (who, when) and keeps the content, the history lists everything", async () => {
    const t = await buildTender(server.orm.em.fork(), { status: TenderStatus.OPEN });
    const path_ = `/files/tenders/${t.gid}`;
    const v1 = await upload(server, path_, officer.token, pdf(10), { fileName: "CCTP.pdf" });
    const v2bytes = pdf(20);
    const v2 = await upload(server, path_, officer.token, v2bytes, { fileName: "cctp.PDF" });
    expect([v2.json.file?.version, v2.json.file?.previousVersionId]).toEqual([2, v1.json.file?.id]);
    let listed = await documents(t.gid, member.token);
    expect(listed.map((d) => [d.fileName, d.version, d.previousVersion?.id])).toEqual([["cctp.PDF", 2, v1.json.file?.id]]);

    const old = await server.gql(DeleteDocumentDocument, { id: String(v1.json.file?.id) }, officer.token);
    expect(codes(old)).toEqual(["INVALID_STATE"]);
    expect(codes(await server.gql(DeleteDocumentDocument, { id: String(v2.json.file?.id) }, member.token))).toEqual(["FORBIDDEN"]);
    const deleted = await server.gql(DeleteDocumentDocument, { id: String(v2.json.file?.id) }, officer.token);
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data!.deleteDocument).toMatchObject({ version: 2, deletedById: officer.globalId });
    expect(deleted.data!.deleteDocument.deletedAt).not.toBeNull();
    expect(codes(await server.gql(DeleteDocumentDocument, { id: String(v2.json.file?.id) }, officer.token))).toEqual(["INVALID_STATE"]);

    expect(await documents(t.gid, member.token)).toEqual([]);
    listed = await documents(t.gid, member.token, true);
    expect(listed.map((d) => [d.version, d.deletedAt !== null, d.versions.map((v) => [v.version, v.deletedAt !== null])])).toEqual([
      [
        2,
        true,
        [
          [2, true],
          [1, false],
        ],
      ],
    ]);
    expect((await download(server, String(v2.json.file?.downloadUrl), member.token)).body.equals(v2bytes)).toBe(true);

    const v3 = await upload(server, path_, officer.token, pdf(30), { fileName: "CCTP.pdf" });
    expect([v3.json.file?.version, v3.json.file?.previousVersionId]).toEqual([3, v2.json.file?.id]);
    expect((await documents(t.gid, member.token)).map((d) => d.version)).toEqual([3]);
  });

  test("the client deletes on its own order; another client is told the document does not exist", async () => {
    const up = await upload(server, `/files/tenders/${order.gid}`, client.token, pdf(), { fileName: "brief.pdf" });
    const id = String(up.json.file?.id);
    expect(codes(await server.gql(DeleteDocumentDocument, { id }, client2.token))).toEqual(["NOT_FOUND"]);
    expect(codes(await server.gql(DeleteDocumentDocument, { id: "nonsense" }, client.token))).toEqual(["BAD_USER_INPUT"]);
    expect((await server.gql(DeleteDocumentDocument, { id }, client.token)).data?.deleteDocument.deletedById).toBe(client.globalId);
  });
});

describe("who else", () => {
  test("an account whose e-mail address is not verified is refused as on the graph; an integrator's token downloads with READ only", async () => {
    const unverified = await createUnverifiedUser(server, PlatformRole.MISSION_OFFICER);
    const refused = await upload(server, `/files/tenders/${tender.gid}`, unverified.token, pdf(), { fileName: "x.pdf" });
    expect([refused.status, errorCode(refused), refused.json.errors?.[0]?.extensions.reason]).toEqual([403, "FORBIDDEN", "EMAIL_NOT_VERIFIED"]);
    const doc = (await upload(server, `/files/tenders/${tender.gid}`, officer.token, pdf(), { fileName: "avis.pdf" })).json.file as { downloadUrl: string };
    expect((await download(server, doc.downloadUrl, unverified.token)).status).toBe(403);

    const admin = await createUser(server, PlatformRole.ADMIN);
    const token = async (scopes: ApiScope[]) =>
      String((await server.gql(CreateApiTokenDocument, { input: { name: "files", scopes } }, admin.token)).data?.createApiToken.secret);
    expect((await download(server, doc.downloadUrl, await token(["READ"]))).status).toBe(200);
    expect((await download(server, doc.downloadUrl, await token(["IMPORT_NOTICES"]))).status).toBe(404);
    expect((await upload(server, `/files/tenders/${tender.gid}`, await token(["READ", "IMPORT_NOTICES"]), pdf(), { fileName: "x.pdf" })).status).toBe(404);
  });
});

describe("links of an imported notice", () => {
  const xml = readFileSync(path.resolve(__dirname, "../fixtures/eforms/cn_24_maximal.xml"), "utf8");

  test("are documents of kind LINK (not downloaded); a newer notice without one marks it deleted", async () => {
    const imported = await server.gql(ImportNoticeDocument, { xml }, officer.token);
    expect(imported.errors).toBeUndefined();
    const gid = imported.data!.importNotice.tender.id;
    const links = await documents(gid, member.token);
    expect(links.map((d) => [d.kind, d.fileName, d.url, d.restricted, d.downloadUrl, d.size]).sort()).toEqual([
      ["LINK", "Doc1", "http://nonrestricteddocuments.com/", false, null, null],
      ["LINK", "Doc2", "http://accessto.com/", true, null, null],
    ]);
    const link = await download(server, `/files/${links[0]!.id}`, member.token);
    expect([link.status, errorCode(link)]).toEqual([409, "INVALID_STATE"]);

    // Version 04 of the notice no longer gives the restricted address.
    const next = xml
      .replace("<cbc:VersionID>03</cbc:VersionID>", "<cbc:VersionID>04</cbc:VersionID>")
      .replaceAll("http://accessto.com", "https://dce.example.fr/consultation");
    expect((await server.gql(ImportNoticeDocument, { xml: next }, officer.token)).data?.importNotice.status).toBe("UPDATED");
    const after = await documents(gid, member.token, true);
    expect(after.map((d) => [d.url, d.deletedAt !== null, d.deletedById]).sort()).toEqual([
      ["http://accessto.com/", true, null],
      ["http://nonrestricteddocuments.com/", false, null],
      ["https://dce.example.fr/consultation", false, null],
    ]);
    // The unchanged link is the same record.
    expect(after.find((d) => d.fileName === "Doc1")?.id).toBe(links.find((d) => d.fileName === "Doc1")?.id);
  });
});
