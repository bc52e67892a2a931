import { tenderFacts, tenderLink, type MatchedTender } from "./alert.text";

/** A tender as a feed entry: its facts, and when it was published and last changed. */
export interface FeedTender extends MatchedTender {
  published_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface FeedInput {
  searchId: string;
  searchName: string;
  /** When the search itself last changed: the feed's date when it lists nothing newer. */
  searchUpdatedAt: Date;
  /** The feed's own URL (rel="self"). */
  selfUrl: string;
  appUrl: string;
  tenders: FeedTender[];
}

/** Characters XML 1.0 forbids even escaped; dropped rather than producing an unreadable feed. */
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content and attribute values, escaped for XML. */
export function xmlEscape(value: string): string {
  return value.replace(INVALID_XML, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** When the feed last changed: its newest entry, or the search. */
export function feedUpdated(input: Pick<FeedInput, "searchUpdatedAt" | "tenders">): Date {
  let latest = input.searchUpdatedAt.getTime();
  for (const t of input.tenders) latest = Math.max(latest, new Date(t.updated_at).getTime());
  return new Date(Math.floor(latest / 1000) * 1000);
}

/** An Atom 1.0 document (RFC 4287) listing the tenders, newest first, ids as `urn:uuid:`. */
export function atomFeed(input: FeedInput): string {
  const entries = input.tenders.map((t) => {
    const link = tenderLink(input.appUrl, t.id);
    return [
      "  <entry>",
      `    <id>urn:uuid:${t.id}</id>`,
      `    <title type="text">${xmlEscape(t.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${xmlEscape(link)}"/>`,
      `    <published>${iso(t.published_at ?? t.created_at)}</published>`,
      `    <updated>${iso(t.updated_at)}</updated>`,
      `    <author><name>${xmlEscape(t.buyer_name)}</name></author>`,
      ...t.cpv_codes.map((code) => `    <category term="${xmlEscape(code)}" scheme="urn:cpv"/>`),
      `    <summary type="text">${xmlEscape(tenderFacts(t).join("\n"))}</summary>`,
      "  </entry>",
    ].join("\n");
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:uuid:${input.searchId}</id>`,
    `  <title type="text">${xmlEscape(`Scopgraph : ${input.searchName}`)}</title>`,
    `  <subtitle type="text">Appels ouverts correspondant à la recherche enregistrée « ${xmlEscape(input.searchName)} »</subtitle>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(input.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlEscape(input.appUrl)}"/>`,
    `  <updated>${feedUpdated(input).toISOString()}</updated>`,
    "  <author><name>Scopgraph</name></author>",
    "  <generator>Scopgraph</generator>",
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}
