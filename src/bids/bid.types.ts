import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Lot } from "../tenders/tender.entity";
import { BidMember } from "./bid.entity";

@ObjectType({ description: "The price of one lot: the sum of its price lines." })
export class LotTotal {
  @Field(() => Lot, { description: "The lot." })
  lot!: Lot;

  @Field(() => Float, { description: "Total in euros excluding tax." })
  total!: number;
}

@ObjectType({ description: "What one member's price lines add up to." })
export class MemberTotal {
  @Field(() => BidMember, { description: "The member." })
  member!: BidMember;

  @Field(() => Float, { description: "Total in euros excluding tax." })
  total!: number;
}

@ObjectType({ description: "Totals of a bid's price lines, computed by the server (each line rounded to the cent)." })
export class BidTotals {
  @Field(() => Float, { description: "Whole bid, in euros excluding tax." })
  total!: number;

  @Field(() => [LotTotal], { description: "Per lot that has price lines." })
  perLot!: LotTotal[];

  @Field(() => [MemberTotal], { description: "Per member that has price lines." })
  perMember!: MemberTotal[];
}

@ObjectType({ description: "A reason why the bid cannot be submitted yet." })
export class CompletenessIssue {
  @Field({
    description:
      "Stable code: NO_LOT, LOT_UNASSIGNED, LOT_UNPRICED, SECTION_NOT_DONE, NO_SECTION, MEMBER_NOT_ACCEPTED, PRICE_LINE_OF_ABSENT_MEMBER, PRICE_LINE_OF_UNDECLARED_LOT.",
  })
  code!: string;

  @Field({ description: 'In plain words, naming the lot ("Lot 2 (Impression)"), the section or the cooperative.' })
  message!: string;

  @Field(() => ID, { nullable: true, description: "Global id of the lot, section or member concerned, when there is one." })
  subjectId!: string | null;
}

@ObjectType({ description: "The acknowledgement of a section update: it is durable in the bid's log at `seq`." })
export class SectionUpdatePayload {
  @Field(() => Int, { description: "Seq of the SECTION_TEXT_UPDATED event that carries the update." })
  seq!: number;

  /** Database id of the section; the `section` field loads it. */
  sectionId!: string;

  @Field(() => String, { nullable: true, description: "The clientMutationId sent." })
  clientMutationId!: string | null;
}

@ObjectType({ description: "A person online in a bid." })
export class PresenceUser {
  @Field(() => ID, { description: "Global id of the person (User)." })
  userId!: string;

  @Field({ description: "Display name." })
  name!: string;

  @Field(() => ID, { nullable: true, description: "Global id of the section the person is on, if any." })
  sectionId!: string | null;

  @Field(() => GraphQLDateTimeISO, { description: "Last heartbeat." })
  lastSeenAt!: Date;
}

@ObjectType({ description: "Who is online in a bid now (ephemeral: heartbeats with a time-to-live, never stored)." })
export class BidPresence {
  @Field(() => ID, { description: "Global id of the bid." })
  bidId!: string;

  @Field(() => [PresenceUser], { description: "The people online, by name." })
  online!: PresenceUser[];
}
