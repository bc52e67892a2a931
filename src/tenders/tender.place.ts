import { departmentOfNuts, findCommune, findDepartment, type Commune } from "../common/reference/reference";
import { placeFrom, type Place } from "../places/place.embeddable";

/** What a place of performance says, from an input or a notice. */
export interface PlaceOfPerformance {
  nuts?: string | null;
  communeCode?: string | null;
  city?: string | null;
  postcode?: string | null;
  country?: string | null;
  description?: string | null;
}

/** The tender's columns for its place of performance: the shared place, and what notices add. */
export interface ResolvedPlace {
  nutsCode: string | null;
  countryCode: string | null;
  place: Place;
  placeDescription: string | null;
}

/** "Rouen Cedex 1" → "Rouen": a Cedex suffix names a sorting office, not a commune. */
function withoutCedex(city: string): string {
  return city.replace(/\s+cedex(\s+\d+)?\s*$/i, "").trim();
}

/**
 * Locates a place with the reference data: the commune from its INSEE code or its name and
 * postcode; the department from the commune, else the NUTS-3 code, else the postcode; the
 * coordinates from the commune, else (a NUTS code only) from the department's prefecture, so
 * that proximity matching has something to work with. Pure; unknown places stay null.
 */
export function resolvePlace(place: PlaceOfPerformance): ResolvedPlace {
  const nuts = place.nuts?.trim().toUpperCase() || null;
  const country = place.country?.trim().toUpperCase() || (nuts?.startsWith("FR") ? "FRA" : null);
  const french = country === null || country === "FRA";
  let commune: Commune | undefined;
  if (french) {
    if (place.communeCode) commune = findCommune({ insee: place.communeCode.trim().toUpperCase() });
    else if (place.city) commune = findCommune({ name: withoutCedex(place.city), postcode: place.postcode?.trim() || undefined });
    else if (place.postcode) commune = findCommune({ postcode: place.postcode.trim() });
  }
  let departmentCode = commune?.dept ?? null;
  if (!departmentCode && french && nuts) departmentCode = departmentOfNuts(nuts)?.code ?? null;
  if (!departmentCode && french && place.postcode && /^\d{5}$/.test(place.postcode.trim())) {
    const pc = place.postcode.trim();
    const code = pc.startsWith("97") ? pc.slice(0, 3) : pc.startsWith("20") ? (Number(pc) < 20200 ? "2A" : "2B") : pc.slice(0, 2);
    departmentCode = findDepartment(code)?.code ?? null;
  }
  const department = departmentCode ? findDepartment(departmentCode) : undefined;
  return {
    nutsCode: nuts,
    countryCode: country ?? (departmentCode ? "FRA" : null),
    // Without a commune, the department's prefecture stands for the place.
    place: placeFrom({
      commune,
      departmentCode: department?.code ?? null,
      city: place.city ? withoutCedex(place.city) : null,
      point: commune ?? department ?? null,
    }),
    placeDescription: place.description?.trim() || null,
  };
}
