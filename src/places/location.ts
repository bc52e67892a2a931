import { BadInputError } from "../common/errors";
import { findCommune, type Commune } from "../common/reference/reference";
import * as v from "../common/validate";
import { placeFrom, type Place } from "./place.embeddable";
import { communeOf, communesOfKnownPostcode } from "./place.service";
import { LocationPrecision } from "./place.types";

/** A location as typed by a person (cooperative premises, a client organisation's address). */
export interface LocationFields {
  address?: string | null;
  communeCode?: string | null;
  postcode?: string | null;
  city?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

/** The columns of a typed location: the shared place, and what only these records keep. */
export interface ResolvedLocation {
  address: string | null;
  postcode: string | null;
  place: Place;
  locationPrecision: LocationPrecision | null;
}

/**
 * Fills commune, department, region and point from the INSEE code, the city (with its postcode
 * for namesakes) or a postcode that serves one commune; given coordinates win. Any commune of
 * France: a small one without a point of its own gets the documented fallback, and
 * `locationPrecision` says which. An unknown code or postcode, or a name that several communes
 * bear, is BAD_USER_INPUT naming the field.
 */
export function resolveLocation(field: string, input: LocationFields): ResolvedLocation {
  const address = v.optionalText(`${field}.address`, input.address, { max: 300 });
  const postcode = v.optionalText(`${field}.postcode`, input.postcode, { max: 5 });
  const served = postcode === null ? null : communesOfKnownPostcode(`${field}.postcode`, postcode);
  const cityName = v.optionalText(`${field}.city`, input.city, { max: 200 });
  const communeCode = v.optionalText(`${field}.communeCode`, input.communeCode, { max: 5 });
  let commune: Commune | undefined;
  if (communeCode !== null) {
    commune = findCommune({ insee: communeCode.toUpperCase() });
    if (!commune) throw new BadInputError(`${field}.communeCode`, "is not a known commune");
  } else if (cityName !== null) {
    commune = communeOf(`${field}.city`, cityName, postcode);
  } else if (served?.length === 1) {
    commune = served[0];
  }
  if (commune && postcode !== null && !commune.postcodes.includes(postcode)) {
    throw new BadInputError(`${field}.postcode`, `does not serve ${commune.name} (${commune.postcodes.join(", ")})`);
  }
  const hasLat = input.latitude !== null && input.latitude !== undefined;
  const hasLon = input.longitude !== null && input.longitude !== undefined;
  if (hasLat !== hasLon) throw new BadInputError(`${field}.${hasLat ? "longitude" : "latitude"}`, "give both coordinates");
  const point = hasLat
    ? { lat: v.latitude(`${field}.latitude`, input.latitude as number), lon: v.longitude(`${field}.longitude`, input.longitude as number) }
    : undefined;
  return {
    address,
    postcode: postcode ?? commune?.postcodes[0] ?? null,
    place: placeFrom({ commune, departmentCode: served?.[0]?.dept ?? null, city: cityName, point }),
    locationPrecision: hasLat ? LocationPrecision.GIVEN : commune ? LocationPrecision[commune.precision] : null,
  };
}
