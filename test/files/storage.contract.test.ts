import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { PlatformRole } from "../../src/auth/roles";
import { MissingObjectError, type FileStorage } from "../../src/files/storage/file-storage";
import { CHUNK_BYTES } from "../../src/files/storage/postgres.storage";
import { TenderDocumentsDocument } from "../generated/graphql";
import { buildTender, countRows, createUser, type TestUser } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/server";
import { download, pdf, sha256, upload } from "./samples";

/*
 * One contract, both storages: what goes in comes out byte for byte with its size and checksum, a
 * failed stream leaves nothing, keys are the storage's own, and the HTTP endpoint works the same
 * on either.
 */

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A source that sends some bytes, then fails, as a client that goes away mid-upload. */
function failing(after: Buffer): Readable {
  return new Readable({
    read() {
      if (this.readableLength === 0 && !(this as unknown as { sent?: boolean }).sent) {
        (this as unknown as { sent?: boolean }).sent = true;
        this.push(after);
        setImmediate(() => this.destroy(new Error("client went away")));
      }
    },
  });
}

/** In small pieces, as a network delivers it. */
function pieces(bytes: Buffer, size = 16 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    })(),
  );
}

describe.each(["postgres", "disk"] as const)("file storage %s", (kind) => {
  let server: TestServer;
  let storage: FileStorage;
  let dataDir: string;
  let officer: TestUser;

  /** What the storage holds: blob rows, or files under the folder (temporary ones included). */
  const held = async (): Promise<number> => {
    if (kind === "postgres") return countRows(server, "file_blobs");
    const root = path.join(dataDir, "files");
    const walk = (dir: string): number => {
      try {
        return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? walk(path.join(dir, e.name)) : 1), 0);
      } catch {
        return 0;
      }
    };
    return walk(root);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "scopgraph-files-"));
    server = await startTestServer({ env: { FILE_STORAGE: kind, DATA_DIR: dataDir } });
    storage = server.app.files.current;
    officer = await createUser(server, PlatformRole.MISSION_OFFICER);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("is the configured one", () => {
    expect(storage.kind).toBe(kind);
  });

  test("put gives a key, the size and the SHA-256; get gives the same bytes back; over several chunks too", async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from("x"), pdf(CHUNK_BYTES * 2 + 123)]) {
      const stored = await storage.put(pieces(bytes));
      expect(stored.key).toMatch(/^[0-9a-f-]{36}$/);
      expect([stored.size, stored.sha256]).toEqual([bytes.length, sha256(bytes)]);
      expect((await bytesOf(await storage.get(stored.key))).equals(bytes)).toBe(true);
    }
  });

  test("a stream that fails stores nothing and put rejects with its error", async () => {
    const before = await held();
    await expect(storage.put(failing(Buffer.alloc(CHUNK_BYTES + 10, 1)))).rejects.toThrow("client went away");
    expect(await held()).toBe(before);
  });

  test("delete removes, twice is harmless; unknown and malformed keys are missing, never a path", async () => {
    const stored = await storage.put(pieces(Buffer.from("à effacer")));
    await storage.delete(stored.key);
    await storage.delete(stored.key);
    await expect(storage.get(stored.key)).rejects.toBeInstanceOf(MissingObjectError);
    await expect(storage.get("00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(MissingObjectError);
    await expect(storage.get("../../etc/passwd")).rejects.toBeInstanceOf(MissingObjectError);
    await expect(storage.delete("../jwt-secret")).rejects.toBeInstanceOf(MissingObjectError);
  });

  test("through the HTTP endpoint: upload, list, download identical bytes with their checksum", async () => {
    const tender = await buildTender(server.orm.em.fork());
    const bytes = pdf(CHUNK_BYTES + 5000);
    const up = await upload(server, `/files/tenders/${tender.gid}`, officer.token, bytes, {
      fileName: "Règlement de consultation.pdf",
      contentType: "application/pdf",
    });
    expect([up.status, up.json.file?.sha256, up.json.file?.size]).toEqual([201, sha256(bytes), bytes.length]);
    const listed = await server.gql(TenderDocumentsDocument, { id: tender.gid }, officer.token);
    const doc = listed.data!.tender!.documents[0]!;
    expect([doc.fileName, doc.sha256, doc.downloadUrl]).toEqual(["Règlement de consultation.pdf", sha256(bytes), up.json.file?.downloadUrl]);
    const down = await download(server, doc.downloadUrl!, officer.token);
    expect(down.status).toBe(200);
    expect(down.body.equals(bytes)).toBe(true);
    expect(down.headers.get("etag")).toBe(`"${sha256(bytes)}"`);
    // The row says which storage holds it.
    const rows = await server.orm.em.getConnection().execute<{ storage: string }[]>("SELECT storage FROM tender_documents WHERE sha256 = ?", [sha256(bytes)]);
    expect(rows.map((r) => r.storage)).toEqual([kind]);
  });
});
