import { boundingBox, EARTH_RADIUS_KM, haversineKm, inBoundingBox, isValidLatLon, LatLon } from "../../src/common/geo";

const PARIS: LatLon = { lat: 48.8566, lon: 2.3522 };
const ROUEN: LatLon = { lat: 49.4431, lon: 1.0993 };
const LYON: LatLon = { lat: 45.764, lon: 4.8357 };
const MARSEILLE: LatLon = { lat: 43.2965, lon: 5.3698 };
const SAINT_DENIS_REUNION: LatLon = { lat: -20.8823, lon: 55.4504 };
const NOUMEA: LatLon = { lat: -22.2758, lon: 166.458 };
const MATA_UTU: LatLon = { lat: -13.2825, lon: -176.1736 };
const CAYENNE: LatLon = { lat: 4.9224, lon: -52.3135 };

describe("haversineKm", () => {
  it.each([
    ["Paris–Rouen", PARIS, ROUEN, 111.7, 1.5],
    ["Paris–Lyon", PARIS, LYON, 391.5, 2],
    ["Paris–Marseille", PARIS, MARSEILLE, 660.5, 3],
    ["Paris–Saint-Denis (La Réunion)", PARIS, SAINT_DENIS_REUNION, 9360, 40],
    ["Nouméa–Mata-Utu, across the antimeridian", NOUMEA, MATA_UTU, 2090, 25],
    ["one degree of latitude", { lat: 0, lon: 0 }, { lat: 1, lon: 0 }, 111.2, 0.1],
    ["one degree of longitude on the equator", { lat: 0, lon: 0 }, { lat: 0, lon: 1 }, 111.2, 0.1],
    ["one degree of longitude at 60°N is half", { lat: 60, lon: 0 }, { lat: 60, lon: 1 }, 55.6, 0.1],
    ["pole to pole", { lat: 90, lon: 0 }, { lat: -90, lon: 0 }, Math.PI * EARTH_RADIUS_KM, 0.01],
    ["antipodes", { lat: 0, lon: 0 }, { lat: 0, lon: 180 }, Math.PI * EARTH_RADIUS_KM, 0.01],
    ["same point", ROUEN, ROUEN, 0, 0],
    ["-180 and 180 are the same meridian", { lat: 10, lon: -180 }, { lat: 10, lon: 180 }, 0, 1e-6],
  ])("%s", (_name, a, b, expected, tolerance) => {
    expect(Math.abs(haversineKm(a, b) - expected)).toBeLessThanOrEqual(tolerance);
  });

  it("is symmetric", () => {
    for (const [a, b] of [
      [PARIS, ROUEN],
      [NOUMEA, MATA_UTU],
      [CAYENNE, SAINT_DENIS_REUNION],
    ] as const) {
      expect(haversineKm(a, b)).toBeCloseTo(haversineKm(b, a), 9);
    }
  });

  it.each([[{ lat: 91, lon: 0 }], [{ lat: 0, lon: 181 }], [{ lat: Number.NaN, lon: 0 }], [{ lat: 0, lon: Number.POSITIVE_INFINITY }]])(
    "refuses impossible coordinates %o",
    (p) => {
      expect(() => haversineKm(p, PARIS)).toThrow(RangeError);
      expect(() => haversineKm(PARIS, p)).toThrow(RangeError);
    },
  );
});

describe("isValidLatLon", () => {
  it.each([
    [{ lat: 0, lon: 0 }, true],
    [PARIS, true],
    [{ lat: -90, lon: -180 }, true],
    [{ lat: 90, lon: 180 }, true],
    [{ lat: 90.0001, lon: 0 }, false],
    [{ lat: 0, lon: -180.0001 }, false],
    [{ lat: Number.NaN, lon: 0 }, false],
    [{ lat: 0, lon: Number.NEGATIVE_INFINITY }, false],
    [{ lat: "48.8", lon: 2.3 }, false],
    [{ lat: 48.8 }, false],
    [null, false],
    [undefined, false],
    ["48.8,2.3", false],
  ])("%o → %s", (p, expected) => {
    expect(isValidLatLon(p)).toBe(expected);
  });
});

describe("boundingBox", () => {
  /** Points on the circle of `radiusKm` around `center` (destination formula), to check containment. */
  function circle(center: LatLon, radiusKm: number, steps = 72): LatLon[] {
    const d = radiusKm / EARTH_RADIUS_KM;
    const lat1 = (center.lat * Math.PI) / 180;
    const lon1 = (center.lon * Math.PI) / 180;
    const points: LatLon[] = [];
    for (let i = 0; i < steps; i++) {
      const bearing = (2 * Math.PI * i) / steps;
      const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
      const lon2 = lon1 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
      let lon = (lon2 * 180) / Math.PI;
      lon = ((((lon + 180) % 360) + 360) % 360) - 180;
      points.push({ lat: (lat2 * 180) / Math.PI, lon });
    }
    return points;
  }

  it.each([
    ["Rouen 50 km", ROUEN, 50],
    ["Paris 200 km", PARIS, 200],
    ["Marseille 10 km", MARSEILLE, 10],
    ["La Réunion 100 km", SAINT_DENIS_REUNION, 100],
    ["Cayenne 300 km", CAYENNE, 300],
    ["Nouméa 500 km", NOUMEA, 500],
    ["Mata-Utu 500 km (crosses the antimeridian)", MATA_UTU, 500],
    ["Adélie Land 2700 km (reaches the south pole)", { lat: -66.66, lon: 140 }, 2700],
    ["north of Svalbard 1000 km (reaches the north pole)", { lat: 85, lon: 20 }, 1000],
  ])("contains the whole circle: %s", (_name, center, radius) => {
    const box = boundingBox(center, radius);
    expect(box.minLat).toBeLessThanOrEqual(box.maxLat);
    expect(box.minLon).toBeLessThanOrEqual(box.maxLon);
    expect(inBoundingBox(box, center)).toBe(true);
    for (const p of circle(center, radius * 0.9999)) {
      expect(inBoundingBox(box, p)).toBe(true);
    }
  });

  it("is tight away from poles and the antimeridian", () => {
    const box = boundingBox(ROUEN, 50);
    const dLat = (50 / EARTH_RADIUS_KM) * (180 / Math.PI);
    expect(box.maxLat - ROUEN.lat).toBeCloseTo(dLat, 9);
    expect(ROUEN.lat - box.minLat).toBeCloseTo(dLat, 9);
    // Wider in longitude than in latitude at 49°N, but not by more than 1/cos(lat) plus a little.
    const dLon = box.maxLon - ROUEN.lon;
    expect(dLon).toBeGreaterThan(dLat);
    expect(dLon).toBeLessThan((dLat / Math.cos((ROUEN.lat * Math.PI) / 180)) * 1.001);
    // A point 60 km away is outside.
    expect(inBoundingBox(box, { lat: ROUEN.lat + 0.6, lon: ROUEN.lon })).toBe(false);
  });

  it("spans every longitude across the antimeridian, so that BETWEEN stays correct", () => {
    const box = boundingBox(MATA_UTU, 500);
    expect(box.minLon).toBe(-180);
    expect(box.maxLon).toBe(180);
    expect(box.minLat).toBeGreaterThan(-18);
    expect(box.maxLat).toBeLessThan(-8);
    expect(inBoundingBox(box, { lat: -13, lon: 178.5 })).toBe(true);
  });

  it("reaches the pole and spans every longitude when the pole is inside", () => {
    const box = boundingBox({ lat: 85, lon: 20 }, 1000);
    expect(box.maxLat).toBe(90);
    expect(box.minLon).toBe(-180);
    expect(box.maxLon).toBe(180);
  });

  it("a zero radius is the point itself", () => {
    expect(boundingBox(PARIS, 0)).toEqual({ minLat: PARIS.lat, maxLat: PARIS.lat, minLon: PARIS.lon, maxLon: PARIS.lon });
  });

  it("a radius beyond half the Earth is the whole globe", () => {
    expect(boundingBox(PARIS, 25000)).toEqual({ minLat: -90, maxLat: 90, minLon: -180, maxLon: 180 });
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])("refuses radius %p", (radius) => {
    expect(() => boundingBox(PARIS, radius)).toThrow(RangeError);
  });

  it("refuses an impossible center", () => {
    expect(() => boundingBox({ lat: 100, lon: 0 }, 10)).toThrow(RangeError);
  });
});
