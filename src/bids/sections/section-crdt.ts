import { Y, type YDoc, type YXmlFragment } from "./yjs";
import { BadInputError } from "../../common/errors";

/**
 * A section's text is a Yjs document whose shared type is the Y.Text named `content`
 * (`doc.getText("content")`), or, for rich text, a Y.XmlFragment under any other name (TipTap
 * writes `default`, y-prosemirror `prosemirror`); the plain-text projection reads both. The server never interprets updates beyond checking that they are
 * Yjs updates: it stores them in the bid's log, merges them into snapshots and serves state and
 * diffs, so that every client converges.
 */
export const SECTION_TEXT = "content";

/** Largest update a client may send at once (decoded bytes). */
export const MAX_UPDATE_BYTES = 64 * 1024;

/** Text updates appended to the log between two snapshots of a section. */
export const COMPACT_EVERY = 50;

/**
 * A section is compacted at most this often (per process): each snapshot rewrites the whole
 * document, and under heavy typing those large writes lengthened every commit queued behind them
 * in the WAL. Reads do not suffer: each process keeps the document integrated (section-docs.ts).
 */
export const COMPACT_MIN_INTERVAL_MS = 10_000;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (standard alphabet, padded); names the field on failure. */
export function decodeBase64(field: string, value: string, maxBytes: number): Uint8Array {
  if (typeof value !== "string" || value.length === 0) throw new BadInputError(field, "must be a non-empty base64 string");
  if (value.length > Math.ceil(maxBytes / 3) * 4 + 4) throw new BadInputError(field, `must be at most ${maxBytes} bytes`);
  if (!BASE64.test(value)) throw new BadInputError(field, "is not valid base64");
  const bytes = new Uint8Array(Buffer.from(value, "base64"));
  if (bytes.length > maxBytes) throw new BadInputError(field, `must be at most ${maxBytes} bytes`);
  return bytes;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A base64 Yjs update (v1 encoding) that changes something; BAD_USER_INPUT on `field` otherwise. */
export function parseUpdate(field: string, value: string): Uint8Array {
  const bytes = decodeBase64(field, value, MAX_UPDATE_BYTES);
  let decoded: { structs: unknown[]; ds: { clients: Map<number, unknown> } };
  try {
    decoded = Y.decodeUpdate(bytes);
  } catch {
    throw new BadInputError(field, "is not a Yjs update");
  }
  if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) throw new BadInputError(field, "is an empty Yjs update");
  return bytes;
}

/** A base64 Yjs state vector. */
export function parseStateVector(field: string, value: string): Uint8Array {
  const bytes = decodeBase64(field, value, MAX_UPDATE_BYTES);
  try {
    Y.decodeStateVector(bytes);
  } catch {
    throw new BadInputError(field, "is not a Yjs state vector");
  }
  return bytes;
}

/** The document from a snapshot and the updates logged after it (in seq order). */
export function buildDoc(snapshot: Uint8Array | null, updates: readonly Uint8Array[]): YDoc {
  const doc = new Y.Doc({ gc: true });
  doc.transact(() => {
    if (snapshot && snapshot.length) Y.applyUpdate(doc, snapshot);
    for (const update of updates) Y.applyUpdate(doc, update);
  });
  return doc;
}

/**
 * The plain-text projection: the Y.Text `content`, then each rich-text fragment (blocks on their
 * own lines, marks dropped), in the order of their names. A top-level type whose kind the server
 * has not seen yet (it only ever receives updates) is read as a fragment unless it is `content`.
 */
export function textOf(doc: YDoc): string {
  const parts: string[] = [];
  const plain = doc.getText(SECTION_TEXT).toString();
  if (plain !== "") parts.push(plain);
  for (const name of [...doc.share.keys()].sort()) {
    if (name === SECTION_TEXT) continue;
    let fragment: YXmlFragment;
    try {
      fragment = doc.getXmlFragment(name);
    } catch {
      continue; // another kind of shared type (a map, an array): not text
    }
    const text = blocksOf(fragment);
    if (text !== "") parts.push(text);
  }
  return parts.join("\n");
}

/** The text of a fragment or element: inline text joined, block children one per line. */
function blocksOf(node: YXmlFragment): string {
  const children = node.toArray();
  if (children.every((child) => child instanceof Y.XmlText)) return children.map((child) => inlineOf(child)).join("");
  return children.map((child) => (child instanceof Y.XmlText ? inlineOf(child) : child instanceof Y.XmlElement ? blocksOf(child) : "")).join("\n");
}

function inlineOf(text: InstanceType<typeof Y.XmlText>): string {
  return (text.toDelta() as { insert?: unknown }[]).map((op) => (typeof op.insert === "string" ? op.insert : "")).join("");
}
