import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { BidGroupType, BidMemberRole } from "../bids/bid.enums";
import { BidExport } from "../bids/exports/export.resolver";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Lot, Tender } from "../tenders/tender.entity";
import { OfferAnswer } from "./client.entity";
import { OfferStatus } from "./client.enums";

@ObjectType({ description: "A cooperative of the group that made an offer." })
export class OfferMember {
  @Field(() => Cooperative, { description: "The cooperative." })
  cooperative!: Cooperative;

  @Field(() => BidMemberRole, { description: "Its role in the group." })
  role!: BidMemberRole;

  @Field({ description: "Whether it leads the group (mandataire)." })
  lead!: boolean;
}

@ObjectType({ description: "A lot the offer answers, with the cooperative that performs it and its price." })
export class OfferLot {
  @Field(() => Lot, { description: "The lot of the order." })
  lot!: Lot;

  @Field(() => Cooperative, { nullable: true, description: "The cooperative of the group that performs it." })
  cooperative!: Cooperative | null;

  @Field(() => Float, { description: "Price of the lot, excluding VAT, in euros." })
  total!: number;
}

@ObjectType({ description: "A section of the technical memo, as submitted (frozen)." })
export class OfferSection {
  @Field({ description: "Title." })
  title!: string;

  @Field(() => Int, { description: "Order in the memo, smallest first." })
  position!: number;

  @Field({ description: "Its text, as submitted." })
  text!: string;
}

@ObjectType({ description: "A line of the offer's price schedule, as submitted." })
export class OfferPriceLine {
  @Field(() => Lot, { nullable: true, description: "The lot priced." })
  lot!: Lot | null;

  @Field(() => Cooperative, { nullable: true, description: "The cooperative that performs it." })
  cooperative!: Cooperative | null;

  @Field({ description: "What is priced." })
  description!: string;

  @Field(() => Float, { description: "Quantity." })
  quantity!: number;

  @Field(() => Float, { description: "Unit price, excluding VAT, in euros." })
  unitPrice!: number;

  @Field(() => Float, { description: "Quantity times unit price, excluding VAT, in euros." })
  total!: number;
}

@ObjectType({ description: "What the offer costs." })
export class OfferTotals {
  @Field(() => Float, { description: "Total excluding VAT, in euros." })
  total!: number;

  @Field(() => Float, { description: "VAT rate of the order (0.2 for 20 %)." })
  vatRate!: number;

  @Field(() => Float, { description: "VAT, in euros (rounded to the cent)." })
  vat!: number;

  @Field(() => Float, { description: "Total including VAT, in euros." })
  totalWithVat!: number;
}

@ObjectType({
  description:
    "An offer submitted on a direct order, as its client sees it: the group, the lots, the technical memo and the price schedule frozen at submission. Built from the submission snapshot, never from the bid's live content.",
})
export class Offer {
  @Field(() => ID, { description: "Global id of the bid: the id to accept, decline or ask a revision of." })
  bidId!: string;

  @Field(() => Tender, { description: "The order it answers." })
  order!: Tender;

  @Field(() => OfferStatus, { description: "Where the offer stands." })
  status!: OfferStatus;

  @Field(() => Int, { description: "Version of the offer; pass it as `expectedVersion` when answering (a stale one is CONFLICT)." })
  version!: number;

  @Field({ description: "Title of the offer." })
  title!: string;

  @Field(() => BidGroupType, { description: "Legal form of the group." })
  groupType!: BidGroupType;

  @Field(() => GraphQLDateTimeISO, { description: "When it was (last) submitted." })
  submittedAt!: Date;

  @Field(() => [OfferMember], { description: "The group: the lead first, then its members." })
  group!: OfferMember[];

  @Field(() => [OfferLot], { description: "The lots it answers, by number." })
  lots!: OfferLot[];

  @Field(() => [OfferSection], { description: "The technical memo, section by section, as submitted." })
  memo!: OfferSection[];

  @Field(() => [OfferPriceLine], { description: "The price schedule, as submitted." })
  prices!: OfferPriceLine[];

  @Field(() => OfferTotals, { description: "Totals without and with VAT." })
  totals!: OfferTotals;

  @Field(() => [BidExport], { description: "The memo (DOCX) and price schedule (XLSX) to download; empty while a revision is under way." })
  exports!: BidExport[];

  @Field(() => [OfferAnswer], { description: "What the client answered to it, oldest first." })
  answers!: OfferAnswer[];
}
