import {
  communes,
  communesOfPostcode,
  cpvAncestors,
  cpvCodes,
  cpvIsWithin,
  cpvLabel,
  departmentOfNuts,
  departments,
  departmentsOfRegion,
  findCommune,
  findCpv,
  lookupCommune,
  findDepartment,
  findRegion,
  formatCpv,
  placeNameKey,
  regions,
  type CommuneQuery,
} from "../../src/common/reference/reference";
import { knownCpv } from "../../src/common/cpv";

describe("CPV codes", () => {
  test.each([
    ["79340000", "79340000", "Services de publicité et de marketing"],
    ["79340000-9", "79340000", "Services de publicité et de marketing"],
    [" 79340000 - 9 ", "79340000", "Services de publicité et de marketing"],
    ["79822500-7", "79822500", "Services de conception graphique"],
    ["79810000", "79810000", "Services d'impression"],
    ["79952000-2", "79952000", "Services d'organisation d'événements"],
    ["79956000", "79956000", "Services d'organisation de foires et d'expositions"],
    ["79416000-3", "79416000", "Services de relations publiques"],
    ["79530000-8", "79530000", "Services de traduction"],
    ["72413000-8", "72413000", "Services de conception de sites WWW (World Wide Web)"],
    ["92111200-4", "92111200", "Production de films et de vidéos publicitaires, de propagande et d'information"],
    ["22150000-6", "22150000", "Brochures"],
    ["48000000-8", "48000000", "Logiciels et systèmes d'information"],
  ])("%s is known as %s (%s)", (input, code, label) => {
    expect(knownCpv(input)).toBe(code);
    expect(findCpv(input)?.code).toBe(code);
    expect(cpvLabel(input)).toBe(label);
  });

  test.each([
    ["79340000-1", "wrong check digit"],
    ["7934000", "7 digits"],
    ["793400000", "9 digits"],
    ["7934000a", "not digits"],
    ["", "empty"],
    ["45000000-7", "well-formed but outside the list (construction)"],
    ["79342410-4", "well-formed, communication group but left out (auctions)"],
  ])("%s is rejected (%s)", (input) => {
    expect(knownCpv(input)).toBeNull();
    expect(findCpv(input)).toBeUndefined();
    expect(cpvLabel(input)).toBeUndefined();
  });

  test("formatCpv gives the published form", () => {
    expect(formatCpv("79340000")).toBe("79340000-9");
    expect(formatCpv("79341400-0")).toBe("79341400-0");
    expect(formatCpv("99999999")).toBeUndefined();
  });

  test.each([
    ["79822500", ["79000000", "79800000", "79820000", "79822000"]],
    ["79822500-7", ["79000000", "79800000", "79820000", "79822000"]],
    ["92312251", ["92000000", "92300000", "92310000", "92312000", "92312200", "92312250"]],
    ["79341000", ["79000000", "79300000", "79340000"]],
    ["72413000", ["72000000", "72400000", "72410000"]],
    ["22114311", ["22000000", "22100000", "22110000", "22114000", "22114300", "22114310"]],
    ["79300000", ["79000000"]],
    ["79000000", []],
    ["not-a-code", []],
  ])("ancestors of %s", (code, expected) => {
    expect(cpvAncestors(code)).toEqual(expected);
  });

  test("ancestors of a well-formed unknown code are the known ones on its path", () => {
    expect(cpvAncestors("79342411")).toEqual(["79000000", "79300000", "79340000", "79342000"]);
  });

  test.each([
    ["79822500-7", "79800000", true],
    ["79822500", "79000000", true],
    ["79822500", "79822500", true],
    ["79822500", "79810000", false],
    ["72413000", "79000000", false],
    ["bad", "79000000", false],
  ])("cpvIsWithin(%s, %s) is %s", (code, ancestor, expected) => {
    expect(cpvIsWithin(code, ancestor)).toBe(expected);
  });

  test("the list is well formed, sorted, without duplicates, within the expected divisions", () => {
    const list = cpvCodes();
    expect(list.length).toBeGreaterThanOrEqual(150);
    expect(list.length).toBeLessThanOrEqual(400);
    const codes = list.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(codes);
    for (const entry of list) {
      expect(entry.code).toMatch(/^\d{8}$/);
      expect(entry.check).toMatch(/^\d$/);
      expect(entry.label.trim()).toBe(entry.label);
      expect(entry.label.length).toBeGreaterThan(2);
      expect(["22", "48", "72", "79", "92"]).toContain(entry.code.slice(0, 2));
    }
  });

  test("every code's ancestors along the trailing-zeros rule are present", () => {
    for (const { code } of cpvCodes()) {
      const significant = code.replace(/0+$/, "");
      for (let length = 2; length < significant.length; length++) {
        const ancestor = significant.slice(0, length).padEnd(8, "0");
        if (ancestor !== code) expect(findCpv(ancestor)).toBeDefined();
      }
    }
  });

  test("the returned data cannot be mutated", () => {
    const entry = findCpv("79340000");
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(cpvCodes())).toBe(true);
  });
});

describe("regions and departments", () => {
  test("18 regions, 13 metropolitan and 5 overseas, 101 departments", () => {
    expect(regions()).toHaveLength(18);
    expect(regions().filter((r) => !r.overseas)).toHaveLength(13);
    expect(regions().filter((r) => r.overseas)).toHaveLength(5);
    expect(departments()).toHaveLength(101);
  });

  test("codes are unique and every department's region exists", () => {
    const regionCodes = regions().map((r) => r.code);
    expect(new Set(regionCodes).size).toBe(18);
    const deptCodes = departments().map((d) => d.code);
    expect(new Set(deptCodes).size).toBe(101);
    expect(new Set(departments().map((d) => d.nuts3)).size).toBe(101);
    for (const d of departments()) expect(findRegion(d.region)).toBeDefined();
    const total = regions().reduce((sum, r) => sum + departmentsOfRegion(r.code).length, 0);
    expect(total).toBe(101);
  });

  test("department codes are the INSEE ones", () => {
    const codes = departments().map((d) => d.code);
    const expected = [
      ...Array.from({ length: 95 }, (_, i) => String(i + 1).padStart(2, "0")).filter((c) => c !== "20"),
      "2A",
      "2B",
      "971",
      "972",
      "973",
      "974",
      "976",
    ];
    expect([...codes].sort()).toEqual([...expected].sort());
  });

  test.each([
    ["75", "Paris", "11", "FR101", "Paris"],
    ["1", "Ain", "84", "FRK21", "Bourg-en-Bresse"],
    ["2a", "Corse-du-Sud", "94", "FRM01", "Ajaccio"],
    ["2B", "Haute-Corse", "94", "FRM02", "Bastia"],
    ["95", "Val-d'Oise", "11", "FR108", "Pontoise"],
    ["21", "Côte-d'Or", "27", "FRC11", "Dijon"],
    ["90", "Territoire de Belfort", "27", "FRC24", "Belfort"],
    ["974", "La Réunion", "04", "FRY40", "Saint-Denis"],
    ["976", "Mayotte", "06", "FRY50", "Mamoudzou"],
  ])("department %s is %s, region %s, NUTS %s, prefecture %s", (code, name, region, nuts, prefecture) => {
    const d = findDepartment(code);
    expect(d?.name).toBe(name);
    expect(d?.region).toBe(region);
    expect(d?.nuts3).toBe(nuts);
    expect(d?.prefecture.name).toBe(prefecture);
    expect(departmentOfNuts(nuts)?.code).toBe(d?.code);
    expect(departmentOfNuts(nuts.toLowerCase())?.code).toBe(d?.code);
    expect(departmentsOfRegion(region).map((x) => x.code)).toContain(d?.code);
  });

  test.each(["20", "96", "975", "977", "988", "", "FR"])("unknown department %p", (code) => {
    expect(findDepartment(code)).toBeUndefined();
  });

  test.each(["FRZZZ", "FR10", "DE300", ""])("unknown NUTS-3 %p", (nuts) => {
    expect(departmentOfNuts(nuts)).toBeUndefined();
  });

  test.each([
    ["11", "Île-de-France", ["75", "77", "78", "91", "92", "93", "94", "95"]],
    ["94", "Corse", ["2A", "2B"]],
    ["53", "Bretagne", ["22", "29", "35", "56"]],
    ["1", "Guadeloupe", ["971"]],
    ["06", "Mayotte", ["976"]],
  ])("region %s (%s) has departments %p", (code, name, depts) => {
    expect(findRegion(code)?.name).toBe(name);
    expect(departmentsOfRegion(code).map((d) => d.code)).toEqual(depts);
  });

  test("unknown regions", () => {
    expect(findRegion("99")).toBeUndefined();
    expect(departmentsOfRegion("99")).toEqual([]);
  });

  test.each([
    ["84", "Lyon"],
    ["93", "Marseille"],
    ["76", "Toulouse"],
    ["44", "Strasbourg"],
    ["03", "Cayenne"],
  ])("region %s has chef-lieu %s", (code, chefLieu) => {
    expect(findRegion(code)?.chefLieu.name).toBe(chefLieu);
  });
});

/** Rough boxes around each part of France, wide enough for the farthest commune. */
function boxOf(dept: string): { minLat: number; maxLat: number; minLon: number; maxLon: number } {
  switch (dept) {
    case "971":
      return { minLat: 15.8, maxLat: 16.6, minLon: -61.9, maxLon: -61.0 };
    case "972":
      return { minLat: 14.3, maxLat: 14.95, minLon: -61.3, maxLon: -60.8 };
    case "973":
      return { minLat: 2.1, maxLat: 5.8, minLon: -54.7, maxLon: -51.6 };
    case "974":
      return { minLat: -21.4, maxLat: -20.85, minLon: 55.2, maxLon: 55.85 };
    case "976":
      return { minLat: -13.05, maxLat: -12.6, minLon: 44.95, maxLon: 45.35 };
    default:
      return { minLat: 41.3, maxLat: 51.15, minLon: -5.2, maxLon: 9.6 };
  }
}

function expectInFrance(dept: string, lat: number, lon: number, what: string): void {
  const box = boxOf(dept);
  const inside = lat >= box.minLat && lat <= box.maxLat && lon >= box.minLon && lon <= box.maxLon;
  if (!inside) throw new Error(`${what} (${lat}, ${lon}) is outside the box of department ${dept}`);
}

describe("coordinates", () => {
  test("chefs-lieux of regions and prefectures lie in France, overseas included", () => {
    for (const d of departments()) expectInFrance(d.code, d.lat, d.lon, `prefecture of ${d.code}`);
    for (const r of regions()) {
      const dept = departments().find((d) => d.prefecture.insee === r.chefLieu.insee)?.code ?? "75";
      expectInFrance(dept, r.lat, r.lon, `chef-lieu of region ${r.code}`);
    }
  });

  test("every commune lies in the box of its department", () => {
    for (const c of communes()) expectInFrance(c.dept, c.lat, c.lon, `${c.insee} ${c.name}`);
  });
});

describe("communes", () => {
  test("the list is large enough, without duplicates, consistent with the departments", () => {
    const list = communes();
    // every commune of the 101 departments, not only the towns
    expect(list.length).toBeGreaterThan(34_000);
    expect(new Set(list.map((c) => c.insee)).size).toBe(list.length);
    for (const c of list) {
      expect(c.insee).toMatch(/^(\d{5}|2[AB]\d{3})$/);
      expect(findDepartment(c.dept)).toBeDefined();
      expect(c.insee.startsWith(c.dept)).toBe(true);
      expect(c.population).toBeGreaterThanOrEqual(0);
      expect(c.postcodes.length).toBeGreaterThan(0);
      for (const p of c.postcodes) expect(p).toMatch(/^\d{5}$/);
    }
    // every department has at least one commune, and its prefecture is there when large enough
    for (const d of departments()) expect(findCommune({ dept: d.code })).toBeDefined();
  });

  test.each<[CommuneQuery, string, string]>([
    [{ name: "Besançon" }, "25056", "Besançon"],
    [{ name: "besancon" }, "25056", "Besançon"],
    [{ name: "SAINT-ETIENNE" }, "42218", "Saint-Étienne"],
    [{ name: "St Étienne" }, "42218", "Saint-Étienne"],
    [{ name: "saint etienne" }, "42218", "Saint-Étienne"],
    [{ name: "Clermont-Ferrand" }, "63113", "Clermont-Ferrand"],
    [{ name: "L'Haÿ-les-Roses" }, "94038", "L'Haÿ-les-Roses"],
    [{ name: "lhay les roses" }, "94038", "L'Haÿ-les-Roses"],
    [{ name: "Ajaccio" }, "2A004", "Ajaccio"],
    [{ name: "Paris" }, "75056", "Paris"],
  ])("by name %p", (query, insee, name) => {
    const c = findCommune(query);
    expect(c?.insee).toBe(insee);
    expect(c?.name).toBe(name);
  });

  test.each<[CommuneQuery, string]>([
    [{ postcode: "42000" }, "42218"],
    [{ postcode: "75011" }, "75056"],
    [{ postcode: "69003" }, "69123"],
    [{ postcode: "13008" }, "13055"],
    [{ postcode: "25000" }, "25056"],
    [{ postcode: "97400" }, "97411"],
  ])("by postcode %p", (query, insee) => {
    expect(findCommune(query)?.insee).toBe(insee);
    expect(communesOfPostcode(query.postcode ?? "").map((c) => c.insee)).toContain(insee);
  });

  test.each<[CommuneQuery, string]>([
    // Valence (Drôme, 26) is the most populous; Valence (Tarn-et-Garonne, 82) when asked
    [{ name: "Valence" }, "26362"],
    [{ name: "Valence", dept: "82" }, "82186"],
    [{ name: "VALENCE", postcode: "82400" }, "82186"],
    // Saint-Denis: Réunion (974) is more populous than Seine-Saint-Denis (93)
    [{ name: "Saint-Denis" }, "97411"],
    [{ name: "Saint-Denis", dept: "93" }, "93066"],
    [{ name: "saint denis", postcode: "93200" }, "93066"],
    // a postcode of the right department but not of the commune still tips the balance
    [{ name: "Saint-Denis", postcode: "93999" }, "93066"],
    [{ name: "Saint-Denis", postcode: "97490" }, "97411"],
  ])("ambiguous name %p", (query, insee) => {
    expect(findCommune(query)?.insee).toBe(insee);
  });

  test.each<[CommuneQuery, string | undefined]>([
    [{ insee: "42218" }, "42218"],
    [{ insee: "2a004" }, "2A004"],
    [{ insee: "42218", dept: "42" }, "42218"],
    [{ insee: "42218", postcode: "42100" }, "42218"],
    [{ insee: "42218", dept: "43" }, undefined],
    [{ insee: "42218", postcode: "75001" }, undefined],
    [{ insee: "99999" }, undefined],
    [{ name: "Nulle-Part-sur-Mer" }, undefined],
    [{ name: "Besançon", dept: "75" }, undefined],
    [{ postcode: "00000" }, undefined],
    [{ dept: "75" }, "75056"],
    [{}, undefined],
    [{ name: "  " }, undefined],
  ])("by INSEE code and edge cases %p", (query, insee) => {
    expect(findCommune(query)?.insee).toBe(insee);
  });

  test.each([
    ["SAINT-ÉTIENNE", "saint etienne"],
    ["Sainte-Foy-lès-Lyon", "sainte foy les lyon"],
    ["Ste Foy les Lyon", "sainte foy les lyon"],
    ["Œuilly", "oeuilly"],
    ["L’Isle-d’Abeau", "l isle d abeau"],
  ])("placeNameKey(%p) is %p", (input, key) => {
    expect(placeNameKey(input)).toBe(key);
  });

  test("small communes are there, with their own point or a fallback that says so", () => {
    // Anceaumeville (708 inhabitants) has a point of its own
    expect(findCommune({ insee: "76007" })).toMatchObject({ name: "Anceaumeville", precision: "COMMUNE", postcodes: ["76710"] });
    // Amfreville-les-Champs (188) has none: the mean of the other communes of 76560
    const small = findCommune({ name: "Amfreville-les-Champs", dept: "76" });
    expect(small).toMatchObject({ insee: "76006", precision: "POSTCODE" });
    const neighbours = communesOfPostcode("76560").filter((c) => c.insee !== "76006" && c.precision === "COMMUNE");
    expect(neighbours.length).toBeGreaterThan(0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(small?.lat).toBeCloseTo(mean(neighbours.map((c) => c.lat)), 3);
    expect(small?.lon).toBeCloseTo(mean(neighbours.map((c) => c.lon)), 3);
    // towns that GeoNames lacks are no longer left out
    expect(findCommune({ name: "Onet-le-Château" })).toMatchObject({ insee: "12176", precision: "POSTCODE" });
    const counts = new Map<string, number>();
    for (const c of communes()) counts.set(c.precision, (counts.get(c.precision) ?? 0) + 1);
    expect(counts.get("COMMUNE")).toBeGreaterThan(14_000);
    expect(counts.get("POSTCODE")).toBeGreaterThan(18_000);
  });

  test.each<[string, string | null, string, string | string[]]>([
    ["76007", null, "FOUND", "76007"],
    ["Anceaumeville", null, "FOUND", "76007"],
    ["rouen", null, "FOUND", "76540"],
    // ten times as populous as any namesake: the one meant
    ["Valence", null, "FOUND", "26362"],
    ["Saint-Denis (93)", null, "FOUND", "93066"],
    ["Saint-Denis", "97490", "FOUND", "97411"],
    ["Saint-Martin (32)", null, "FOUND", "32389"],
    ["Saint-Martin (32300)", null, "FOUND", "32389"],
    ["Nulle-Part-sur-Mer", null, "UNKNOWN", []],
    ["99999", null, "UNKNOWN", []],
    ["Saint-Martin (99)", null, "UNKNOWN", []],
  ])("lookupCommune(%p, postcode %p)", (text, postcode, kind, insee) => {
    const found = lookupCommune(text, postcode);
    expect(found.kind).toBe(kind);
    if (found.kind === "FOUND") expect(found.commune.insee).toBe(insee);
  });

  test("a name shared by communes of comparable size is ambiguous, with its namesakes", () => {
    const found = lookupCommune("Saint-Denis");
    expect(found.kind).toBe("AMBIGUOUS");
    if (found.kind !== "AMBIGUOUS") return;
    expect(found.candidates.slice(0, 2).map((c) => c.insee)).toEqual(["97411", "93066"]);
    const martins = lookupCommune("saint martin");
    expect(martins.kind === "AMBIGUOUS" && martins.candidates.length).toBe(4);
  });
});
