import { Collection, Embedded, Entity, Enum, Index, ManyToOne, OneToMany, Property, Unique, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { Place } from "../places/place.embeddable";
import { LocationPrecision } from "../places/place.types";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { cpvLabel } from "../common/reference/reference";
import { Node } from "../common/node";
import { CooperativeStatus, LegalForm, MemberRole } from "./cooperative.enums";

@ObjectType({ implements: Node, description: "A member cooperative (Scop, SCIC, CAE) of the federation." })
@Entity({ tableName: "cooperatives" })
@Index({ properties: ["place.latitude", "place.longitude"] })
@Index({ properties: ["place.departmentCode"] })
@Index({ properties: ["place.regionCode"] })
@Index({ properties: ["name", "id"] })
@Index({
  name: "cooperatives_location_gist",
  // Covering: the candidate search walks it nearest first without reading rows (migration 20261206140000).
  expression:
    'create index "cooperatives_location_gist" on "cooperatives" using gist (point("longitude", "latitude")) include ("id", "status", "cpv_prefixes", "latitude", "longitude")',
})
export class Cooperative extends BaseEntity {
  @Field({ description: "Trade name." })
  @Property({ type: "string", length: 200 })
  name!: string;

  @Field(() => LegalForm, { description: "Legal form." })
  @Enum({ items: () => LegalForm, nativeEnumName: "legal_form" })
  legalForm!: LegalForm;

  @Field({ description: "SIRET of the head office (14 digits, Luhn-checked)." })
  @Property({ type: "string", length: 14 })
  @Unique()
  siret!: string;

  @Field(() => String, { nullable: true, description: "NAF/APE activity code, e.g. `73.11Z`." })
  @Property({ type: "string", length: 6, nullable: true })
  nafCode: string | null = null;

  @Field(() => String, { nullable: true, description: "What the cooperative does, in its own words." })
  @Property({ type: "text", nullable: true })
  description: string | null = null;

  @Field(() => String, { nullable: true, description: "Web site." })
  @Property({ type: "string", length: 500, nullable: true })
  website: string | null = null;

  @Field(() => String, { nullable: true, description: "Street address." })
  @Property({ type: "string", length: 300, nullable: true })
  address: string | null = null;

  @Field(() => String, { nullable: true, description: "Postal code." })
  @Property({ type: "string", length: 5, nullable: true })
  postcode: string | null = null;

  @Field(() => Place, { description: "Where the premises are: commune, department, region and point." })
  @Embedded(() => Place, { prefix: false })
  place: Opt<Place> = new Place();

  @Field(() => String, { nullable: true, description: "Commune name, as `place.city`." })
  get city(): string | null {
    return this.place.city;
  }

  @Field(() => String, { nullable: true, description: "INSEE code of the commune, as `place.communeCode`." })
  get communeCode(): string | null {
    return this.place.communeCode;
  }

  @Field(() => String, { nullable: true, description: "Department code (INSEE), e.g. `76`, `2A`, `974`, as `place.departmentCode`." })
  get departmentCode(): string | null {
    return this.place.departmentCode;
  }

  @Field(() => String, { nullable: true, description: "Region code (INSEE), e.g. `28` for Normandie, as `place.regionCode`." })
  get regionCode(): string | null {
    return this.place.regionCode;
  }

  @Field(() => Float, { nullable: true, description: "Latitude (WGS 84) of the premises, as `place.latitude`." })
  get latitude(): number | null {
    return this.place.latitude;
  }

  @Field(() => Float, { nullable: true, description: "Longitude (WGS 84) of the premises, as `place.longitude`." })
  get longitude(): number | null {
    return this.place.longitude;
  }

  @Field(() => LocationPrecision, {
    nullable: true,
    description:
      "Where the point comes from: the commune's own point, a documented fallback for a small commune without one (POSTCODE, ARRONDISSEMENT), or GIVEN with the coordinates; null without a point.",
  })
  @Property({ type: "string", length: 16, nullable: true })
  locationPrecision: LocationPrecision | null = null;

  @Field(() => Int, { nullable: true, description: "Number of workers." })
  @Property({ type: "integer", nullable: true })
  headcount: number | null = null;

  @Field(() => Int, { nullable: true, description: "Annual revenue in euros." })
  @Property({ type: "integer", nullable: true })
  annualRevenue: number | null = null;

  @Field(() => CooperativeStatus, { description: "PENDING until a mission officer has checked a member's registration; then VERIFIED." })
  @Enum({ items: () => CooperativeStatus, nativeEnumName: "cooperative_status", default: CooperativeStatus.VERIFIED })
  status: Opt<CooperativeStatus> = CooperativeStatus.VERIFIED;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: "When the registration was checked (for cooperatives already there, when they were registered).",
  })
  @Property({ type: "datetime", nullable: true })
  verifiedAt: Date | null = null;

  /** The officer or admin who checked it; not exposed. */
  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  verifiedBy: User | null = null;

  @Field(() => Float, { description: "Score (0 to 1) from which a newly published tender is pushed to the members as an opportunity." })
  @Property({ type: "double", default: 0.5 })
  opportunityThreshold: Opt<number> = 0.5;

  /**
   * Every significant CPV prefix of the cooperative's skills ("79341000" gives 79, 793, 7934,
   * 79341), kept in step with the skills: a GIN index answers "who does 7934*" without a join.
   */
  @Property({ type: "text[]", default: "{}" })
  @Index({ type: "gin" })
  cpvPrefixes: Opt<string[]> = [];

  /** Full-text search over name and description, accents ignored, maintained by PostgreSQL. */
  @Property({
    columnType: "tsvector",
    generated: "(to_tsvector('french_unaccent'::regconfig, coalesce(name, '') || ' ' || coalesce(description, ''))) stored",
    persist: false,
    hidden: true,
    lazy: true,
    nullable: true,
  })
  @Index({ type: "gin" })
  search?: string;

  @OneToMany(() => CooperativeSkill, (s) => s.cooperative)
  skills = new Collection<CooperativeSkill>(this);

  @OneToMany(() => CooperativeReference, (r) => r.cooperative)
  references = new Collection<CooperativeReference>(this);

  @OneToMany(() => Membership, (m) => m.cooperative)
  memberships = new Collection<Membership>(this);
}

@ObjectType({ implements: Node, description: "A competence of a cooperative: a CPV code and a level." })
@Entity({ tableName: "cooperative_skills" })
@Unique({ properties: ["cooperative", "cpv"] })
@Index({
  name: "cooperative_skills_cooperative_cpv_level_index",
  expression: 'create index "cooperative_skills_cooperative_cpv_level_index" on "cooperative_skills" ("cooperative_id", "cpv") include ("level")',
})
export class CooperativeSkill extends BaseEntity {
  @ManyToOne(() => Cooperative, { deleteRule: "cascade" })
  cooperative!: Cooperative;

  @Field({ name: "code", description: "CPV code (8 digits, no check digit)." })
  @Property({ type: "string", length: 8 })
  cpv!: string;

  @Field(() => Int, { description: "Level of mastery, 1 (occasional) to 5 (core trade)." })
  @Property({ type: "smallint" })
  level!: number;

  /**
   * A getter rather than a type-graphql field resolver: a plain property read for graphql, not a
   * resolver wrapper per skill (a directory page has hundreds). Not a column: no @Property.
   */
  @Field(() => String, { nullable: true, description: "French label of the CPV code." })
  get label(): string | null {
    return cpvLabel(this.cpv) ?? null;
  }
}

@ObjectType({ implements: Node, description: "A past contract a cooperative cites as reference." })
@Entity({ tableName: "cooperative_references" })
export class CooperativeReference extends BaseEntity {
  @ManyToOne(() => Cooperative, { deleteRule: "cascade" })
  @Index()
  cooperative!: Cooperative;

  @Field({ description: "What was done." })
  @Property({ type: "string", length: 300 })
  title!: string;

  @Field({ description: "For whom." })
  @Property({ type: "string", length: 200 })
  client!: string;

  @Field({ name: "code", description: "CPV code of the work (8 digits)." })
  @Property({ type: "string", length: 8 })
  cpv!: string;

  @Field(() => Int, { description: "Year of delivery." })
  @Property({ type: "smallint" })
  year!: number;

  @Field(() => Int, { nullable: true, description: "Amount in euros, excluding tax." })
  @Property({ type: "integer", nullable: true })
  amount: number | null = null;

  @Field(() => String, { nullable: true, description: "Details." })
  @Property({ type: "text", nullable: true })
  description: string | null = null;
}

@ObjectType({ implements: Node, description: "A person's membership of a cooperative." })
@Entity({ tableName: "memberships" })
@Unique({ properties: ["cooperative", "user"] })
export class Membership extends BaseEntity {
  @ManyToOne(() => Cooperative, { deleteRule: "cascade" })
  cooperative!: Cooperative;

  @ManyToOne(() => User, { deleteRule: "cascade" })
  @Index()
  user!: User;

  @Field(() => MemberRole, { description: "Role in the cooperative." })
  @Enum({ items: () => MemberRole, nativeEnumName: "member_role" })
  role: Opt<MemberRole> = MemberRole.MEMBER;
}
