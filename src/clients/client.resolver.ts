import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { isStaff } from "../auth/viewer";
import { Bid } from "../bids/bid.entity";
import { requestsField } from "../common/selection";
import type { Context } from "../context";
import { Tender } from "../tenders/tender.entity";
import { TenderConnection } from "../tenders/tender.resolver";
import { viewerIsOrderClient } from "./client.access";
import { ClientOrganisation, OfferAnswer } from "./client.entity";
import {
  AnswerOfferInput,
  AttachClientInput,
  CreateClientOrganisationInput,
  DeclineOfferInput,
  OrdersArgs,
  RequestRevisionInput,
  UpdateDirectOrderInput,
} from "./client.inputs";
import * as offers from "./offer.service";
import { Offer } from "./offer.types";
import { updateDirectOrder } from "./order.service";
import * as organisations from "./organisation.service";

const STAFF_RULES = [PlatformRole.ADMIN, PlatformRole.MISSION_OFFICER];

@ObjectType({ description: "What an answer to an offer did: the offer as it now stands, and its order." })
export class OfferAnswerPayload {
  @Field(() => Offer, { description: "The offer." })
  offer!: Offer;

  @Field(() => Tender, { description: "The order: CLOSED then AWARDED once every lot is decided, after an acceptance." })
  order!: Tender;
}

async function payload(ctx: Context, bid: Bid): Promise<OfferAnswerPayload> {
  const offer = await offers.offerOf(ctx, bid.id);
  ctx.loaders.outcomesByTender.clear(offer.order.id);
  return { offer, order: offer.order };
}

@Resolver(() => ClientOrganisation)
export class ClientOrganisationResolver {
  @Authorized()
  @Query(() => ClientOrganisation, { description: "A client organisation, for its people and the staff; NOT_FOUND for anyone else." })
  clientOrganisation(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context): Promise<ClientOrganisation> {
    return organisations.loadOrganisation(ctx, id);
  }

  @Authorized(PlatformRole.CLIENT, ...STAFF_RULES)
  @Mutation(() => ClientOrganisation, {
    description:
      "Creates a client organisation (name, SIRET with both keys checked, address and commune): a client account without one creates it and joins it (INVALID_STATE when it has one); staff create it for the accounts they attach. A SIRET already registered is CONFLICT.",
  })
  createClientOrganisation(
    @Arg("input", () => CreateClientOrganisationInput, { description: "The organisation." }) input: CreateClientOrganisationInput,
    @Ctx() ctx: Context,
  ) {
    return organisations.createOrganisation(ctx, input);
  }

  @Authorized(...STAFF_RULES)
  @Mutation(() => ClientOrganisation, {
    description: "Staff attach a client account to an organisation: from then on its people see the organisation's orders, and only those.",
  })
  attachClientToOrganisation(
    @Arg("input", () => AttachClientInput, { description: "Organisation and account." }) input: AttachClientInput,
    @Ctx() ctx: Context,
  ) {
    return organisations.attachClient(ctx, input);
  }

  @FieldResolver(() => [User], { description: "Its people (client accounts), by name." })
  people(@Root() organisation: ClientOrganisation, @Ctx() ctx: Context): Promise<User[]> {
    return organisations.peopleOf(ctx, organisation);
  }

  @FieldResolver(() => TenderConnection, { description: "Its direct orders, newest first, filtered by status." })
  orders(@Root() organisation: ClientOrganisation, @Args(() => OrdersArgs) args: OrdersArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return organisations.ordersOf(ctx, organisation, args, requestsField(info, "totalCount"));
  }
}

@Resolver(() => Offer)
export class OfferResolver {
  @Authorized(PlatformRole.CLIENT)
  @Mutation(() => OfferAnswerPayload, {
    description:
      "The order's client accepts a submitted offer: in one transaction the order closes to new offers, each lot the offer answers is awarded to it at its submitted price (outcome CLIENT_ACCEPTANCE), the bid WON, the other offers on those lots LOST, the order AWARDED once every lot is decided. INVALID_STATE when the offer is no longer SUBMITTED or the order CANCELLED or AWARDED; a stale `expectedVersion` is CONFLICT; anyone but the order's client gets NOT_FOUND.",
  })
  async acceptOffer(
    @Arg("input", () => AnswerOfferInput, { description: "The offer." }) input: AnswerOfferInput,
    @Ctx() ctx: Context,
  ): Promise<OfferAnswerPayload> {
    return payload(
      ctx,
      await offers.acceptOffer({ em: ctx.em, viewer: ctx.viewer, loaders: ctx.loaders, commissionRate: ctx.app.config.commissionRate }, input),
    );
  }

  @Authorized(PlatformRole.CLIENT)
  @Mutation(() => OfferAnswerPayload, {
    description: "The order's client declines a submitted offer with a reason its group reads: the bid is LOST. Same rules as `acceptOffer`.",
  })
  async declineOffer(
    @Arg("input", () => DeclineOfferInput, { description: "The offer and the reason." }) input: DeclineOfferInput,
    @Ctx() ctx: Context,
  ): Promise<OfferAnswerPayload> {
    return payload(ctx, await offers.declineOffer(ctx, input));
  }

  @Authorized(PlatformRole.CLIENT)
  @Mutation(() => OfferAnswerPayload, {
    description:
      "The order's client asks the group to revise a submitted offer, with a note: the bid becomes a DRAFT again for its group (the note in `Bid.clientAnswers` and its log), to be submitted anew while the order takes offers (INVALID_STATE otherwise). Same rules as `acceptOffer`.",
  })
  async requestRevision(
    @Arg("input", () => RequestRevisionInput, { description: "The offer and the note." }) input: RequestRevisionInput,
    @Ctx() ctx: Context,
  ): Promise<OfferAnswerPayload> {
    return payload(ctx, await offers.requestRevision(ctx, input));
  }

  @Authorized(PlatformRole.CLIENT)
  @Mutation(() => Tender, { description: "The client edits its own DRAFT or OPEN order while no offer has been submitted on it (INVALID_STATE after)." })
  updateDirectOrder(
    @Arg("id", () => ID, { description: "The order." }) id: string,
    @Arg("input", () => UpdateDirectOrderInput, { description: "The changes." }) input: UpdateDirectOrderInput,
    @Ctx() ctx: Context,
  ) {
    return updateDirectOrder(ctx, id, input);
  }
}

@Resolver(() => Tender)
export class TenderOffersResolver {
  @FieldResolver(() => [Offer], {
    description:
      "The offers submitted on a direct order, as its client sees them (group, lots, memo and prices as submitted, exports): for the order's client organisation and the staff; empty for anyone else. Drafts never appear.",
  })
  offers(@Root() tender: Tender, @Ctx() ctx: Context): Promise<Offer[]> {
    return offers.offersOfOrder(ctx, tender);
  }

  @FieldResolver(() => ClientOrganisation, {
    nullable: true,
    description: "The client organisation of a direct order: for its people and the staff; null otherwise.",
  })
  async clientOrganisation(@Root() tender: Tender, @Ctx() ctx: Context): Promise<ClientOrganisation | null> {
    if (!tender.clientOrganisation) return null;
    if (!isStaff(ctx.viewer) && !(await viewerIsOrderClient(ctx.em, ctx.viewer, tender.id))) return null;
    return ctx.em.findOne(ClientOrganisation, { id: tender.clientOrganisation.id });
  }
}

@Resolver(() => Bid)
export class BidClientAnswersResolver {
  @FieldResolver(() => [OfferAnswer], {
    description: "What the client of the order answered to this bid (acceptance, decline with its reason, revision asked with its note), oldest first.",
  })
  clientAnswers(@Root() bid: Bid, @Ctx() ctx: Context): Promise<OfferAnswer[]> {
    return offers.answersOf(ctx.em, bid.id);
  }
}
