import { Embeddable, Property } from "@mikro-orm/core";
import { Field, Float, ObjectType } from "type-graphql";
import { findDepartment, type Commune } from "../common/reference/reference";

/**
 * Where something is on the map of France: its commune, department, region and point. One
 * definition for the columns that cooperatives, tenders (the place of performance) and client
 * organisations share; each entity embeds it with `prefix: false`, so the columns keep their
 * names (`city`, `commune_code`, `department_code`, `region_code`, `latitude`, `longitude`) and
 * SQL that reads them (the directory, the matching, the alerts) is unchanged. Indexes stay on the
 * entities (`@Index({ properties: ["place.departmentCode"] })`): not every table has them.
 */
@ObjectType("Place", {
  description:
    "Where something is: its commune, department and region (INSEE codes, each also resolved to the reference record) and its point (WGS 84). Every field is null when unknown.",
})
@Embeddable()
export class Place {
  @Field(() => String, { nullable: true, description: "Commune name." })
  @Property({ type: "string", length: 200, nullable: true })
  city: string | null = null;

  @Field(() => String, { nullable: true, description: "INSEE code of the commune, e.g. `76540`." })
  @Property({ type: "string", length: 5, nullable: true })
  communeCode: string | null = null;

  @Field(() => String, { nullable: true, description: "Department code (INSEE), e.g. `76`, `2A`, `974`." })
  @Property({ type: "string", length: 3, nullable: true })
  departmentCode: string | null = null;

  @Field(() => String, { nullable: true, description: "Region code (INSEE), e.g. `28` for Normandie." })
  @Property({ type: "string", length: 2, nullable: true })
  regionCode: string | null = null;

  @Field(() => Float, { nullable: true, description: "Latitude (WGS 84)." })
  @Property({ type: "double", nullable: true })
  latitude: number | null = null;

  @Field(() => Float, { nullable: true, description: "Longitude (WGS 84)." })
  @Property({ type: "double", nullable: true })
  longitude: number | null = null;
}

/** A place from its values (missing ones null). */
export function placeOf(values: Partial<Place> = {}): Place {
  return Object.assign(new Place(), values);
}

/** What a place is derived from: a commune found, else a department code, and what was written. */
export interface PlaceFacts {
  commune?: Commune | undefined;
  /** The department when no commune is known (from a NUTS code or a postcode). */
  departmentCode?: string | null;
  /** The commune's name as written, kept when no commune is found. */
  city?: string | null;
  /** A point given with the record, or another fallback; by default the commune's point (none without a commune). */
  point?: { readonly lat: number; readonly lon: number } | null;
}

/**
 * The one derivation of a place from the reference data, for typed locations and notices alike:
 * the department from the commune (else the one given), its region, and the commune's point
 * unless another is given.
 */
export function placeFrom(facts: PlaceFacts): Place {
  const { commune } = facts;
  const departmentCode = commune?.dept ?? facts.departmentCode ?? null;
  const point = facts.point !== undefined ? facts.point : (commune ?? null);
  return placeOf({
    city: commune?.name ?? facts.city ?? null,
    communeCode: commune?.insee ?? null,
    departmentCode,
    regionCode: departmentCode ? (findDepartment(departmentCode)?.region ?? null) : null,
    latitude: point?.lat ?? null,
    longitude: point?.lon ?? null,
  });
}
