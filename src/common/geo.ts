/**
 * Great-circle helpers for matching (ARCHITECTURE §6): the exact distance used in scores and
 * the bounding box used to narrow candidates in SQL with an index before scoring.
 *
 * These functions throw `RangeError` on impossible coordinates: they are programming errors
 * here. Input coming from a client is checked earlier with `isValidLatLon` and reported as a
 * `BadInputError` naming the field.
 */

export interface LatLon {
  /** Degrees, -90 (south) to 90 (north). */
  lat: number;
  /** Degrees, -180 (west) to 180 (east). */
  lon: number;
}

/** A box in degrees; always `minLat <= maxLat` and `minLon <= maxLon` (see `boundingBox`). */
export interface BoundingBox {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** Mean Earth radius (IUGG), in km. */
export const EARTH_RADIUS_KM = 6371.0088;

const DEG = Math.PI / 180;

/** True for finite coordinates within the usual degree ranges. */
export function isValidLatLon(p: unknown): p is LatLon {
  if (typeof p !== "object" || p === null) return false;
  const { lat, lon } = p as { lat?: unknown; lon?: unknown };
  return (
    typeof lat === "number" && typeof lon === "number" && Number.isFinite(lat) && Number.isFinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
  );
}

function assertLatLon(p: LatLon, name: string): void {
  if (!isValidLatLon(p)) {
    throw new RangeError(`${name} must have a latitude in [-90, 90] and a longitude in [-180, 180]`);
  }
}

/** Great-circle distance in km (haversine formula, spherical Earth: error below 0.5 %). */
export function haversineKm(a: LatLon, b: LatLon): number {
  assertLatLon(a, "a");
  assertLatLon(b, "b");
  const dLat = (b.lat - a.lat) * DEG;
  const dLon = (b.lon - a.lon) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.sin(dLon / 2) ** 2;
  // min() guards against h slightly above 1 from rounding at antipodes.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The smallest latitude/longitude box containing every point within `radiusKm` of `center`
 * (J. Matuschek's method: the longitude span is taken at the tangent points, not at the
 * center's latitude, so the box is a true superset of the circle).
 *
 * The box is a pre-filter only: callers keep the exact `haversineKm` test afterwards.
 * - When the circle contains a pole, the box spans every longitude and reaches that pole.
 * - When it crosses the antimeridian (Wallis-et-Futuna, near ±180°), the box spans every
 *   longitude too instead of wrapping, so that a plain `lon BETWEEN minLon AND maxLon` stays
 *   correct; the latitude band still narrows the search there.
 */
export function boundingBox(center: LatLon, radiusKm: number): BoundingBox {
  assertLatLon(center, "center");
  if (!Number.isFinite(radiusKm) || radiusKm < 0) {
    throw new RangeError("radiusKm must be a finite number >= 0");
  }
  const r = radiusKm / EARTH_RADIUS_KM;
  const lat = center.lat * DEG;
  const minLat = lat - r;
  const maxLat = lat + r;
  if (minLat > -Math.PI / 2 && maxLat < Math.PI / 2) {
    const dLon = Math.asin(Math.min(1, Math.sin(r) / Math.cos(lat)));
    const minLon = center.lon - dLon / DEG;
    const maxLon = center.lon + dLon / DEG;
    const wraps = minLon < -180 || maxLon > 180;
    return {
      minLat: minLat / DEG,
      maxLat: maxLat / DEG,
      minLon: wraps ? -180 : minLon,
      maxLon: wraps ? 180 : maxLon,
    };
  }
  return {
    minLat: Math.max(minLat / DEG, -90),
    maxLat: Math.min(maxLat / DEG, 90),
    minLon: -180,
    maxLon: 180,
  };
}

/** Whether a point lies in a box from `boundingBox` (the same test as the SQL pre-filter). */
export function inBoundingBox(box: BoundingBox, p: LatLon): boolean {
  return p.lat >= box.minLat && p.lat <= box.maxLat && p.lon >= box.minLon && p.lon <= box.maxLon;
}
