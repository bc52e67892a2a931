import { Embedded, Entity, Enum, Index, ManyToOne, OneToMany, Collection, Property, Unique, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Place } from "../places/place.embeddable";
import { InvitationAnswer, OutcomeResult, OutcomeSource, TenderKind, TenderSource, TenderStatus } from "./tender.enums";
import { Bid } from "../bids/bid.entity";
import { ClientOrganisation } from "../clients/client.entity";
import { AwardCriterion, NoticeAward } from "./tender.values";

@ObjectType({ implements: Node, description: "A demand the cooperatives may answer: a public tender, a call for projects or a direct order." })
@Entity({ tableName: "tenders" })
@Unique({ properties: ["source", "contractFolderId"] })
@Index({ properties: ["submissionDeadline", "id"] })
@Index({ properties: ["publishedAt", "id"] })
@Index({ properties: ["place.departmentCode"] })
@Index({ properties: ["place.regionCode"] })
export class Tender extends BaseEntity {
  @Field(() => TenderKind, { description: "Kind of demand." })
  @Enum({ items: () => TenderKind, nativeEnumName: "tender_kind" })
  @Index()
  kind!: TenderKind;

  @Field(() => TenderStatus, { description: "Where the tender is in its lifecycle." })
  @Enum({ items: () => TenderStatus, nativeEnumName: "tender_status" })
  @Index()
  status: Opt<TenderStatus> = TenderStatus.DRAFT;

  @Field(() => TenderSource, { description: "Where the tender comes from." })
  @Enum({ items: () => TenderSource, nativeEnumName: "tender_source" })
  source: Opt<TenderSource> = TenderSource.MANUAL;

  @Field(() => String, { nullable: true, description: "eForms notice id (BT-701) of the last notice applied, for imported tenders." })
  @Property({ type: "string", length: 64, nullable: true })
  @Index()
  externalNoticeId: string | null = null;

  @Field(() => String, { nullable: true, description: "Version (BT-757) of that notice." })
  @Property({ type: "string", length: 8, nullable: true })
  noticeVersion: string | null = null;

  @Field(() => String, { nullable: true, description: "eForms procedure identifier (BT-04), shared by every notice of the procedure; unique per source." })
  @Property({ type: "string", length: 64, nullable: true })
  contractFolderId: string | null = null;

  @Field(() => String, { nullable: true, description: "Procedure type (eForms BT-105), e.g. `open`, `restricted`." })
  @Property({ type: "string", length: 32, nullable: true })
  procedureType: string | null = null;

  @Field({ description: "The buyer (public tenders) or client company (direct orders)." })
  @Property({ type: "string", length: 300 })
  buyerName!: string;

  /** The client account that placed a direct order ("placed by"). */
  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  @Index()
  client: User | null = null;

  /** The client organisation of a direct order: its people (and the staff) see it and answer its offers. */
  @ManyToOne(() => ClientOrganisation, { nullable: true, deleteRule: "set null" })
  @Index()
  clientOrganisation: ClientOrganisation | null = null;

  /** Who created it on the platform (null for imports). */
  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  createdBy: User | null = null;

  /** The mission officer following it. */
  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  @Index()
  assignedOfficer: User | null = null;

  @Field({ description: "Title." })
  @Property({ type: "string", length: 500 })
  title!: string;

  @Field(() => String, { nullable: true, description: "Description of the need." })
  @Property({ type: "text", nullable: true })
  description: string | null = null;

  @Field(() => String, { nullable: true, description: "NUTS code of the place of performance, e.g. `FRD22`." })
  @Property({ type: "string", length: 5, nullable: true })
  nutsCode: string | null = null;

  @Field(() => String, { nullable: true, description: "Country of the place of performance (ISO 3166-1 alpha-3), e.g. `FRA`." })
  @Property({ type: "string", length: 3, nullable: true })
  countryCode: string | null = null;

  @Field(() => Place, {
    description:
      "The place of performance: commune, department, region and point (the commune's, or for a notice giving only a NUTS code, the department's prefecture).",
  })
  @Embedded(() => Place, { prefix: false })
  place: Opt<Place> = new Place();

  @Field(() => String, { nullable: true, description: "Commune of the place of performance, as `place.city`." })
  get city(): string | null {
    return this.place.city;
  }

  @Field(() => String, { nullable: true, description: "INSEE code of that commune, as `place.communeCode`." })
  get communeCode(): string | null {
    return this.place.communeCode;
  }

  @Field(() => String, { nullable: true, description: "Department code (INSEE) of the place of performance, as `place.departmentCode`." })
  get departmentCode(): string | null {
    return this.place.departmentCode;
  }

  @Field(() => String, { nullable: true, description: "Region code (INSEE) of the place of performance, as `place.regionCode`." })
  get regionCode(): string | null {
    return this.place.regionCode;
  }

  @Field(() => Float, {
    nullable: true,
    description:
      "Latitude (WGS 84) of the place of performance: the commune's, or for a notice giving only a NUTS code, the department's prefecture, as `place.latitude`.",
  })
  get latitude(): number | null {
    return this.place.latitude;
  }

  @Field(() => Float, { nullable: true, description: "Longitude (WGS 84) of the place of performance (see `latitude`; `place.longitude`)." })
  get longitude(): number | null {
    return this.place.longitude;
  }

  @Field(() => String, { nullable: true, description: "Free text about the place of performance." })
  @Property({ type: "text", nullable: true })
  placeDescription: string | null = null;

  @Field(() => Int, { nullable: true, description: "Estimated value, excluding tax, in whole units of `currency` (rounded)." })
  @Property({ type: "integer", nullable: true })
  @Index()
  estimatedValue: number | null = null;

  @Field(() => String, { description: "Currency of the amounts (ISO 4217)." })
  @Property({ type: "string", length: 3, default: "EUR" })
  currency: Opt<string> = "EUR";

  @Field(() => Float, { description: "VAT rate applied to the bids' prices (0.2 for 20 %), used by the price schedule export." })
  @Property({ type: "double", default: 0.2 })
  vatRate: Opt<number> = 0.2;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When it was published (set on publication, or from the notice)." })
  @Property({ type: "datetime", nullable: true })
  publishedAt: Date | null = null;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: "Deadline for receipt of tenders (for restricted procedures, of requests to participate); no bid is accepted after it.",
  })
  @Property({ type: "datetime", nullable: true })
  submissionDeadline: Date | null = null;

  @Field(() => [AwardCriterion], { description: "Award criteria with their weights." })
  @Property({ type: "json", default: "[]" })
  awardCriteria: Opt<AwardCriterion[]> = [];

  @Field(() => Int, { nullable: true, description: "Group rules: maximum number of lots one tenderer may bid for (eForms BT-31); null when unlimited." })
  @Property({ type: "integer", nullable: true })
  maxLotsPerTenderer: number | null = null;

  @Field(() => Int, {
    nullable: true,
    description: "Group rules: maximum number of lots that may be awarded to one tenderer (eForms BT-33); null when unlimited. Enforced at award.",
  })
  @Property({ type: "integer", nullable: true })
  maxLotsAwardedPerTenderer: number | null = null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "Group rules: the buyer forbids multiple offers (eForms BT-769 `not-allowed`): a cooperative in one offer for a lot, alone or in a group, may be in no other offer for that lot. Null when not said.",
  })
  @Property({ type: "boolean", nullable: true })
  multipleOffersForbidden: boolean | null = null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Group rules: whether a group of tenderers must take a given legal form once awarded; null when not said.",
  })
  @Property({ type: "boolean", nullable: true })
  groupLegalFormRequired: boolean | null = null;

  @Field(() => String, { nullable: true, description: "Group rules: the legal form required, e.g. `groupement solidaire`." })
  @Property({ type: "text", nullable: true })
  groupLegalForm: string | null = null;

  @Field(() => Boolean, { nullable: true, description: "Group rules: whether a firm may bid both alone and as a member of a group; null when not said." })
  @Property({ type: "boolean", nullable: true })
  bidAloneAndInGroupAllowed: boolean | null = null;

  @Field(() => [String], { description: "Every CPV code of the tender and its lots (8 digits), main code first." })
  @Property({ type: "text[]", default: "{}" })
  cpvCodes: Opt<string[]> = [];

  /** Significant prefixes of every CPV code of the tender and its lots, for the indexed CPV filter. */
  @Property({ type: "text[]", default: "{}" })
  @Index({ type: "gin" })
  cpvPrefixes: Opt<string[]> = [];

  @Field(() => [NoticeAward], { description: "Awards published in a contract award notice (winners and values per lot); empty otherwise." })
  @Property({ type: "json", default: "[]" })
  noticeAwards: Opt<NoticeAward[]> = [];

  @Field(() => Int, { nullable: true, description: "Total value awarded according to the award notice (eForms BT-161)." })
  @Property({ type: "integer", nullable: true })
  noticeAwardedValue: number | null = null;

  /** Full-text search over title, description and buyer. */
  @Property({
    columnType: "tsvector",
    generated: "(to_tsvector('french', coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(buyer_name, ''))) stored",
    persist: false,
    hidden: true,
    lazy: true,
    nullable: true,
  })
  @Index({ type: "gin" })
  search?: string;

  @OneToMany(() => Lot, (l) => l.tender, { orderBy: { number: "asc" } })
  lots = new Collection<Lot>(this);
}

@ObjectType({ implements: Node, description: "A lot of a tender: a part that may be bid for and awarded separately." })
@Entity({ tableName: "lots" })
@Unique({ properties: ["tender", "number"] })
export class Lot extends BaseEntity {
  @ManyToOne(() => Tender, { deleteRule: "cascade" })
  tender!: Tender;

  @Field(() => Int, { description: "Number of the lot in its tender (0 for a tender with a single lot)." })
  @Property({ type: "integer" })
  number!: number;

  @Field(() => String, { nullable: true, description: "eForms lot identifier (`LOT-0001`, `PAR-0001`) for imported tenders." })
  @Property({ type: "string", length: 16, nullable: true })
  externalId: string | null = null;

  @Field({ description: "Title." })
  @Property({ type: "string", length: 500 })
  title!: string;

  @Field(() => String, { nullable: true, description: "Description." })
  @Property({ type: "text", nullable: true })
  description: string | null = null;

  @Field(() => [String], { description: "CPV codes (8 digits), main code first." })
  @Property({ type: "text[]", default: "{}" })
  cpvCodes: Opt<string[]> = [];

  /** Significant prefixes of the lot's CPV codes (GIN-indexed), for candidate queries per lot. */
  @Property({ type: "text[]", default: "{}" })
  @Index({ type: "gin" })
  cpvPrefixes: Opt<string[]> = [];

  @Field(() => Int, { nullable: true, description: "Estimated value, excluding tax, in whole units of the tender's currency." })
  @Property({ type: "integer", nullable: true })
  estimatedValue: number | null = null;

  @Field(() => [AwardCriterion], { description: "Award criteria of this lot (imported notices); empty when the tender's apply." })
  @Property({ type: "json", default: "[]" })
  awardCriteria: Opt<AwardCriterion[]> = [];
}

/** One eForms notice version applied to a tender: the key of idempotent re-imports. */
@Entity({ tableName: "tender_notices" })
@Unique({ properties: ["noticeId", "version"] })
export class TenderNotice extends BaseEntity {
  @ManyToOne(() => Tender, { deleteRule: "cascade" })
  @Index()
  tender!: Tender;

  @Property({ type: "string", length: 64 })
  noticeId!: string;

  @Property({ type: "string", length: 8 })
  version!: string;

  @Property({ type: "string", length: 32 })
  noticeKind!: string;

  @Property({ type: "string", length: 64, nullable: true })
  noticeType: string | null = null;
}

@ObjectType({ implements: Node, description: "A cooperative preselected by a mission officer for a tender, with its answer." })
@Entity({ tableName: "shortlist_entries" })
@Unique({ properties: ["tender", "cooperative"] })
export class ShortlistEntry extends BaseEntity {
  @ManyToOne(() => Tender, { deleteRule: "cascade" })
  tender!: Tender;

  @ManyToOne(() => Cooperative, { deleteRule: "cascade" })
  @Index()
  cooperative!: Cooperative;

  @Field(() => String, { nullable: true, description: "The officer's note: why this cooperative." })
  @Property({ type: "text", nullable: true })
  note: string | null = null;

  @Field(() => InvitationAnswer, { description: "The cooperative's answer." })
  @Enum({ items: () => InvitationAnswer, nativeEnumName: "invitation_answer" })
  answer: Opt<InvitationAnswer> = InvitationAnswer.INVITED;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  invitedBy: User | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  answeredBy: User | null = null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When the cooperative answered." })
  @Property({ type: "datetime", nullable: true })
  answeredAt: Date | null = null;
}

@ObjectType({
  implements: Node,
  description:
    "The award of one lot (or of a tender without lots): who won it (a bid of the platform, or an outside company), for how much, when, and who said so. Won outcomes are the basis of the business volume.",
})
@Entity({ tableName: "outcomes" })
@Index({ properties: ["awardedAt"] })
export class Outcome extends BaseEntity {
  /** One outcome per (tender, lot): a unique index with NULLS NOT DISTINCT (migration 20261206043500). */
  @ManyToOne(() => Tender, { deleteRule: "cascade" })
  tender!: Tender;

  /** The lot awarded; null for a tender without lots (and for outcomes recorded before lots had their own). */
  @ManyToOne(() => Lot, { nullable: true, deleteRule: "cascade" })
  lot: Lot | null = null;

  @Field(() => OutcomeSource, { description: "Who or what recorded it." })
  @Enum({ items: () => OutcomeSource, nativeEnumName: "outcome_source" })
  source: Opt<OutcomeSource> = OutcomeSource.MANUAL;

  /** The winning bid of the platform; null when an outside company won (or for older outcomes). */
  @ManyToOne(() => Bid, { nullable: true, deleteRule: "set null" })
  @Index()
  bid: Bid | null = null;

  @Field(() => String, {
    nullable: true,
    description:
      "Name of the outside winner (a company that is not a bid of the platform), as the buyer published it; null when a bid of the platform won or the winner is unknown.",
  })
  @Property({ type: "string", length: 500, nullable: true })
  winnerName: string | null = null;

  @Field(() => String, { nullable: true, description: "SIRET (or other national id, up to 14 characters) of the outside winner, when known." })
  @Property({ type: "string", length: 14, nullable: true })
  winnerSiret: string | null = null;

  @Field(() => OutcomeResult, { description: "WON when a bid of the platform won it; LOST otherwise." })
  @Enum({ items: () => OutcomeResult, nativeEnumName: "outcome_result" })
  result!: OutcomeResult;

  /** Ids of the winning member cooperatives. */
  @Property({ type: "text[]", default: "{}" })
  winnerIds: Opt<string[]> = [];

  @Field(() => String, { nullable: true, description: "Name of the consortium (groupement) that won, when several cooperatives won together." })
  @Property({ type: "string", length: 300, nullable: true })
  consortiumName: string | null = null;

  @Field(() => Int, {
    description: "Amount awarded, excluding tax, in euros: to the winning bid when WON, to the outside winner when LOST and known (0 otherwise).",
  })
  @Property({ type: "integer" })
  awardedAmount!: number;

  @Field(() => Int, {
    description: "The platform's commission in euros: the awarded amount times the commission rate in force when the outcome was recorded, rounded.",
  })
  @Property({ type: "integer" })
  commission!: number;

  @Field(() => Float, { description: "Commission rate applied (e.g. 0.03)." })
  @Property({ type: "double" })
  commissionRate!: number;

  @Field(() => GraphQLDateTimeISO, { description: "When the contract was awarded; the date the business volume is counted at." })
  @Property({ type: "datetime" })
  awardedAt!: Date;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  recordedBy: User | null = null;
}
