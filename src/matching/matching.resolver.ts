import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Float,
  ID,
  InputType,
  Int,
  Mutation,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { ApiScope } from "../auth/roles";
import { Scopes } from "../auth/scopes";
import { Bid } from "../bids/bid.entity";
import { BidGroupType } from "../bids/bid.enums";
import { acceptProposedBid, declineProposedBid, MAX_COMPLETION_RANK, proposeCompletion, requestCompletion } from "./completion.service";
import { PlatformRole } from "../auth/roles";
import type { Context } from "../context";
import { Cost } from "../common/cost";
import { PageArgs } from "../common/pagination";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Tender } from "../tenders/tender.entity";
import { loadTender } from "../tenders/tender.queries";
import * as matching from "./matching.service";
import { opportunityStream } from "./opportunity.stream";
import {
  ConsortiumSuggestions,
  MatchConnection,
  MatchScoreResult,
  MatchWeightsInput,
  Opportunity,
  OpportunityConnection,
  TeamPreference,
} from "./matching.types";

@ArgsType()
class ScoreArgs {
  @Field(() => MatchWeightsInput, { nullable: true, description: "Weights of the components (defaults documented on MatchWeightsInput)." })
  weights?: MatchWeightsInput | null;

  @Field(() => Float, { nullable: true, description: "Distance in km at which proximity halves (default 50)." })
  decayKm?: number | null;
}

@ArgsType()
class MatchesArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Rank for this lot only; default: the whole tender." })
  lot?: string | null;

  @Field(() => Float, { nullable: true, description: "Only cooperatives within this many km of the place of performance (local preselection)." })
  maxDistanceKm?: number | null;

  @Field(() => Float, { nullable: true, description: "Only scores at or above this (0 to 1)." })
  minScore?: number | null;

  @Field(() => MatchWeightsInput, { nullable: true, description: "Weights of the components." })
  weights?: MatchWeightsInput | null;

  @Field(() => Float, { nullable: true, description: "Distance in km at which proximity halves (default 50)." })
  decayKm?: number | null;
}

@ArgsType()
class OpportunitiesArgs extends PageArgs {
  @Field(() => Float, { nullable: true, description: "Only tenders within this many km." })
  maxDistanceKm?: number | null;

  @Field(() => Float, { nullable: true, description: "Only scores at or above this (0 to 1)." })
  minScore?: number | null;

  @Field(() => MatchWeightsInput, { nullable: true, description: "Weights of the components." })
  weights?: MatchWeightsInput | null;
}

@Resolver(() => Tender)
export class TenderMatchingResolver {
  @Cost(1000)
  @FieldResolver(() => MatchConnection, {
    description:
      "Cooperatives ranked for this tender (or one lot), best first, with explained scores; same inputs, same order. Officers, admins and integrators. Candidates are narrowed in SQL to the 300 with the deepest CPV overlap (within `maxDistanceKm`), then scored.",
  })
  matches(@Root() tender: Tender, @Args(() => MatchesArgs) args: MatchesArgs, @Ctx() ctx: Context) {
    return matching.matchesForTender(ctx, tender, args);
  }

  @Cost(1000)
  @FieldResolver(() => ConsortiumSuggestions, {
    description:
      "Teams of cooperatives that together cover every lot, ranked by `preference` (default BALANCED: a close team before a far one, see TeamPreference), honouring the tender's maximum lots per tenderer and the one-lead-per-tender rule (proposed bids count). With `lead`, teams are built around that cooperative (its members may ask); `maxDistanceKm` then limits the partners, not the lead.",
  })
  consortiumSuggestions(
    @Root() tender: Tender,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "How many teams (1-20, default 20)." }) first?: number,
    @Arg("lead", () => ID, { nullable: true, description: "Build the teams around this cooperative." }) lead?: string,
    @Arg("maxDistanceKm", () => Float, { nullable: true, description: "Only partners within this many km." }) maxDistanceKm?: number,
    @Arg("weights", () => MatchWeightsInput, { nullable: true, description: "Weights of the components." }) weights?: MatchWeightsInput,
    @Arg("preference", () => TeamPreference, { nullable: true, description: "Closeness against team size (default BALANCED)." }) preference?: TeamPreference,
  ) {
    return matching.consortiumSuggestions(ctx, tender, { first, lead, maxDistanceKm, weights, preference });
  }
}

@Resolver(() => Cooperative)
export class CooperativeMatchingResolver {
  @Cost(1000)
  @FieldResolver(() => OpportunityConnection, {
    description: "Open tenders that fit this cooperative best, for its members' dashboard (members, officers, admins).",
  })
  opportunities(@Root() cooperative: Cooperative, @Args(() => OpportunitiesArgs) args: OpportunitiesArgs, @Ctx() ctx: Context) {
    return matching.opportunitiesFor(ctx, cooperative, args);
  }

  @Cost(100)
  @FieldResolver(() => MatchScoreResult, { description: "This cooperative against one tender (or one lot), explained." })
  async matchScore(
    @Root() cooperative: Cooperative,
    @Arg("tender", () => ID, { description: "The tender." }) tenderId: string,
    @Args(() => ScoreArgs) args: ScoreArgs,
    @Ctx() ctx: Context,
    @Arg("lot", () => ID, { nullable: true, description: "One of its lots." }) lot?: string,
  ) {
    const tender = await loadTender(ctx, tenderId, "read", "tender");
    return matching.matchScore(ctx, cooperative, tender, { ...args, lot });
  }
}

@Resolver()
export class OpportunitySubscriptionResolver {
  @Authorized()
  @Scopes(ApiScope.READ)
  @Subscription(() => Opportunity, {
    description: "Newly published tenders that score at or above the cooperative's `opportunityThreshold`, live, for its members (and staff).",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { cooperative: string }, Context>) => opportunityStream(context, args.cooperative),
  })
  opportunities(
    @Root() opportunity: Opportunity,
    @Arg("cooperative", () => ID, { description: "The cooperative to watch for." }) _cooperative: string,
  ): Opportunity {
    return opportunity;
  }
}

@InputType({ description: "One lot and the cooperative that takes it, when the team is given explicitly." })
export class LotMemberInput {
  @Field(() => ID, { description: "A lot of the tender." })
  lotId!: string;

  @Field(() => ID, { description: "The cooperative that takes it (the lead or a partner, invited if not yet in the group)." })
  cooperativeId!: string;
}

@InputType("CompletionChoice", { description: "Which team completes an offer, and how local (the fields both completion inputs share)." })
class CompletionChoiceInput {
  @Field(() => ID, { description: "The tender." })
  tenderId!: string;

  @Field(() => BidGroupType, { nullable: true, description: "Legal form of the group (default CONJOINT_WITH_SOLIDARY_LEAD)." })
  groupType?: BidGroupType | null;

  @Field(() => Int, {
    nullable: true,
    description: `Take the suggestion of this rank (1-${MAX_COMPLETION_RANK}) in \`Tender.consortiumSuggestions\` asked with the same lead, \`preference\` and \`maxDistanceKm\`; default 1. Exclusive with \`lotMembers\`.`,
  })
  rank?: number | null;

  @Field(() => [LotMemberInput], {
    nullable: true,
    description:
      "The team given explicitly, lot by lot (each lot at most once; the tender's maximum lots per tenderer applies); lots left out stay unassigned. Exclusive with `rank`.",
  })
  lotMembers?: LotMemberInput[] | null;

  @Field(() => TeamPreference, { nullable: true, description: "How suggestions weigh closeness against team size (default BALANCED)." })
  preference?: TeamPreference | null;

  @Field(() => Float, { nullable: true, description: "Only partners within this many km of the place of performance." })
  maxDistanceKm?: number | null;

  @Field(() => String, { nullable: true, description: "Makes a retry safe: the same id returns the first result." })
  clientMutationId?: string | null;
}

@InputType({ description: "A cooperative asks the platform to complete its offer on a tender: which team, how local." })
export class RequestCompletionInput extends CompletionChoiceInput {
  @Field(() => ID, { description: "The cooperative asking, which will lead the bid (one of the viewer's)." })
  leadCooperativeId!: string;
}

@InputType({ description: "A mission officer completes an offer on behalf of a cooperative: which cooperative leads, which team." })
export class ProposeCompletionInput extends CompletionChoiceInput {
  @Field(() => ID, { description: "The cooperative on whose behalf the bid is proposed; it will lead it once its people accept." })
  leadCooperativeId!: string;
}

@InputType({ description: "The lead's answer to a bid proposed on its behalf." })
export class ProposalAnswerInput {
  @Field(() => ID, { description: "The PROPOSED bid." })
  bidId!: string;

  @Field(() => String, {
    nullable: true,
    description: "A note for the officer (up to 1000 characters), kept in the log: why it declines, or what it will change.",
  })
  reason?: string | null;

  @Field(() => String, { nullable: true, description: "Makes a retry safe: the same id returns the first result." })
  clientMutationId?: string | null;
}

@Resolver()
export class CompletionResolver {
  @Authorized()
  @Cost(1000)
  @Mutation(() => Bid, {
    description: "Turns the best consortium suggestion around the lead into a draft bid: the lead's bid, partners invited, lots assigned as suggested.",
  })
  requestCompletion(@Arg("input", () => RequestCompletionInput, { description: "Tender and lead." }) input: RequestCompletionInput, @Ctx() ctx: Context) {
    return requestCompletion(ctx, input);
  }

  @Authorized(PlatformRole.MISSION_OFFICER, PlatformRole.ADMIN)
  @Cost(1000)
  @Mutation(() => Bid, {
    description:
      "A mission officer (or an admin) completes an offer on behalf of a cooperative: a PROPOSED bid led by it, the partners invited (dormant until the lead accepts) and the lots assigned as chosen. The log opens with BID_PROPOSED, the officer as actor: for now that event (in `bidEvents`) is the lead's notification. The one-lead-per-tender rule counts proposed bids.",
  })
  proposeCompletion(@Arg("input", () => ProposeCompletionInput, { description: "Tender, lead and team." }) input: ProposeCompletionInput, @Ctx() ctx: Context) {
    return proposeCompletion(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, {
    description: "The lead's people accept a bid proposed on their behalf: it becomes a DRAFT and the partners' invitations become active.",
  })
  acceptProposedBid(@Arg("input", () => ProposalAnswerInput, { description: "The proposed bid." }) input: ProposalAnswerInput, @Ctx() ctx: Context) {
    return acceptProposedBid(ctx, input);
  }

  @Authorized()
  @Mutation(() => Bid, { description: "The lead's people decline a bid proposed on their behalf: it is WITHDRAWN and the dormant invitations are removed." })
  declineProposedBid(@Arg("input", () => ProposalAnswerInput, { description: "The proposed bid." }) input: ProposalAnswerInput, @Ctx() ctx: Context) {
    return declineProposedBid(ctx, input);
  }
}
