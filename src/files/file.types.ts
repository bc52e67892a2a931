/**
 * What the platform accepts as a file, judged on the bytes (magic numbers), never on the name or
 * the type the client declares. Pure: no I/O.
 */

export const MEDIA_TYPES = {
  PDF: "application/pdf",
  DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ODT: "application/vnd.oasis.opendocument.text",
  PNG: "image/png",
  JPEG: "image/jpeg",
} as const;

export type MediaType = (typeof MEDIA_TYPES)[keyof typeof MEDIA_TYPES];
export const ALLOWED_MEDIA_TYPES: readonly MediaType[] = Object.values(MEDIA_TYPES);

/** The extensions a file of each type may carry. */
const EXTENSIONS: Record<MediaType, readonly string[]> = {
  [MEDIA_TYPES.PDF]: ["pdf"],
  [MEDIA_TYPES.DOCX]: ["docx"],
  [MEDIA_TYPES.XLSX]: ["xlsx"],
  [MEDIA_TYPES.ODT]: ["odt"],
  [MEDIA_TYPES.PNG]: ["png"],
  [MEDIA_TYPES.JPEG]: ["jpg", "jpeg"],
};

/** How many leading bytes the sniffer looks at: enough for the first entries of an office zip. */
export const SNIFF_BYTES = 64 * 1024;

const startsWith = (head: Buffer, bytes: number[]) => bytes.every((b, i) => head[i] === b);
const ZIP_ENTRY = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** The names of the zip entries whose local headers lie in `head` (OOXML puts no order on them). */
function zipEntryNames(head: Buffer): { name: string; offset: number }[] {
  const names: { name: string; offset: number }[] = [];
  for (let at = head.indexOf(ZIP_ENTRY); at !== -1 && at + 30 <= head.length; at = head.indexOf(ZIP_ENTRY, at + 4)) {
    const length = head.readUInt16LE(at + 26);
    const extra = head.readUInt16LE(at + 28);
    if (at + 30 + length > head.length) break;
    names.push({ name: head.subarray(at + 30, at + 30 + length).toString("latin1"), offset: at + 30 + length + extra });
  }
  return names;
}

function zipType(head: Buffer): MediaType | null {
  const entries = zipEntryNames(head);
  // ODF: the first entry is `mimetype`, stored uncompressed, holding the type.
  const first = entries[0];
  if (first?.name === "mimetype" && head.subarray(first.offset, first.offset + MEDIA_TYPES.ODT.length).toString("latin1") === MEDIA_TYPES.ODT) {
    return MEDIA_TYPES.ODT;
  }
  if (entries.some((e) => e.name.startsWith("word/"))) return MEDIA_TYPES.DOCX;
  if (entries.some((e) => e.name.startsWith("xl/"))) return MEDIA_TYPES.XLSX;
  return null;
}

/** The type the bytes say, or null when they are none of the allowed ones. */
export function sniffMediaType(head: Buffer): MediaType | null {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return MEDIA_TYPES.PDF; // %PDF-
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return MEDIA_TYPES.PNG;
  if (startsWith(head, [0xff, 0xd8, 0xff])) return MEDIA_TYPES.JPEG;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return zipType(head);
  return null;
}

/** A type as a client declares it (`Content-Type` of the body or of the part), without parameters. */
export function declaredType(value: string | null | undefined): string | null {
  const type = (value ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "" || type === "application/octet-stream" ? null : type;
}

export type TypeVerdict = { ok: true; type: MediaType } | { ok: false; detected: MediaType | null; reason: string };

/**
 * The bytes decide the type; the declared type (unless generic) and the name's extension must say
 * the same: a PNG named `offre.pdf`, or a program named `kbis.pdf`, is refused.
 */
export function judgeType(head: Buffer, declared: string | null, fileName: string): TypeVerdict {
  const detected = sniffMediaType(head);
  if (!detected) return { ok: false, detected: null, reason: "The content is none of the accepted types (PDF, DOCX, XLSX, ODT, PNG, JPEG)." };
  if (declared !== null && declared !== detected) return { ok: false, detected, reason: `The content is ${detected}, not the declared ${declared}.` };
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? "";
  if (!EXTENSIONS[detected].includes(extension)) {
    return { ok: false, detected, reason: `A ${detected} file is named .${EXTENSIONS[detected].join(" or .")}, not "${fileName}".` };
  }
  return { ok: true, type: detected };
}

export const MAX_FILE_NAME = 200;

/**
 * The name shown and offered at download: the last path segment, without control or bidi
 * characters, NFC, at most 200 characters (the extension kept). Null when nothing is left.
 */
export function cleanFileName(raw: string | null | undefined): string | null {
  if (typeof raw !== "string") return null;
  const last = raw.split(/[\\/]/).pop() ?? "";
  let name = last
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .trim();
  if (name === "" || name === "." || name === "..") return null;
  if (name.length > MAX_FILE_NAME) {
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : "";
    name = name.slice(0, MAX_FILE_NAME - extension.length) + extension;
  }
  return name;
}

/** Names that differ only by case or Unicode form are one file (its versions). */
export function nameKey(fileName: string): string {
  return fileName.normalize("NFC").toLowerCase();
}

/** `Content-Disposition: attachment` with an ASCII fallback and the exact name (RFC 6266 / 5987). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName
    .normalize("NFKD")
    .replace(/[^\x20-\x7e]/g, "_")
    .replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** `Content-Digest` (RFC 9530) of a hex SHA-256. */
export function contentDigest(sha256: string): string {
  return `sha-256=:${Buffer.from(sha256, "hex").toString("base64")}:`;
}

/**
 * The SHA-256 a client announces, as lower-case hex: `Content-Digest: sha-256=:<base64>:` or
 * `X-Checksum-SHA256: <hex>`. `undefined` when none is sent, null when one is sent but unreadable.
 */
export function announcedSha256(headers: { contentDigest?: string; checksum?: string }): string | null | undefined {
  if (headers.checksum !== undefined) {
    const hex = headers.checksum.trim().toLowerCase();
    return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
  }
  if (headers.contentDigest !== undefined) {
    const match = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]+={0,2}):/i.exec(headers.contentDigest);
    if (!match) return null;
    const bytes = Buffer.from(match[1]!, "base64");
    return bytes.length === 32 ? bytes.toString("hex") : null;
  }
  return undefined;
}
