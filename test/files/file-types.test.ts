import { parseNotice } from "../../src/tenders/eforms/eforms.parser";
import { readFileSync } from "node:fs";
import path from "node:path";
import { announcedSha256, cleanFileName, contentDisposition, judgeType, nameKey, sniffMediaType } from "../../src/files/file.types";
import { currentVersions, deletionRefusal } from "../../src/files/file.versions";
import { docx, exe, jpeg, odt, pdf, plainZip, png, xlsx } from "./samples";

describe("the type of a file, judged on its bytes", () => {
  test.each([
    ["pdf", () => pdf(), "application/pdf"],
    ["png", () => png(), "image/png"],
    ["jpeg", () => jpeg(), "image/jpeg"],
    ["docx", () => docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ["xlsx", () => xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ["odt", () => odt(), "application/vnd.oasis.opendocument.text"],
    ["a zip that is no office document", () => plainZip(), null],
    ["a program", () => exe(), null],
    ["text", () => Buffer.from("%PD not quite"), null],
    ["nothing", () => Buffer.alloc(0), null],
  ] as const)("%s", async (_name, make, expected) => {
    expect(sniffMediaType(await make())).toBe(expected);
  });

  test.each([
    ["a PDF named .pdf, declared generic", pdf(), null, "a.pdf", true],
    ["a PDF declared as a PDF", pdf(), "application/pdf", "a.PDF", true],
    ["a JPEG named .jpg", jpeg(), "image/jpeg", "photo.jpg", true],
    ["a PNG named .pdf", png(), null, "offre.pdf", false],
    ["a PDF declared as PNG", pdf(), "image/png", "a.pdf", false],
    ["a PDF without extension", pdf(), null, "offre", false],
    ["a program named .pdf", exe(), "application/pdf", "kbis.pdf", false],
  ] as const)("%s", (_name, bytes, declared, fileName, ok) => {
    expect(judgeType(bytes, declared, fileName).ok).toBe(ok);
  });
});

describe("file names", () => {
  test.each([
    ["C:\\Users\\moi\\offre.pdf", "offre.pdf"],
    ["../../etc/passwd", "passwd"],
    ["  Mémoire\u0000 technique\u202e.pdf ", "Mémoire technique.pdf"],
    ["..", null],
    ["", null],
    [null, null],
    [`${"a".repeat(300)}.docx`, `${"a".repeat(195)}.docx`],
  ])("%j → %j", (raw, expected) => {
    expect(cleanFileName(raw)).toBe(expected);
  });

  test("names differing by case or Unicode form are one file", () => {
    expect(nameKey("Re\u0301sumé.PDF")).toBe(nameKey("résumé.pdf"));
  });

  test("Content-Disposition carries an ASCII fallback and the exact name", () => {
    expect(contentDisposition('Devis "final" été.pdf')).toBe(
      `attachment; filename="Devis _final_ e_te_.pdf"; filename*=UTF-8''Devis%20%22final%22%20%C3%A9t%C3%A9.pdf`,
    );
  });

  test.each([
    [{ checksum: "A".repeat(64) }, "a".repeat(64)],
    [{ checksum: "abc" }, null],
    [{ contentDigest: `sha-256=:${Buffer.alloc(32, 1).toString("base64")}:` }, "01".repeat(32)],
    [{ contentDigest: "md5=:abc=:" }, null],
    [{ contentDigest: `sha-256=:${Buffer.alloc(8).toString("base64")}:` }, null],
    [{}, undefined],
  ])("an announced checksum %j", (headers, expected) => {
    expect(announcedSha256(headers)).toBe(expected);
  });
});

describe("versions", () => {
  const at = (n: number) => new Date(2026, 0, n);
  const rows = [
    { nameKey: "a", version: 1, deletedAt: null, createdAt: at(1) },
    { nameKey: "a", version: 2, deletedAt: null, createdAt: at(3) },
    { nameKey: "b", version: 1, deletedAt: at(4), createdAt: at(2) },
  ];

  test("the current version of each name, newest first; deleted ones only when asked", () => {
    expect(currentVersions(rows, false).map((r) => [r.nameKey, r.version])).toEqual([["a", 2]]);
    expect(currentVersions(rows, true).map((r) => [r.nameKey, r.version])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
  });

  test("only the current version is deleted, once", () => {
    expect(deletionRefusal(rows[0]!, 2)).toMatch(/only the current version/);
    expect(deletionRefusal(rows[2]!, 1)).toMatch(/already deleted/);
    expect(deletionRefusal(rows[1]!, 2)).toBeNull();
  });
});

describe("document links of eForms notices", () => {
  const fixture = (name: string) => parseNotice(readFileSync(path.resolve(__dirname, "../fixtures/eforms", name), "utf8"));

  test.each([
    [
      "cn_24_maximal.xml",
      [
        ["Doc1", "http://nonrestricteddocuments.com/", false],
        ["Doc2", "http://accessto.com/", true],
      ],
    ],
    ["cn_24_minimal.xml", [["5629", "https://etendering.ted.europa.eu/cft/cft-display.html?cftId=5629", true]]],
    ["can_24_FRA_comments.xml", []],
  ])("%s: one link per address, restricted when BT-14 says so", (name, expected) => {
    expect(fixture(name).documents.map((d) => [d.documentId, d.url, d.restricted])).toEqual(expected);
  });

  test("an address that is not http(s) is left out", () => {
    const xml = readFileSync(path.resolve(__dirname, "../fixtures/eforms/cn_24_minimal.xml"), "utf8").replace(
      "https://etendering.ted.europa.eu/cft/cft-display.html?cftId=5629",
      "javascript:alert(1)",
    );
    expect(parseNotice(xml).documents).toEqual([]);
  });
});
