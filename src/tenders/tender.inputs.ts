import { GraphQLDateTimeISO } from "graphql-scalars";
import { ArgsType, Field, Float, ID, InputType, Int } from "type-graphql";
import { PageArgs } from "../common/pagination";
import { InvitationAnswer, OutcomeResult, TenderKind, TenderOrder, TenderStatus } from "./tender.enums";

@InputType({ description: "An award criterion." })
export class AwardCriterionInput {
  @Field({ description: "Name (1-200 characters)." })
  name!: string;

  @Field(() => Float, { nullable: true, description: "Weight in percent (0-100); the weights of a tender add up to at most 100." })
  weight?: number | null;
}

@InputType({ description: "A lot of a tender." })
export class LotInput {
  @Field(() => Int, { description: "Number of the lot (0-999), unique in the tender." })
  number!: number;

  @Field({ description: "Title (1-500 characters)." })
  title!: string;

  @Field(() => String, { nullable: true, description: "Description." })
  description?: string | null;

  @Field(() => [String], { description: "CPV codes of the platform's list, main code first (at least one)." })
  cpvCodes!: string[];

  @Field(() => Int, { nullable: true, description: "Estimated value in euros, excluding tax." })
  estimatedValue?: number | null;
}

@InputType({
  description: "Where the work is done. Give a commune (INSEE code), or a postcode and city, or a NUTS code; coordinates default to the commune's.",
})
export class PlaceInput {
  @Field(() => String, { nullable: true, description: "NUTS-3 code, e.g. `FRD22`." })
  nutsCode?: string | null;

  @Field(() => String, { nullable: true, description: "INSEE code of the commune." })
  communeCode?: string | null;

  @Field(() => String, { nullable: true, description: "Postal code." })
  postcode?: string | null;

  @Field(() => String, { nullable: true, description: "Commune name." })
  city?: string | null;

  @Field(() => Float, { nullable: true, description: "Latitude (WGS 84)." })
  latitude?: number | null;

  @Field(() => Float, { nullable: true, description: "Longitude (WGS 84)." })
  longitude?: number | null;

  @Field(() => String, { nullable: true, description: "Free text about the place." })
  description?: string | null;
}

@InputType({ description: "Rules for groups of tenderers." })
export class GroupRulesInput {
  @Field(() => Int, { nullable: true, description: "Maximum number of lots one tenderer may bid for; null for no limit." })
  maxLotsPerTenderer?: number | null;

  @Field(() => Int, { nullable: true, description: "Maximum number of lots that may be awarded to one tenderer; null for no limit." })
  maxLotsAwardedPerTenderer?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "True when the buyer forbids multiple offers: a cooperative may be in one offer per lot only, alone or in a group.",
  })
  multipleOffersForbidden?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Whether an awarded group must take a given legal form." })
  groupLegalFormRequired?: boolean | null;

  @Field(() => String, { nullable: true, description: "That legal form, e.g. `groupement solidaire`." })
  groupLegalForm?: string | null;

  @Field(() => Boolean, { nullable: true, description: "Whether a firm may bid both alone and as a member of a group." })
  bidAloneAndInGroupAllowed?: boolean | null;
}

@InputType({ description: "A new tender, call for projects or direct order; it starts as a DRAFT." })
export class CreateTenderInput {
  @Field(() => TenderKind, { description: "Kind of demand." })
  kind!: TenderKind;

  @Field({ description: "Title (1-500 characters)." })
  title!: string;

  @Field(() => String, { nullable: true, description: "Description (up to 20,000 characters)." })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Buyer or client name; for a client's direct order, defaults to the client's name." })
  buyerName?: string | null;

  @Field(() => ID, { nullable: true, description: "For a direct order entered by staff: the client account it belongs to." })
  clientId?: string | null;

  @Field(() => PlaceInput, { nullable: true, description: "Place of performance." })
  place?: PlaceInput | null;

  @Field(() => Int, { nullable: true, description: "Estimated value in euros, excluding tax; defaults to the sum of the lots' values." })
  estimatedValue?: number | null;

  @Field(() => String, { nullable: true, description: "Currency (ISO 4217), default EUR." })
  currency?: string | null;

  @Field(() => Float, { nullable: true, description: "VAT rate applied to the price schedules of its bids, from 0 to 0.5 (0.2 for 20 %, the default)." })
  vatRate?: number | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "Submission deadline; must be in the future." })
  submissionDeadline?: Date | null;

  @Field(() => [AwardCriterionInput], { nullable: true, description: "Award criteria." })
  awardCriteria?: AwardCriterionInput[] | null;

  @Field(() => GroupRulesInput, { nullable: true, description: "Rules for groups of tenderers." })
  groupRules?: GroupRulesInput | null;

  @Field(() => [LotInput], { nullable: true, description: "Lots (up to 200); none for a tender in one piece." })
  lots?: LotInput[] | null;
}

@InputType({ description: "Changes to a tender; absent fields stay as they are, null clears an optional one." })
export class UpdateTenderInput {
  @Field(() => String, { nullable: true, description: "Title." })
  title?: string | null;

  @Field(() => String, { nullable: true, description: "Description." })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Buyer or client name." })
  buyerName?: string | null;

  @Field(() => PlaceInput, { nullable: true, description: "Place of performance; replaces the whole place." })
  place?: PlaceInput | null;

  @Field(() => Int, { nullable: true, description: "Estimated value in euros." })
  estimatedValue?: number | null;

  @Field(() => Float, { nullable: true, description: "VAT rate, from 0 to 0.5 (0.2 for 20 %); null sets the default back." })
  vatRate?: number | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "Submission deadline; must be in the future." })
  submissionDeadline?: Date | null;

  @Field(() => [AwardCriterionInput], { nullable: true, description: "Award criteria; replaces them all." })
  awardCriteria?: AwardCriterionInput[] | null;

  @Field(() => GroupRulesInput, { nullable: true, description: "Rules for groups; replaces them all." })
  groupRules?: GroupRulesInput | null;

  @Field(() => [LotInput], { nullable: true, description: "Lots; replaces them all." })
  lots?: LotInput[] | null;
}

@InputType({ description: "Filters of the tender list; all given filters must hold." })
export class TenderFilter {
  @Field(() => [TenderKind], { nullable: true, description: "Any of these kinds." })
  kinds?: TenderKind[] | null;

  @Field(() => [TenderStatus], { nullable: true, description: "Any of these statuses." })
  statuses?: TenderStatus[] | null;

  @Field(() => String, { nullable: true, description: "A CPV code or prefix (`7934`, `79341000`): tenders with a code (of the tender or a lot) under it." })
  cpv?: string | null;

  @Field(() => String, { nullable: true, description: "Department code of the place of performance." })
  department?: string | null;

  @Field(() => String, { nullable: true, description: "Region code of the place of performance." })
  region?: string | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "Submission deadline at or after this instant." })
  deadlineAfter?: Date | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "Submission deadline before this instant." })
  deadlineBefore?: Date | null;

  @Field(() => Int, { nullable: true, description: "Estimated value at least this (euros)." })
  minValue?: number | null;

  @Field(() => Int, { nullable: true, description: "Estimated value at most this (euros)." })
  maxValue?: number | null;

  @Field(() => String, { nullable: true, description: "Words to find in the title, description or buyer (French stemming, prefix match)." })
  search?: string | null;
}

@ArgsType()
export class TendersArgs extends PageArgs {
  @Field(() => TenderFilter, { nullable: true, description: "Filters." })
  filter?: TenderFilter | null;

  @Field(() => TenderOrder, { nullable: true, description: "Sort order (default DEADLINE)." })
  orderBy?: TenderOrder | null;
}

@InputType({ description: "A company outside the platform that won a lot." })
export class OutsideWinnerInput {
  @Field({ description: "Its name, as the buyer published it (1-500 characters)." })
  name!: string;

  @Field(() => String, { nullable: true, description: "Its SIRET (14 digits), when known." })
  siret?: string | null;
}

@InputType({ description: "The outcome of one lot of a tender or direct order (or of the whole, without lots)." })
export class OutcomeInput {
  @Field(() => OutcomeResult, { description: "WON when a bid of the platform won the lot; LOST when an outside company won it (or nobody)." })
  result!: OutcomeResult;

  @Field(() => ID, {
    nullable: true,
    description: "The lot awarded; may be left out when the tender has one lot or none. Each lot has one outcome: recording it again corrects it.",
  })
  lotId?: string | null;

  @Field(() => ID, { nullable: true, description: "The winning bid (WON): a submitted bid on this tender that answered the lot." })
  bidId?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description:
      "The winning member cooperatives (WON, instead of `bidId`): they must be accepted members of one submitted bid on this tender, which is the winner.",
  })
  winnerIds?: string[] | null;

  @Field(() => OutsideWinnerInput, { nullable: true, description: "The outside company that won (LOST), when known." })
  outsideWinner?: OutsideWinnerInput | null;

  @Field(() => String, { nullable: true, description: "Name of the consortium, when several cooperatives won together." })
  consortiumName?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "Amount awarded in euros, excluding tax: required when WON (> 0); when LOST, what the outside winner was awarded (only with `outsideWinner`).",
  })
  awardedAmount?: number | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When the contract was awarded; default now; not in the future." })
  awardedAt?: Date | null;
}

@InputType({ description: "Shortlisting a cooperative for a tender." })
export class ShortlistInput {
  @Field(() => ID, { description: "The tender." })
  tenderId!: string;

  @Field(() => ID, { description: "The cooperative." })
  cooperativeId!: string;

  @Field(() => String, { nullable: true, description: "Why this cooperative (up to 2,000 characters)." })
  note?: string | null;
}

@InputType({ description: "A cooperative's answer to an invitation." })
export class AnswerInvitationInput {
  @Field(() => ID, { description: "The shortlist entry (invitation)." })
  invitationId!: string;

  @Field(() => InvitationAnswer, { description: "INTERESTED or DECLINED." })
  answer!: InvitationAnswer;
}
