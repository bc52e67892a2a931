import { GraphQLDateTimeISO } from "graphql-scalars";
import { ArgsType, Field, Float, ID, InputType, Int } from "type-graphql";
import { PageArgs } from "../common/pagination";
import { LocationInput } from "../cooperatives/cooperative.inputs";
import { LotInput, PlaceInput } from "../tenders/tender.inputs";
import { TenderStatus } from "../tenders/tender.enums";

@InputType({ description: "A new client organisation." })
export class CreateClientOrganisationInput {
  @Field({ description: "Name of the organisation." })
  name!: string;

  @Field({ description: "SIRET (14 digits; spaces allowed): the SIREN's and the SIRET's Luhn keys are checked." })
  siret!: string;

  @Field(() => LocationInput, {
    nullable: true,
    description: "Address and commune (resolved by INSEE code, or name and postcode); coordinates from the commune unless given.",
  })
  location?: LocationInput | null;
}

@InputType({ description: "Attaches a client account to an organisation (staff)." })
export class AttachClientInput {
  @Field(() => ID, { description: "The organisation." })
  organisationId!: string;

  @Field(() => ID, { description: "The CLIENT account; it leaves its former organisation, if any." })
  userId!: string;
}

@InputType({ description: "An answer to an offer submitted on the viewer's order." })
export class AnswerOfferInput {
  @Field(() => ID, { description: "The offer (its `bidId`)." })
  bidId!: string;

  @Field(() => Int, { nullable: true, description: "The offer's `version` as the client saw it; a stale one is CONFLICT." })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: "Idempotency key: a retry with the same key and input returns the first result." })
  clientMutationId?: string | null;
}

@InputType({ description: "Declines an offer, with a reason the group reads." })
export class DeclineOfferInput extends AnswerOfferInput {
  @Field({ description: "Why (1 to 2,000 characters)." })
  reason!: string;
}

@InputType({ description: "Asks the group for a revision of its offer, with a note." })
export class RequestRevisionInput extends AnswerOfferInput {
  @Field({ description: "What to revise (1 to 2,000 characters)." })
  note!: string;
}

@InputType({ description: "Changes the client makes to its own order while no offer has been submitted; fields left out stay." })
export class UpdateDirectOrderInput {
  @Field(() => String, { nullable: true, description: "Title." })
  title?: string | null;

  @Field(() => String, { nullable: true, description: "Description of the need." })
  description?: string | null;

  @Field(() => PlaceInput, { nullable: true, description: "Place of performance." })
  place?: PlaceInput | null;

  @Field(() => Int, { nullable: true, description: "Estimated value, excluding tax." })
  estimatedValue?: number | null;

  @Field(() => Float, { nullable: true, description: "VAT rate (0 to 0.5); null for 20 %." })
  vatRate?: number | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "New deadline for offers (in the future)." })
  submissionDeadline?: Date | null;

  @Field(() => [LotInput], { nullable: true, description: "Replaces the lots (refused once a cooperative has started an offer on them)." })
  lots?: LotInput[] | null;
}

@InputType({ description: "Filters of a client organisation's orders." })
export class OrdersFilter {
  @Field(() => [TenderStatus], { nullable: true, description: "Only orders in these statuses." })
  statuses?: TenderStatus[] | null;
}

@ArgsType()
export class OrdersArgs extends PageArgs {
  @Field(() => OrdersFilter, { nullable: true, description: "Filters." })
  filter?: OrdersFilter | null;
}
