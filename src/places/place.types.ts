import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import type { Commune, Department, Region } from "../common/reference/reference";

/** Where a point comes from: a commune's own point, one of the documented fallbacks, or given. */
export enum LocationPrecision {
  COMMUNE = "COMMUNE",
  POSTCODE = "POSTCODE",
  ARRONDISSEMENT = "ARRONDISSEMENT",
  DEPARTMENT = "DEPARTMENT",
  GIVEN = "GIVEN",
}

registerEnumType(LocationPrecision, {
  name: "LocationPrecision",
  description: "Where a point (latitude, longitude) comes from, most precise first.",
  valuesConfig: {
    COMMUNE: { description: "The commune's own point: its main place (GeoNames)." },
    POSTCODE: {
      description: "The commune has no point of its own: the mean of the points of the other communes sharing one of its postcodes.",
    },
    ARRONDISSEMENT: { description: "No point for the commune nor its postcodes: the mean of the points of its arrondissement's communes." },
    DEPARTMENT: { description: "Only the department is known: the point of its prefecture." },
    GIVEN: { description: "The coordinates were given with the record." },
  },
});

@ObjectType("Region", { description: "A French region (INSEE), the 13 of metropolitan France and the 5 overseas." })
export class RegionType {
  @Field({ description: "INSEE region code, e.g. `28` (Normandie), `01` (Guadeloupe): what the filters take." })
  code!: string;

  @Field({ description: "Official name." })
  name!: string;

  @Field({ description: "Whether it is one of the 5 overseas regions." })
  overseas!: boolean;

  @Field({ description: "Name of the chef-lieu." })
  chefLieu!: string;
}

@ObjectType("Department", { description: "A French department (INSEE), one of 101." })
export class DepartmentType {
  @Field({ description: "INSEE department code, e.g. `76`, `2A`, `974`: what the filters take." })
  code!: string;

  @Field({ description: "Official name." })
  name!: string;

  @Field({ description: "NUTS level 3 code, as public notices give it (e.g. `FRD22`)." })
  nuts3!: string;

  @Field({ description: "Name of the prefecture." })
  prefecture!: string;

  /** The region's code, resolved to the region by a field resolver. */
  regionCode!: string;
}

@ObjectType("Commune", { description: "A French commune, with the point the directory and the matching use for it." })
export class CommuneType {
  @Field({ description: "INSEE commune code, e.g. `76540` (Rouen), `2A004` (Ajaccio)." })
  code!: string;

  @Field({ description: "Official name." })
  name!: string;

  @Field({ description: "How to write it so that its namesakes are told apart, e.g. `Saint-Martin (32)`." })
  label!: string;

  @Field(() => [String], { description: "The postcodes serving it." })
  postcodes!: string[];

  @Field(() => Int, { description: "Municipal population (INSEE)." })
  population!: number;

  @Field(() => Float, { description: "Latitude (WGS 84) of its point." })
  latitude!: number;

  @Field(() => Float, { description: "Longitude (WGS 84) of its point." })
  longitude!: number;

  @Field(() => LocationPrecision, { description: "Where its point comes from: COMMUNE, or the fallback used when it has none of its own." })
  precision!: LocationPrecision;

  /** The department's code, resolved to the department by a field resolver. */
  departmentCode!: string;
}

export function toRegion(r: Region): RegionType {
  return Object.assign(new RegionType(), { code: r.code, name: r.name, overseas: r.overseas, chefLieu: r.chefLieu.name });
}

export function toDepartment(d: Department): DepartmentType {
  return Object.assign(new DepartmentType(), { code: d.code, name: d.name, nuts3: d.nuts3, prefecture: d.prefecture.name, regionCode: d.region });
}

export function toCommune(c: Commune): CommuneType {
  return Object.assign(new CommuneType(), {
    code: c.insee,
    name: c.name,
    label: `${c.name} (${c.dept})`,
    postcodes: [...c.postcodes],
    population: c.population,
    latitude: c.lat,
    longitude: c.lon,
    precision: LocationPrecision[c.precision],
    departmentCode: c.dept,
  });
}
