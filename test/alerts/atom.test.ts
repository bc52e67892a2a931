import { XMLParser, XMLValidator } from "fast-xml-parser";
import { atomFeed, feedUpdated, xmlEscape, type FeedTender } from "../../src/alerts/feed.atom";

/* The Atom document, on plain data: escaping and dates. */

const tender = (over: Partial<FeedTender>): FeedTender => ({
  id: "7f0c1c9e-2b0a-4d7e-9a61-0c2a3b4c5d6e",
  title: "Affiches",
  buyer_name: "Ville",
  city: null,
  department_code: null,
  submission_deadline: null,
  estimated_value: null,
  currency: "EUR",
  cpv_codes: [],
  published_at: "2026-12-01T10:00:00.000Z",
  created_at: "2026-12-01T09:00:00.000Z",
  updated_at: "2026-12-02T08:30:00.500Z",
  ...over,
});

test.each([
  ["a < b & c > d", "a &lt; b &amp; c &gt; d"],
  [`"quoted" l'été`, "&quot;quoted&quot; l&apos;été"],
  ["]]> end", "]]&gt; end"],
  ["bell\u0007 and NUL\u0000 and \uFFFE gone", "bell and NUL and  gone"],
  ["tab\tnewline\nkept", "tab\tnewline\nkept"],
  ["emoji 🎬 kept", "emoji 🎬 kept"],
])("xmlEscape(%j)", (input, expected) => {
  expect(xmlEscape(input)).toBe(expected);
});

test("a feed of hostile titles is well-formed and reads back the same text", () => {
  const titles = ["<script>alert(1)</script>", "a]]>b", "x\u0001y", "&amp; déjà"];
  const xml = atomFeed({
    searchId: "0b8d3b8e-3f4a-4c8b-9f61-6a8c0b9e1d2f",
    searchName: "Recherche <&>",
    searchUpdatedAt: new Date("2026-11-30T00:00:00Z"),
    selfUrl: "https://app.test/feeds/searches/sgf_x.atom?a=1&b=2",
    appUrl: "https://app.test",
    tenders: titles.map((title) => tender({ title })),
  });
  expect(XMLValidator.validate(xml)).toBe(true);
  const parsed = new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: false }).parse(xml) as {
    feed: { entry: { title: { "#text": string } }[]; link: { "@_href": string }[]; updated: string };
  };
  const { feed } = parsed;
  expect(feed.entry.map((e) => e.title["#text"])).toEqual(["<script>alert(1)</script>", "a]]>b", "xy", "&amp; déjà"]);
  expect(feed.link[0]?.["@_href"]).toBe("https://app.test/feeds/searches/sgf_x.atom?a=1&b=2");
  expect(feed.updated).toBe("2026-12-02T08:30:00.000Z");
});

test("the feed's date is its newest entry, or the search's own when it lists nothing newer", () => {
  const searchUpdatedAt = new Date("2026-12-05T12:00:00.900Z");
  expect(feedUpdated({ searchUpdatedAt, tenders: [] }).toISOString()).toBe("2026-12-05T12:00:00.000Z");
  expect(feedUpdated({ searchUpdatedAt, tenders: [tender({ updated_at: "2026-12-06T01:02:03.456Z" })] }).toISOString()).toBe("2026-12-06T01:02:03.000Z");
});
