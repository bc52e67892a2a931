import { Entity, Enum, Index, ManyToOne, Property, Unique, type Opt, type Ref } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { TenderKind } from "../tenders/tender.enums";
import { AlertDelivery } from "./saved-search.enums";

@ObjectType({ description: "The distance criterion of a saved search: tenders within `radiusKm` of a commune." })
export class SavedSearchNear {
  @Field({ description: "INSEE code of the commune." })
  communeCode!: string;

  @Field({ description: "Name of the commune." })
  commune!: string;

  @Field(() => Float, { description: "Radius in km around the commune." })
  radiusKm!: number;
}

/**
 * A person's alert (TED and BOAMP offer the same): criteria matched in SQL against every tender
 * that opens (alert.match.ts). Empty lists mean "any". The feed's secret is kept as its SHA-256
 * only, like API tokens: it is shown once, when rotated.
 */
@ObjectType({
  implements: Node,
  description: "A search a person saved: every tender that opens and matches it is announced to them, and listed in its Atom feed.",
})
@Entity({ tableName: "saved_searches" })
@Index({ properties: ["owner", "createdAt"] })
export class SavedSearch extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: "cascade" })
  owner!: Ref<User>;

  @Field({ description: "Name chosen by its owner, shown in the notifications." })
  @Property({ type: "string", length: 200 })
  name!: string;

  @Field(() => [String], {
    description: "CPV codes or prefixes (2 to 8 digits) as given; a tender matches when one of its or its lots' codes falls under one of them. Empty: any.",
  })
  @Property({ type: "text[]", default: "{}" })
  cpvCodes: Opt<string[]> = [];

  /** Significant prefixes of `cpvCodes`, compared with `tenders.cpv_prefixes`. */
  @Property({ type: "text[]", default: "{}" })
  cpvPrefixes: Opt<string[]> = [];

  @Field(() => [String], { description: "Department codes (INSEE); a tender placed in one of them matches." })
  @Property({ type: "text[]", default: "{}" })
  departmentCodes: Opt<string[]> = [];

  @Field(() => [String], { description: "Region codes (INSEE); a tender placed in one of them matches." })
  @Property({ type: "text[]", default: "{}" })
  regionCodes: Opt<string[]> = [];

  @Property({ type: "string", length: 5, nullable: true })
  nearCommuneCode: string | null = null;

  @Property({ type: "string", length: 200, nullable: true })
  nearCommuneName: string | null = null;

  @Property({ type: "double", nullable: true })
  nearLatitude: number | null = null;

  @Property({ type: "double", nullable: true })
  nearLongitude: number | null = null;

  @Property({ type: "double", nullable: true })
  nearRadiusKm: number | null = null;

  @Field(() => [String], {
    description:
      "Words or phrases; a tender whose title, description or lots contain one of them (ignoring accents and case, from the start of a word) matches. Empty: any.",
  })
  @Property({ type: "text[]", default: "{}" })
  keywords: Opt<string[]> = [];

  @Field(() => [TenderKind], { description: "Kinds of tender; empty: any kind the owner may see." })
  @Property({ type: "text[]", default: "{}" })
  kinds: Opt<TenderKind[]> = [];

  @Field(() => Int, { nullable: true, description: "Minimum estimated value (excluding tax); a tender without a value does not match when set." })
  @Property({ type: "integer", nullable: true })
  minValue: number | null = null;

  @Field(() => AlertDelivery, { description: "Inbox only, or inbox and e-mail." })
  @Enum({ items: () => AlertDelivery, default: AlertDelivery.INBOX })
  delivery: Opt<AlertDelivery> = AlertDelivery.INBOX;

  /** SHA-256 of the feed's secret; null when the search has no feed. */
  @Property({ type: "string", length: 64, nullable: true, hidden: true })
  @Unique()
  feedSecretHash: string | null = null;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: "When the current feed URL was made (`rotateSavedSearchFeed`); null when the search has no feed.",
  })
  @Property({ type: "datetime", nullable: true })
  feedCreatedAt: Date | null = null;
}
