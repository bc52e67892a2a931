import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Context } from "../context";
import { Cost } from "../common/cost";
import { Connection, PageArgs } from "../common/pagination";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Lot, Tender } from "../tenders/tender.entity";
import { Bid, BidEvent, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "./bid.entity";
import {
  AddPriceLineInput,
  AddSectionInput,
  AnswerBidInvitationInput,
  ApplySectionUpdateInput,
  AssignLotInput,
  BidEventsPageArgs,
  BidPresenceInput,
  BidsArgs,
  CreateBidInput,
  InviteBidMemberInput,
  RemoveBidMemberInput,
  RemovePriceLineInput,
  RemoveSectionInput,
  SetBidLotsInput,
  SubmitBidInput,
  TransitionBidInput,
  UpdateBidInput,
  UpdatePriceLineInput,
  UpdateSectionInput,
} from "./bid.inputs";
import { heartbeat, subscribeBidEvents, subscribeBidPresence } from "./live/bid.live";
import * as composition from "./bid.composition";
import { bidTotals } from "./bid.presenters";
import * as queries from "./bid.queries";
import * as usecases from "./bid.usecases";
import { BidPresence, BidTotals, CompletenessIssue, SectionUpdatePayload } from "./bid.types";
import * as lots from "./lots.service";
import * as prices from "./price.service";
import * as sections from "./sections/section.service";

export const BidConnection = Connection(Bid, "Bid", "bid");
export const BidEventConnection = Connection(BidEvent, "BidEvent", "bid event");

@Resolver(() => Bid)
export class BidResolver {
  @Authorized()
  @Query(() => Bid, {
    nullable: true,
    description: "One bid by id. Null, with a NOT_FOUND error at this path, when there is none or the viewer may not see it: the rest of the answer stands.",
  })
  bid(@Arg("id", () => ID, { description: "Global id." }) id: string, @Ctx() ctx: Context): Promise<Bid | null> {
    return queries.loadBid(ctx, id);
  }

  @Authorized()
  @Query(() => BidConnection, { description: "The bids the viewer may see (their cooperatives'; every bid for officers and admins), newest first." })
  bids(@Args(() => BidsArgs) args: BidsArgs, @Ctx() ctx: Context) {
    return queries.listBids(ctx, args);
  }

  @FieldResolver(() => Tender, { description: "The tender bid on." })
  tender(@Root() bid: Bid, @Ctx() ctx: Context): Promise<Tender> {
    return ctx.em.findOneOrFail(Tender, { id: bid.tender.id });
  }

  @FieldResolver(() => Cooperative, { description: "The lead cooperative (mandataire)." })
  lead(@Root() bid: Bid, @Ctx() ctx: Context): Promise<Cooperative> {
    return ctx.em.findOneOrFail(Cooperative, { id: bid.lead.id });
  }

  @FieldResolver(() => Int, { description: "Seq of the last event of the bid's log; subscribe to `bidEvents` after it." })
  headSeq(@Root() bid: Bid, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.bidHeadSeq.load(bid.id);
  }

  @FieldResolver(() => [BidMember], {
    description: "The cooperatives of the group, with their role and invitation state (declined and removed ones included).",
  })
  members(@Root() bid: Bid, @Ctx() ctx: Context): Promise<BidMember[]> {
    return ctx.loaders.membersByBid.load(bid.id);
  }

  @FieldResolver(() => [Lot], { description: "The lots of the tender this bid answers, in order; completeness is checked on them only." })
  async lots(@Root() bid: Bid, @Ctx() ctx: Context): Promise<Lot[]> {
    return (await ctx.loaders.lotsByBid.load(bid.id)).map((row) => row.lot);
  }

  @FieldResolver(() => [BidLotAssignment], { description: "Which member performs which lot." })
  lotAssignments(@Root() bid: Bid, @Ctx() ctx: Context): Promise<BidLotAssignment[]> {
    return ctx.loaders.assignmentsByBid.load(bid.id);
  }

  @FieldResolver(() => [BidSection], { description: "Sections of the technical memo, in order." })
  sections(@Root() bid: Bid, @Ctx() ctx: Context): Promise<BidSection[]> {
    return ctx.loaders.sectionsByBid.load(bid.id);
  }

  @FieldResolver(() => [BidPriceLine], { description: "The price schedule." })
  priceLines(@Root() bid: Bid, @Ctx() ctx: Context): Promise<BidPriceLine[]> {
    return ctx.loaders.priceLinesByBid.load(bid.id);
  }

  @Cost(20)
  @FieldResolver(() => BidTotals, { description: "Totals per lot, per member and overall, computed by the server." })
  totals(@Root() bid: Bid, @Ctx() ctx: Context): Promise<BidTotals> {
    return bidTotals(ctx, bid);
  }

  @Cost(20)
  @FieldResolver(() => [CompletenessIssue], { description: "What still prevents submission; empty when the bid is complete." })
  completeness(@Root() bid: Bid, @Ctx() ctx: Context): Promise<CompletenessIssue[]> {
    return queries.bidCompleteness(ctx, bid);
  }

  @FieldResolver(() => GraphQLJSONObject, {
    nullable: true,
    description: "The bid as submitted (composition, sections with their text and Yjs state, price lines, totals), frozen at submission; null before.",
  })
  snapshot(@Root() bid: Bid): Record<string, unknown> | null {
    return bid.snapshot;
  }

  @FieldResolver(() => Boolean, { description: "Whether one of the viewer's cooperatives leads the bid (may invite, remove, submit)." })
  async viewerIsLead(@Root() bid: Bid, @Ctx() ctx: Context): Promise<boolean> {
    return (await ctx.loaders.bidAccess.load({ viewer: ctx.viewer, bidId: bid.id })).lead;
  }

  @FieldResolver(() => BidEventConnection, { description: "The bid's log (audit trail), oldest first, by pages." })
  events(@Root() bid: Bid, @Args(() => BidEventsPageArgs) args: BidEventsPageArgs, @Ctx() ctx: Context) {
    return queries.listEvents(ctx, bid, args);
  }

  @Authorized()
  @Mutation(() => Bid, {
    description: "Creates a consortium bid led by one of the viewer's cooperatives; one per lead and tender (CONFLICT), before the deadline.",
  })
  createBid(@Arg("input", () => CreateBidInput, { description: "The bid." }) input: CreateBidInput, @Ctx() ctx: Context) {
    return usecases.createBid(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, { description: "Changes the bid's title or group type (lead only)." })
  updateBid(@Arg("input", () => UpdateBidInput, { description: "The changes." }) input: UpdateBidInput, @Ctx() ctx: Context) {
    return usecases.updateBid(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, {
    description:
      "Sets the lots the bid answers (lead only, DRAFT, versioned): at most the tender's maximum lots per tenderer, and where the buyer forbids multiple offers no cooperative of the group may be in another offer for a lot added. Lots dropped are released.",
  })
  setBidLots(@Arg("input", () => SetBidLotsInput, { description: "The lots." }) input: SetBidLotsInput, @Ctx() ctx: Context) {
    return lots.setBidLots(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, {
    description: "A lifecycle transition: IN_REVIEW, back to DRAFT, WITHDRAWN (lead); WON or LOST (officers and admins); SUBMITTED as `submitBid`.",
  })
  transitionBid(@Arg("input", () => TransitionBidInput, { description: "The transition." }) input: TransitionBidInput, @Ctx() ctx: Context) {
    return usecases.transitionBid(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, { description: "Submits the bid (lead only, IN_REVIEW, before the deadline): checks completeness, freezes it and keeps a snapshot." })
  submitBid(@Arg("input", () => SubmitBidInput, { description: "The bid." }) input: SubmitBidInput, @Ctx() ctx: Context) {
    return usecases.submitBid(ctx, input);
  }

  @Authorized()
  @Mutation(() => BidMember, { description: "Invites a cooperative into the group (lead only, DRAFT)." })
  inviteBidMember(@Arg("input", () => InviteBidMemberInput, { description: "The invitation." }) input: InviteBidMemberInput, @Ctx() ctx: Context) {
    return composition.inviteMember(ctx, input);
  }

  @Authorized()
  @Mutation(() => BidMember, { description: "Accepts or declines an invitation, for one of the viewer's cooperatives." })
  answerBidInvitation(@Arg("input", () => AnswerBidInvitationInput, { description: "The answer." }) input: AnswerBidInvitationInput, @Ctx() ctx: Context) {
    return composition.answerInvitation(ctx, input);
  }

  @Authorized()
  @Mutation(() => BidMember, { description: "Removes a cooperative from the group (lead only, DRAFT); its people's live subscriptions end at once." })
  removeBidMember(@Arg("input", () => RemoveBidMemberInput, { description: "The removal." }) input: RemoveBidMemberInput, @Ctx() ctx: Context) {
    return composition.removeMember(ctx, input);
  }

  @Authorized()
  @Mutation(() => BidLotAssignment, { description: "Assigns a lot to a member of the group, or unassigns it." })
  assignBidLot(@Arg("input", () => AssignLotInput, { description: "The assignment." }) input: AssignLotInput, @Ctx() ctx: Context) {
    return composition.assignLot(ctx, input);
  }

  @Authorized()
  @Mutation(() => BidSection, { description: "Adds a section to the technical memo." })
  addBidSection(@Arg("input", () => AddSectionInput, { description: "The section." }) input: AddSectionInput, @Ctx() ctx: Context) {
    return sections.addSection(ctx, input);
  }

  @Authorized()
  @Mutation(() => BidSection, { description: "Changes a section's title, position, assignee or status." })
  updateBidSection(@Arg("input", () => UpdateSectionInput, { description: "The changes." }) input: UpdateSectionInput, @Ctx() ctx: Context) {
    return sections.updateSection(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, { description: "Removes a section; returns its bid." })
  removeBidSection(@Arg("input", () => RemoveSectionInput, { description: "The section." }) input: RemoveSectionInput, @Ctx() ctx: Context) {
    return sections.removeSection(ctx, input);
  }

  @Authorized()
  @Mutation(() => SectionUpdatePayload, { description: "Applies text typed in a section (a Yjs update); answers once it is durable in the bid's log." })
  async applySectionUpdate(
    @Arg("input", () => ApplySectionUpdateInput, { description: "The update." }) input: ApplySectionUpdateInput,
    @Ctx() ctx: Context,
  ): Promise<SectionUpdatePayload> {
    const result = await sections.applySectionUpdate(ctx, input);
    return Object.assign(new SectionUpdatePayload(), { seq: result.seq, clientMutationId: result.clientMutationId, sectionId: result.sectionId });
  }

  @Authorized()
  @Mutation(() => BidPriceLine, { description: "Adds a price line." })
  addBidPriceLine(@Arg("input", () => AddPriceLineInput, { description: "The line." }) input: AddPriceLineInput, @Ctx() ctx: Context) {
    return prices.addPriceLine(ctx, input);
  }

  @Authorized()
  @Mutation(() => BidPriceLine, { description: "Changes a price line." })
  updateBidPriceLine(@Arg("input", () => UpdatePriceLineInput, { description: "The changes." }) input: UpdatePriceLineInput, @Ctx() ctx: Context) {
    return prices.updatePriceLine(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, { description: "Removes a price line; returns its bid." })
  removeBidPriceLine(@Arg("input", () => RemovePriceLineInput, { description: "The line." }) input: RemovePriceLineInput, @Ctx() ctx: Context) {
    return prices.removePriceLine(ctx, input);
  }

  @Authorized()
  @Mutation(() => Int, {
    description: "Presence heartbeat: the viewer is online in the bid, on a section or none; returns the seconds it lasts (send again before).",
  })
  bidPresenceHeartbeat(
    @Arg("input", () => BidPresenceInput, { description: "Where the viewer is." }) input: BidPresenceInput,
    @Ctx() ctx: Context,
  ): Promise<number> {
    return heartbeat(ctx, input);
  }

  @Authorized()
  @Subscription(() => BidEvent, {
    description:
      "The bid's log, live: replays the events after `afterSeq` from the table, then streams new ones, once each, in order, without holes. Reconnect with the last seq seen. Completes when the viewer loses access.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { bidId: string; afterSeq?: number | null }, Context>) => subscribeBidEvents(context, args),
  })
  bidEvents(
    @Root() event: BidEvent,
    @Arg("bidId", () => ID, { description: "The bid." }) _bidId: string,
    @Arg("afterSeq", () => Int, { nullable: true, description: "Last seq the client has; default: the head now (live only)." }) _afterSeq?: number | null,
  ): BidEvent {
    return event;
  }

  @Authorized()
  @Subscription(() => BidPresence, {
    description: "Who is online in the bid and on which section: the list now, then after every change (heartbeats expire after 30 s).",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { bidId: string }, Context>) => subscribeBidPresence(context, args),
  })
  bidPresence(@Root() presence: BidPresence, @Arg("bidId", () => ID, { description: "The bid." }) _bidId: string): BidPresence {
    return presence;
  }
}

/** `Tender.bids`: only the bids the viewer may see; a competitor's bid is absent. */
@Resolver(() => Tender)
export class TenderBidsResolver {
  @FieldResolver(() => BidConnection, { description: "Bids on this tender that the viewer may see (their cooperatives'; all for officers and admins)." })
  bids(@Root() tender: Tender, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context) {
    return queries.listBids(ctx, args, { tenderId: tender.id });
  }
}

/** `Cooperative.bids`: only the bids the viewer may see. */
@Resolver(() => Cooperative)
export class CooperativeBidsResolver {
  @FieldResolver(() => BidConnection, { description: "Bids this cooperative leads or is invited to or part of, among those the viewer may see." })
  bids(@Root() cooperative: Cooperative, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context) {
    return queries.listBids(ctx, args, { cooperativeId: cooperative.id });
  }
}
