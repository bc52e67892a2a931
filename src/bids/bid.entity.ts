import { Entity, Enum, Index, ManyToOne, Property, Unique, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO, GraphQLJSONObject } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Lot, Tender } from "../tenders/tender.entity";
import { BidEventType, BidGroupType, BidMemberRole, BidMemberStatus, BidStatus, SectionStatus } from "./bid.enums";

@ObjectType({ implements: Node, description: "A consortium bid (offre de groupement) of cooperatives on a tender, co-edited live by its members." })
@Entity({ tableName: "bids" })
@Unique({ name: "bids_one_lead_per_tender", properties: ["tender", "lead"] })
export class Bid extends BaseEntity {
  @ManyToOne(() => Tender, { deleteRule: "cascade" })
  @Index()
  tender!: Tender;

  /** The lead cooperative (mandataire); one bid per tender at most. */
  @ManyToOne(() => Cooperative, { deleteRule: "cascade" })
  @Index()
  lead!: Cooperative;

  @Field({ description: "Working title of the bid." })
  @Property({ type: "string", length: 300 })
  title!: string;

  @Field(() => BidGroupType, { description: "Legal form of the group." })
  @Enum({ items: () => BidGroupType, nativeEnumName: "bid_group_type" })
  groupType!: BidGroupType;

  @Field(() => BidStatus, { description: "Where the bid is in its lifecycle." })
  @Enum({ items: () => BidStatus, nativeEnumName: "bid_status" })
  status: Opt<BidStatus> = BidStatus.DRAFT;

  @Field(() => Int, { description: "Version of the bid's own fields (title, group type, status); pass it as `expectedVersion`." })
  @Property({ type: "integer", default: 1 })
  version: Opt<number> = 1;

  /** Seq of the last event of the log; written only by appendBidEvent's UPDATE, never by the ORM. */
  @Property({ type: "integer", default: 0 })
  headSeq: Opt<number> = 0;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  createdBy: User | null = null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When the bid was submitted." })
  @Property({ type: "datetime", nullable: true })
  submittedAt: Date | null = null;

  /** Frozen composition and content at submission; later reads return it. */
  @Property({ type: "json", nullable: true })
  snapshot: Opt<Record<string, unknown>> | null = null;
}

@ObjectType({ implements: Node, description: "A cooperative in a consortium bid, with its role and the state of its invitation." })
@Entity({ tableName: "bid_members" })
@Unique({ properties: ["bid", "cooperative"] })
export class BidMember extends BaseEntity {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  bid!: Bid;

  @ManyToOne(() => Cooperative, { deleteRule: "cascade" })
  @Index()
  cooperative!: Cooperative;

  @Field(() => BidMemberRole, { description: "Role in the group." })
  @Enum({ items: () => BidMemberRole, nativeEnumName: "bid_member_role" })
  role!: BidMemberRole;

  @Field(() => BidMemberStatus, { description: "Invitation state." })
  @Enum({ items: () => BidMemberStatus, nativeEnumName: "bid_member_status" })
  status!: BidMemberStatus;

  @Field(() => Int, { description: "Version of this membership; pass it as `expectedVersion` to remove the member." })
  @Property({ type: "integer", default: 1 })
  version: Opt<number> = 1;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  invitedBy: User | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  answeredBy: User | null = null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When the cooperative accepted or declined." })
  @Property({ type: "datetime", nullable: true })
  answeredAt: Date | null = null;
}

/** A lot of the tender that the bid answers (declared by the lead); not a node of the graph (`Bid.lots`). */
@Entity({ tableName: "bid_lots" })
@Unique({ properties: ["bid", "lot"] })
export class BidLot extends BaseEntity {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  bid!: Bid;

  @ManyToOne(() => Lot, { deleteRule: "cascade" })
  @Index()
  lot!: Lot;
}

@ObjectType({ implements: Node, description: "Which member of the group performs a lot of the tender." })
@Entity({ tableName: "bid_lot_assignments" })
@Unique({ properties: ["bid", "lot"] })
export class BidLotAssignment extends BaseEntity {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  bid!: Bid;

  @ManyToOne(() => Lot, { deleteRule: "cascade" })
  lot!: Lot;

  /** Null once unassigned. */
  @ManyToOne(() => BidMember, { nullable: true, deleteRule: "set null" })
  member: BidMember | null = null;

  @Field(() => Int, { description: "Version of this assignment; pass it as `expectedVersion` (0 for a lot never assigned)." })
  @Property({ type: "integer", default: 1 })
  version: Opt<number> = 1;
}

@ObjectType({ implements: Node, description: "A section of the technical memo (mémoire technique); its text is a Yjs document co-edited live." })
@Entity({ tableName: "bid_sections" })
@Index({ properties: ["bid", "position"] })
export class BidSection extends BaseEntity {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  bid!: Bid;

  @Field({ description: "Title of the section." })
  @Property({ type: "string", length: 300 })
  title!: string;

  @Field(() => Int, { description: "Order in the memo, smallest first." })
  @Property({ type: "integer" })
  position!: number;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  assignee: User | null = null;

  /** Who may approve the section (besides the lead): a person of an invited or accepted member. */
  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  reviewer: User | null = null;

  @Field(() => String, { nullable: true, description: "When the section should be ready (YYYY-MM-DD), if set." })
  @Property({ type: "date", nullable: true })
  dueDate: string | null = null;

  @Field(() => SectionStatus, { description: "Progress." })
  @Enum({ items: () => SectionStatus, nativeEnumName: "section_status" })
  status: Opt<SectionStatus> = SectionStatus.TODO;

  @Field(() => Int, { description: "Version of the section's metadata (title, position, assignee, reviewer, due date, status); text edits do not change it." })
  @Property({ type: "integer", default: 1 })
  version: Opt<number> = 1;

  /** Yjs state (Y.encodeStateAsUpdate) merging every text update up to `snapshotSeq`. */
  @Property({ type: "blob", nullable: true })
  snapshot: Buffer | null = null;

  /** Bid event seq the snapshot covers; updates after it are in the event log. */
  @Property({ type: "integer", default: 0 })
  snapshotSeq: Opt<number> = 0;

  /** Plain-text projection as of the snapshot, for previews and search. */
  @Property({ type: "text", default: "" })
  snapshotText: Opt<string> = "";
}

@ObjectType({
  implements: Node,
  description: "A line of the price schedule (bordereau de prix): a lot, the member who performs it, a quantity and a unit price.",
})
@Entity({ tableName: "bid_price_lines" })
@Index({ properties: ["bid", "createdAt"] })
export class BidPriceLine extends BaseEntity {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  bid!: Bid;

  @ManyToOne(() => Lot, { deleteRule: "cascade" })
  lot!: Lot;

  @ManyToOne(() => BidMember, { deleteRule: "cascade" })
  member!: BidMember;

  @Field({ description: "What is priced." })
  @Property({ type: "string", length: 500 })
  description!: string;

  @Field({ description: "Quantity (up to 3 decimals)." })
  @Property({ type: "double" })
  quantity!: number;

  /** Unit price in euro cents, excluding tax. */
  @Property({ type: "integer" })
  unitPriceCents!: number;

  @Field(() => Int, { description: "Version of this line; pass it as `expectedVersion`." })
  @Property({ type: "integer", default: 1 })
  version: Opt<number> = 1;
}

@ObjectType({ implements: Node, description: "One change to a bid, in its append-only log; `seq` is gapless per bid." })
@Entity({ tableName: "bid_events" })
@Unique({ properties: ["bid", "seq"] })
@Unique({ properties: ["bid", "clientMutationId"] })
@Index({ properties: ["section", "seq"] })
@Index({ properties: ["actor", "clientMutationId"] })
export class BidEvent extends BaseEntity {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  bid!: Bid;

  @Field(() => Int, { description: "Position in the bid's log: 1, 2, 3... without holes." })
  @Property({ type: "integer" })
  seq!: number;

  @Field(() => BidEventType, { description: "What changed." })
  @Enum({ items: () => BidEventType, nativeEnumName: "bid_event_type" })
  type!: BidEventType;

  @Field(() => GraphQLJSONObject, { description: "Details of the change; ids in it are global ids." })
  @Property({ type: "json" })
  payload!: Record<string, unknown>;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  actor: User | null = null;

  @Field(() => String, { nullable: true, description: "The `clientMutationId` the author's mutation carried." })
  @Property({ type: "string", length: 100, nullable: true })
  clientMutationId: string | null = null;

  /** The section of a text update, so that a section's pending updates are read by index. */
  @ManyToOne(() => BidSection, { nullable: true, deleteRule: "set null" })
  section: BidSection | null = null;

  /** What the mutation returned (`Type:uuid`), so that a retry returns the same. */
  @Property({ type: "string", length: 100, nullable: true })
  result: string | null = null;

  /** Fingerprint of the request its clientMutationId stands for (bid.tx.ts); never exposed. */
  @Property({ type: "string", length: 64, nullable: true, hidden: true })
  requestHash: string | null = null;
}
