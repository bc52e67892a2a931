/**
 * XML layer of the eForms mapping: safe parsing into a small immutable tree, and navigation
 * helpers that treat one and many children the same way ("all of", "first of", "text of").
 *
 * Safety: inputs over {@link MAX_NOTICE_BYTES} are refused before parsing; any DOCTYPE or ENTITY
 * declaration is refused (eForms notices never have one, and they are the vector of entity
 * expansion and external entity attacks); the parser's own entity processing is off, only the
 * five predefined XML entities and numeric character references are decoded, in one pass;
 * nesting is limited. Every parser failure becomes a {@link NoticeError}.
 *
 * Namespaces: element names are rewritten with the canonical eForms prefixes (`cbc`, `cac`,
 * `ext`, `efac`, `efbc`, `efext`) resolved from the namespace URIs, so a notice that binds other
 * prefixes reads the same; the root's document namespace gets no prefix (`ContractNotice`).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { NoticeError } from "./eforms.errors";

/** Largest accepted notice, in bytes of UTF-8 (real notices are well under 1 MB). */
export const MAX_NOTICE_BYTES = 5 * 1024 * 1024;

/** Deepest accepted element nesting (eForms notices stay under 20). */
const MAX_DEPTH = 100;

/** One element of the parsed document. */
export interface XmlElement {
  /** Qualified name with the canonical prefix, e.g. `cbc:ID`, or the bare root name. */
  readonly name: string;
  /** Attributes by name as written (`languageID`, `listName`, `currencyID`...), decoded. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Own text content, decoded and trimmed; `""` when none. */
  readonly text: string;
  readonly children: readonly XmlElement[];
  /** XPath-like location, e.g. `ContractNotice/cac:ProcurementProjectLot[2]/cbc:ID`. */
  readonly path: string;
}

const CANONICAL_PREFIXES: Readonly<Record<string, string>> = {
  "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
  "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
  "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
  "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1": "efac",
  "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1": "efbc",
  "http://data.europa.eu/p27/eforms-ubl-extensions/1": "efext",
  "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2": "",
  "urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2": "",
  "urn:oasis:names:specification:ubl:schema:xsd:PriorInformationNotice-2": "",
};

const TEXT_KEY = "#text";
const CDATA_KEY = "#cdata";
const ATTRIBUTES_KEY = ":@";

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA_KEY,
  commentPropName: false,
  maxNestedTags: MAX_DEPTH,
});

/**
 * Parses a whole document and returns its root element.
 * @throws NoticeError at `(input)` (not a string, empty, too large) or `(xml)` (DOCTYPE, malformed).
 */
export function parseXmlDocument(xml: unknown): XmlElement {
  if (typeof xml !== "string") throw NoticeError.at("(input)", "the notice must be XML text");
  if (xml.length > MAX_NOTICE_BYTES || Buffer.byteLength(xml, "utf8") > MAX_NOTICE_BYTES) {
    throw NoticeError.at("(input)", `the notice is larger than ${MAX_NOTICE_BYTES} bytes`);
  }
  const source = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  if (source.trim() === "") throw NoticeError.at("(input)", "the notice is empty");
  if (/<!DOCTYPE|<!ENTITY/i.test(source)) {
    throw NoticeError.at("(xml)", "DOCTYPE and ENTITY declarations are not allowed in a notice");
  }
  const validation = XMLValidator.validate(source);
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    const where = typeof col === "number" ? `line ${line}, column ${col}` : `line ${line}`;
    throw NoticeError.at("(xml)", `malformed XML at ${where}: ${msg}`);
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw NoticeError.at("(xml)", `unreadable XML: ${reason}`);
  }
  const nodes: unknown[] = Array.isArray(parsed) ? parsed : [];
  const roots = nodes.filter(isRawNode).filter((node) => elementName(node) !== null);
  const [root] = roots;
  if (!root || roots.length > 1) {
    throw NoticeError.at("(xml)", root ? "several root elements" : "no root element");
  }
  return buildElement(root, "", new Map(), 1, 0);
}

/** Direct children named `name`. */
export function childrenNamed(element: XmlElement | null | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((child) => child.name === name) : [];
}

/**
 * Every element reached by following `path` (child names separated by `/`) from `element`,
 * in document order, whether each step has one match or many. `""` returns the element itself.
 */
export function allOf(element: XmlElement | null | undefined, path: string): XmlElement[] {
  if (!element) return [];
  let current: XmlElement[] = [element];
  for (const step of path.split("/").filter((part) => part !== "")) {
    current = current.flatMap((node) => childrenNamed(node, step));
  }
  return current;
}

/** The first element reached by `path`, or `null`. */
export function firstOf(element: XmlElement | null | undefined, path: string): XmlElement | null {
  return allOf(element, path)[0] ?? null;
}

/** Text of the first element reached by `path` (`""` = the element itself); `null` when absent or empty. */
export function textOf(element: XmlElement | null | undefined, path = ""): string | null {
  const found = firstOf(element, path);
  return found && found.text !== "" ? found.text : null;
}

/** An attribute value, `null` when absent or empty. */
export function attributeOf(element: XmlElement | null | undefined, name: string): string | null {
  const value = element?.attributes[name];
  return value !== undefined && value !== "" ? value : null;
}

/** The path an element at `path` below `element` has or would have (for "missing" issues). */
export function pathBelow(element: XmlElement, path: string): string {
  return path === "" ? element.path : `${element.path}/${path}`;
}

/** The path of an element without its final position: `.../cbc:Name[2]` → `.../cbc:Name`. */
export function pathWithoutPosition(element: XmlElement): string {
  return element.path.replace(/\[\d+\]$/, "");
}

/** Decodes the predefined XML entities and numeric character references, in a single pass. */
export function decodeEntities(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, entity: string) => {
    switch (entity) {
      case "amp":
        return "&";
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default: {
        const code = entity[1] === "x" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
        const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
        return valid ? String.fromCodePoint(code) : whole;
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Conversion of the parser's ordered output ([{ tag: children, ":@": attributes }, { "#text" }])

type RawNode = Record<string, unknown>;

function isRawNode(value: unknown): value is RawNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function elementName(node: unknown): string | null {
  if (!isRawNode(node)) return null;
  const key = Object.keys(node).find((name) => name !== ATTRIBUTES_KEY);
  return key !== undefined && key !== TEXT_KEY && key !== CDATA_KEY ? key : null;
}

function rawAttributes(node: RawNode): Record<string, string> {
  const raw = node[ATTRIBUTES_KEY];
  const attributes: Record<string, string> = {};
  if (isRawNode(raw)) {
    for (const [name, value] of Object.entries(raw)) {
      if (typeof value === "string") attributes[name] = decodeEntities(value);
    }
  }
  return attributes;
}

function canonicalName(qualified: string, scope: ReadonlyMap<string, string>): string {
  const colon = qualified.indexOf(":");
  const prefix = colon >= 0 ? qualified.slice(0, colon) : "";
  const local = colon >= 0 ? qualified.slice(colon + 1) : qualified;
  const uri = scope.get(prefix);
  const canonical = uri !== undefined ? CANONICAL_PREFIXES[uri] : undefined;
  if (canonical !== undefined) return canonical === "" ? local : `${canonical}:${local}`;
  return qualified;
}

function textContent(children: readonly unknown[]): string {
  const parts: string[] = [];
  for (const child of children) {
    if (!isRawNode(child)) continue;
    const text = child[TEXT_KEY];
    if (typeof text === "string") parts.push(decodeEntities(text));
    const cdata = child[CDATA_KEY];
    if (Array.isArray(cdata)) {
      for (const inner of cdata) {
        if (isRawNode(inner) && typeof inner[TEXT_KEY] === "string") parts.push(inner[TEXT_KEY]);
      }
    }
  }
  return parts.join(" ").replace(/\r\n?/g, "\n").trim();
}

function buildElement(node: RawNode, parentPath: string, parentScope: ReadonlyMap<string, string>, position: number, depth: number): XmlElement {
  if (depth > MAX_DEPTH) throw NoticeError.at("(xml)", "elements are nested too deeply");
  const qualified = elementName(node) ?? "";
  const attributes = rawAttributes(node);
  const scope = new Map(parentScope);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "xmlns") scope.set("", value);
    else if (name.startsWith("xmlns:")) scope.set(name.slice(6), value);
  }
  const name = canonicalName(qualified, scope);
  const path = parentPath === "" ? name : `${parentPath}/${name}${position > 0 ? `[${position}]` : ""}`;
  const rawChildren = node[qualified];
  const list: unknown[] = Array.isArray(rawChildren) ? rawChildren : [];
  const childNodes = list.filter(isRawNode).filter((child) => elementName(child) !== null);
  const named = childNodes.map((child) => ({ child, childName: canonicalName(elementName(child) ?? "", scopeOf(child, scope)) }));
  const totals = new Map<string, number>();
  for (const { childName } of named) totals.set(childName, (totals.get(childName) ?? 0) + 1);
  const seen = new Map<string, number>();
  const children = named.map(({ child, childName }) => {
    const rank = (seen.get(childName) ?? 0) + 1;
    seen.set(childName, rank);
    const childPosition = (totals.get(childName) ?? 0) > 1 ? rank : 0;
    return buildElement(child, path, scope, childPosition, depth + 1);
  });
  return { name, attributes, text: textContent(list), children, path };
}

/** The namespace scope of a child (its own declarations may rebind its prefix). */
function scopeOf(node: RawNode, parentScope: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  const attributes = rawAttributes(node);
  if (!Object.keys(attributes).some((name) => name === "xmlns" || name.startsWith("xmlns:"))) {
    return parentScope;
  }
  const scope = new Map(parentScope);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "xmlns") scope.set("", value);
    else if (name.startsWith("xmlns:")) scope.set(name.slice(6), value);
  }
  return scope;
}
