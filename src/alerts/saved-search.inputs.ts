import { Field, Float, InputType, Int, ObjectType } from "type-graphql";
import { TenderKind } from "../tenders/tender.enums";
import { AlertDelivery } from "./saved-search.enums";
import { SavedSearch } from "./saved-search.entity";

@InputType({ description: "A circle around a commune." })
export class SavedSearchNearInput {
  @Field({ description: "The commune: INSEE code or name." })
  commune!: string;

  @Field(() => Float, { description: "Radius in km (1 to 1,000)." })
  radiusKm!: number;
}

@InputType({ description: "The criteria of a saved search; all given criteria must hold, a list matches on any of its items." })
export class SaveSearchInput {
  @Field({ description: "A name for the search (up to 200 characters)." })
  name!: string;

  @Field(() => [String], { nullable: true, description: "CPV codes or prefixes of 2 to 8 digits (`798`, `79810000`, `79810000-5`); at most 20." })
  cpvCodes?: string[] | null;

  @Field(() => [String], { nullable: true, description: "Department codes (`76`, `2A`, `974`); at most 101." })
  departmentCodes?: string[] | null;

  @Field(() => [String], { nullable: true, description: "Region codes (`28`, `11`); at most 18." })
  regionCodes?: string[] | null;

  @Field(() => SavedSearchNearInput, {
    nullable: true,
    description: "Tenders within a distance of a commune. With departments or regions, a tender in any of the places matches.",
  })
  near?: SavedSearchNearInput | null;

  @Field(() => [String], {
    nullable: true,
    description: "Words or phrases (letters, digits, spaces, hyphens, apostrophes; up to 100 characters each); at most 20.",
  })
  keywords?: string[] | null;

  @Field(() => [TenderKind], { nullable: true, description: "Kinds of tender; none: every kind." })
  kinds?: TenderKind[] | null;

  @Field(() => Int, { nullable: true, description: "Minimum estimated value, excluding tax." })
  minValue?: number | null;

  @Field(() => AlertDelivery, { nullable: true, description: "Inbox only (the default), or inbox and e-mail." })
  delivery?: AlertDelivery | null;
}

@InputType({ description: "Changes to a saved search: a field left out keeps its value, null clears it." })
export class UpdateSavedSearchInput {
  @Field(() => String, { nullable: true, description: "A new name." })
  name?: string | null;

  @Field(() => [String], { nullable: true, description: "New CPV codes or prefixes (replaces the list)." })
  cpvCodes?: string[] | null;

  @Field(() => [String], { nullable: true, description: "New department codes (replaces the list)." })
  departmentCodes?: string[] | null;

  @Field(() => [String], { nullable: true, description: "New region codes (replaces the list)." })
  regionCodes?: string[] | null;

  @Field(() => SavedSearchNearInput, { nullable: true, description: "A new distance criterion; null removes it." })
  near?: SavedSearchNearInput | null;

  @Field(() => [String], { nullable: true, description: "New keywords (replaces the list)." })
  keywords?: string[] | null;

  @Field(() => [TenderKind], { nullable: true, description: "New kinds (replaces the list)." })
  kinds?: TenderKind[] | null;

  @Field(() => Int, { nullable: true, description: "A new minimum estimated value; null removes it." })
  minValue?: number | null;

  @Field(() => AlertDelivery, { nullable: true, description: "A new delivery choice." })
  delivery?: AlertDelivery | null;
}

@ObjectType({ description: "A new secret feed URL of a saved search, shown this once: the previous URL no longer answers." })
export class SavedSearchFeed {
  @Field({ description: "The Atom feed's full URL, for a feed reader (built on APP_URL)." })
  url!: string;

  @Field({ description: "The same URL's path on this server, `/feeds/searches/<secret>.atom`." })
  path!: string;

  @Field(() => SavedSearch, { description: "The saved search." })
  savedSearch!: SavedSearch;
}
