import { createHash, randomBytes } from "node:crypto";
import { Document, Packer, Paragraph } from "docx";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import type { TestServer } from "../helpers/server";

/**
 * Real files of every accepted type, made here (no binary fixture in the repository), and the
 * HTTP calls of the file endpoints as a client makes them.
 */

/** A minimal PDF with `filler` bytes of content, so sizes can be chosen. */
export function pdf(filler = 0): Buffer {
  return Buffer.concat([Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"), randomBytes(filler), Buffer.from("\n%%EOF\n")]);
}

export function png(): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);
}

export function jpeg(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]);
}

export async function docx(text = "Attestation"): Promise<Buffer> {
  return Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph(text)] }] }));
}

export async function xlsx(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet("Prix").addRow(["Affiches", 200, 1.5]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** An ODF text document: `mimetype` first and stored, as the standard requires. */
export async function odt(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file("mimetype", "application/vnd.oasis.opendocument.text", { compression: "STORE" });
  zip.file("content.xml", "<office:document-content/>");
  zip.file("META-INF/manifest.xml", "<manifest:manifest/>");
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

/** A zip that is no office document. */
export async function plainZip(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file("readme.txt", "hello");
  return zip.generateAsync({ type: "nodebuffer" });
}

/** A Windows program's first bytes. */
export function exe(): Buffer {
  return Buffer.concat([Buffer.from("MZ"), randomBytes(200)]);
}

export const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The body as JSON, when it is. */
  json: { file?: Record<string, unknown>; errors?: { message: string; extensions: Record<string, unknown> }[] };
}

async function answer(response: Response): Promise<HttpAnswer> {
  const body = Buffer.from(await response.arrayBuffer());
  let json = {};
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    // a file, not JSON
  }
  return { status: response.status, headers: response.headers, body, json };
}

export const base = (server: TestServer) => server.url.replace(/\/graphql$/, "");

export interface UploadOptions {
  fileName: string;
  contentType?: string;
  /** multipart/form-data (default) or a raw body with `?filename=`. */
  as?: "multipart" | "raw";
  category?: string;
  headers?: Record<string, string>;
}

/** `POST /files/...`: a multipart form as `curl -F` sends it, or the raw bytes. */
export async function upload(server: TestServer, path: string, token: string | null, bytes: Buffer, options: UploadOptions): Promise<HttpAnswer> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const type = options.contentType ?? "application/octet-stream";
  if (options.as === "raw") {
    const query = new URLSearchParams({ filename: options.fileName, ...(options.category ? { category: options.category } : {}) });
    const response = await fetch(`${base(server)}${path}?${query}`, {
      method: "POST",
      headers: { ...auth, "content-type": type, ...options.headers },
      body: new Uint8Array(bytes),
    });
    return answer(response);
  }
  const form = new FormData();
  if (options.category) form.append("category", options.category);
  form.append("file", new Blob([new Uint8Array(bytes)], { type }), options.fileName);
  const response = await fetch(`${base(server)}${path}`, { method: "POST", headers: { ...auth, ...options.headers }, body: form });
  return answer(response);
}

export async function download(server: TestServer, url: string, token: string | null, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const response = await fetch(`${base(server)}${url}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return answer(response);
}

export const errorCode = (a: HttpAnswer) => a.json.errors?.[0]?.extensions.code;
