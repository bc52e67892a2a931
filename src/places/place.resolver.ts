import { Arg, Authorized, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { ApiScope } from "../auth/roles";
import { Scopes } from "../auth/scopes";
import { Place } from "./place.embeddable";
import { CommuneType, DepartmentType, RegionType } from "./place.types";
import * as places from "./place.service";

@Resolver()
export class PlaceResolver {
  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => [RegionType], { description: "The 18 regions, by code: the codes the `region` filters take." })
  regions(): RegionType[] {
    return places.listRegions();
  }

  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => [DepartmentType], { description: "The 101 departments, by code (those of one region when asked): the codes the `department` filters take." })
  departments(
    @Arg("region", () => String, { nullable: true, description: "Only the departments of this region (INSEE code, e.g. `28`)." }) region?: string | null,
  ): DepartmentType[] {
    return places.listDepartments(region);
  }

  @Authorized()
  @Scopes(ApiScope.READ)
  @Query(() => [CommuneType], {
    description:
      "Communes a search names, most populous first: an INSEE code or a postcode (`76540`: the commune of that code, then those the postcode serves), or a name, ignoring case and accents, with its department or postcode in brackets to tell namesakes apart (`Saint-Martin (32)`). Every commune of France is there; `precision` says where its point comes from.",
  })
  communes(
    @Arg("search", () => String, { description: "INSEE code, postcode, or name (optionally `Name (department)`)." }) search: string,
    @Arg("first", () => Int, { nullable: true, description: "How many communes to return (1-50, default 20)." }) first?: number | null,
  ): CommuneType[] {
    return places.searchCommuneList(search, first);
  }
}

@Resolver(() => RegionType)
export class RegionResolver {
  @FieldResolver(() => [DepartmentType], { description: "Its departments, by code." })
  departments(@Root() region: RegionType): DepartmentType[] {
    return places.listDepartments(region.code, "region");
  }
}

@Resolver(() => DepartmentType)
export class DepartmentResolver {
  @FieldResolver(() => RegionType, { description: "The region it belongs to." })
  region(@Root() department: DepartmentType): RegionType {
    return places.regionOf(department.regionCode);
  }
}

@Resolver(() => CommuneType)
export class CommuneResolver {
  @FieldResolver(() => DepartmentType, { description: "Its department." })
  department(@Root() commune: CommuneType): DepartmentType {
    return places.departmentOf(commune.departmentCode);
  }
}

/**
 * The one resolver of the place shared by cooperatives, tenders and client organisations: its
 * codes as the reference records, so that a client reads `place { department { name } }`.
 */
@Resolver(() => Place)
export class PlaceFieldsResolver {
  @FieldResolver(() => CommuneType, { nullable: true, description: "The commune, as the reference knows it; null when unknown." })
  commune(@Root() place: Place): CommuneType | null {
    return places.communeByCode(place.communeCode);
  }

  @FieldResolver(() => DepartmentType, { nullable: true, description: "The department; null when unknown." })
  department(@Root() place: Place): DepartmentType | null {
    return places.departmentByCode(place.departmentCode);
  }

  @FieldResolver(() => RegionType, { nullable: true, description: "The region; null when unknown." })
  region(@Root() place: Place): RegionType | null {
    return places.regionByCode(place.regionCode);
  }
}
