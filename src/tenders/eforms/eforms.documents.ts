import type { ParsedDocumentLink } from "./eforms.types";
import { allOf, textOf, type XmlElement } from "./eforms.xml";

const REFERENCES = [
  "cac:TenderingTerms/cac:CallForTendersDocumentReference",
  "cac:ProcurementProjectLot/cac:TenderingTerms/cac:CallForTendersDocumentReference",
];

/** Only web addresses: a notice's `javascript:` or `file:` URI is never offered as a link. */
function webAddress(text: string | null): string | null {
  if (!text || text.length > 2000) return null;
  try {
    const url = new URL(text.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : null;
  } catch {
    return null;
  }
}

/**
 * The procurement documents' addresses (BT-15, or BT-615 when BT-14 says `restricted-document`),
 * from the procedure's and the lots' `CallForTendersDocumentReference`, one per address, in document order. Addresses that are not http(s) are left out.
 */
export function mapDocumentLinks(root: XmlElement): ParsedDocumentLink[] {
  const byUrl = new Map<string, ParsedDocumentLink>();
  for (const path of REFERENCES) {
    for (const reference of allOf(root, path)) {
      const url = webAddress(textOf(reference, "cac:Attachment/cac:ExternalReference/cbc:URI"));
      if (!url) continue;
      const restricted = textOf(reference, "cbc:DocumentType") === "restricted-document";
      const known = byUrl.get(url);
      if (known) {
        known.restricted = known.restricted || restricted;
        continue;
      }
      byUrl.set(url, { documentId: textOf(reference, "cbc:ID"), url, restricted });
    }
  }
  return [...byUrl.values()];
}
