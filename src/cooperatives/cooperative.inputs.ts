import { ArgsType, Field, Float, ID, InputType, Int } from "type-graphql";
import { PageArgs } from "../common/pagination";
import { CooperativeOrder, CooperativeStatus, LegalForm, MemberRole } from "./cooperative.enums";

@InputType({
  description:
    "Where a cooperative is. Give a commune (INSEE code), or a city (with its postcode to tell namesakes apart), or a postcode that serves one commune; coordinates default to the commune's point (see `Cooperative.locationPrecision`).",
})
export class LocationInput {
  @Field(() => String, { nullable: true, description: "Street address." })
  address?: string | null;

  @Field(() => String, { nullable: true, description: "INSEE code of the commune, e.g. `76540` for Rouen." })
  communeCode?: string | null;

  @Field(() => String, { nullable: true, description: "Postal code." })
  postcode?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Commune name (any commune of France, `Name (department)` for namesakes), used with the postcode when no INSEE code is given.",
  })
  city?: string | null;

  @Field(() => Float, { nullable: true, description: "Latitude (WGS 84), -90 to 90." })
  latitude?: number | null;

  @Field(() => Float, { nullable: true, description: "Longitude (WGS 84), -180 to 180." })
  longitude?: number | null;
}

@InputType({ description: "A new cooperative." })
export class CreateCooperativeInput {
  @Field({ description: "Trade name." })
  name!: string;

  @Field(() => LegalForm, { description: "Legal form." })
  legalForm!: LegalForm;

  @Field({ description: "SIRET (14 digits; spaces allowed)." })
  siret!: string;

  @Field(() => String, { nullable: true, description: "NAF/APE code, e.g. `73.11Z`." })
  nafCode?: string | null;

  @Field(() => String, { nullable: true, description: "Description (up to 5,000 characters)." })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Web site (http or https)." })
  website?: string | null;

  @Field(() => LocationInput, { nullable: true, description: "Premises." })
  location?: LocationInput | null;

  @Field(() => Int, { nullable: true, description: "Number of workers (0-100,000)." })
  headcount?: number | null;

  @Field(() => Int, { nullable: true, description: "Annual revenue in euros." })
  annualRevenue?: number | null;
}

@InputType({ description: "Changes to a cooperative; absent fields stay as they are, null clears an optional one." })
export class UpdateCooperativeInput {
  @Field(() => String, { nullable: true, description: "Trade name." })
  name?: string | null;

  @Field(() => LegalForm, { nullable: true, description: "Legal form." })
  legalForm?: LegalForm | null;

  @Field(() => String, { nullable: true, description: "SIRET." })
  siret?: string | null;

  @Field(() => String, { nullable: true, description: "NAF/APE code." })
  nafCode?: string | null;

  @Field(() => String, { nullable: true, description: "Description." })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Web site." })
  website?: string | null;

  @Field(() => LocationInput, { nullable: true, description: "Premises; replaces the whole location." })
  location?: LocationInput | null;

  @Field(() => Int, { nullable: true, description: "Number of workers." })
  headcount?: number | null;

  @Field(() => Int, { nullable: true, description: "Annual revenue in euros." })
  annualRevenue?: number | null;

  @Field(() => Float, { nullable: true, description: "Score (0 to 1) from which new tenders are pushed as opportunities." })
  opportunityThreshold?: number | null;
}

@InputType({ description: "A skill to add or re-level." })
export class SkillInput {
  @Field({ description: "CPV code, with or without its check digit (`79341000` or `79341000-6`)." })
  code!: string;

  @Field(() => Int, { description: "Level 1 (occasional) to 5 (core trade)." })
  level!: number;
}

@InputType({ description: "A past contract cited as reference." })
export class ReferenceInput {
  @Field({ description: "What was done." })
  title!: string;

  @Field({ description: "For whom." })
  client!: string;

  @Field({ description: "CPV code of the work." })
  code!: string;

  @Field(() => Int, { description: "Year of delivery (1950 to next year)." })
  year!: number;

  @Field(() => Int, { nullable: true, description: "Amount in euros, excluding tax." })
  amount?: number | null;

  @Field(() => String, { nullable: true, description: "Details." })
  description?: string | null;
}

@InputType({ description: "A circle around a point, a commune or a postcode: give exactly one centre." })
export class NearInput {
  @Field(() => Float, { nullable: true, description: "Latitude of the centre." })
  latitude?: number | null;

  @Field(() => Float, { nullable: true, description: "Longitude of the centre." })
  longitude?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "Or a commune: INSEE code, name, or name with its department to tell namesakes apart (`Saint-Martin (32)`); any commune of France.",
  })
  commune?: string | null;

  @Field(() => String, { nullable: true, description: "Or a postcode: the point of the commune it mainly serves (its most populous)." })
  postcode?: string | null;

  @Field(() => Float, { description: "Radius in kilometres (0-2,000)." })
  radiusKm!: number;
}

@InputType({ description: "Filters of the cooperative directory; all given filters must hold." })
export class CooperativeFilter {
  @Field(() => String, {
    nullable: true,
    description: "Words to find in the name or description (French stemming, prefix match, accents and case ignored: `video` finds `vidéo`).",
  })
  search?: string | null;

  @Field(() => String, { nullable: true, description: "A CPV code or prefix (`7934`, `79341000`): cooperatives with a skill under it." })
  cpv?: string | null;

  @Field(() => String, { nullable: true, description: "Department code (INSEE, e.g. `76`, `2A`): the `departments` query lists them." })
  department?: string | null;

  @Field(() => String, { nullable: true, description: "Region code (INSEE, e.g. `28`): the `regions` query lists them." })
  region?: string | null;

  @Field(() => NearInput, { nullable: true, description: "Within a distance of a point or a commune." })
  near?: NearInput | null;

  @Field(() => CooperativeStatus, { nullable: true, description: "Only this status: PENDING lists the registrations awaiting an officer's check." })
  status?: CooperativeStatus | null;
}

@ArgsType()
export class CooperativesArgs extends PageArgs {
  @Field(() => CooperativeFilter, { nullable: true, description: "Filters." })
  filter?: CooperativeFilter | null;

  @Field(() => CooperativeOrder, { nullable: true, description: "Sort order (default NAME)." })
  orderBy?: CooperativeOrder | null;
}

@InputType({ description: "Inviting a person to a cooperative (input of the deprecated `addCooperativeMember`)." })
export class AddMemberInput {
  @Field(() => ID, { description: "The cooperative." })
  cooperativeId!: string;

  @Field({ description: "Email of the person's account." })
  email!: string;

  @Field(() => MemberRole, { defaultValue: MemberRole.MEMBER, description: "Their role." })
  role!: MemberRole;
}

@InputType({ description: "An officer's check of a self-registered cooperative." })
export class VerifyCooperativeInput {
  @Field(() => ID, { description: "The cooperative." })
  cooperativeId!: string;

  @Field({ description: "The SIRET as found in the Sirene register: both keys (SIREN and SIRET) are checked, and it must match the registered one." })
  siret!: string;
}
