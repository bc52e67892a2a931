import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, Resolver, Root, Subscription } from "type-graphql";
import { ApiScope } from "../auth/roles";
import { Scopes } from "../auth/scopes";
import { Bid } from "../bids/bid.entity";
import { BidGroupType } from "../bids/bid.enums";
import { requestCompletion } from "./completion.service";
import type { Context } from "../context";
import { Cost } from "../common/cost";
import { PageArgs } from "../common/pagination";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Tender } from "../tenders/tender.entity";
import { loadTender } from "../tenders/tender.service";
import * as matching from "./matching.service";
import { opportunityStream } from "./opportunity.stream";
import {
  ConsortiumSuggestions,
  MatchConnection,
  MatchScoreResult,
  MatchWeightsInput,
  Opportunity,
  OpportunityConnection,
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
      "Teams of cooperatives that together cover every lot, fewest members first, honouring the tender's maximum lots per tenderer and the one-lead-per-tender rule. With `lead`, teams are built around that cooperative (its members may ask).",
  })
  consortiumSuggestions(
    @Root() tender: Tender,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "How many teams (1-20, default 20)." }) first?: number,
    @Arg("lead", () => ID, { nullable: true, description: "Build the teams around this cooperative." }) lead?: string,
    @Arg("maxDistanceKm", () => Float, { nullable: true, description: "Only partners within this many km." }) maxDistanceKm?: number,
    @Arg("weights", () => MatchWeightsInput, { nullable: true, description: "Weights of the components." }) weights?: MatchWeightsInput,
  ) {
    return matching.consortiumSuggestions(ctx, tender, { first, lead, maxDistanceKm, weights });
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
    description:
      "Newly published tenders that score at or above the cooperative's `opportunityThreshold`, live, for its members (and staff).",
    subscribe: ({ args, context }) => opportunityStream(context as Context, String(args.cooperative)),
  })
  opportunities(
    @Root() opportunity: Opportunity,
    @Arg("cooperative", () => ID, { description: "The cooperative to watch for." }) _cooperative: string,
  ): Opportunity {
    return opportunity;
  }
}

@InputType({ description: "A cooperative asks the platform to complete its offer on a tender." })
export class RequestCompletionInput {
  @Field(() => ID, { description: "The tender." })
  tenderId!: string;

  @Field(() => ID, { description: "The cooperative asking, which will lead the bid (one of the viewer's)." })
  leadCooperativeId!: string;

  @Field(() => BidGroupType, { nullable: true, description: "Legal form of the group (default CONJOINT_WITH_SOLIDARY_LEAD)." })
  groupType?: BidGroupType | null;

  @Field(() => String, { nullable: true, description: "Makes a retry safe: the same id returns the first result." })
  clientMutationId?: string | null;
}

@Resolver()
export class CompletionResolver {
  @Authorized()
  @Cost(1000)
  @Mutation(() => Bid, {
    description:
      "Turns the best consortium suggestion around the lead into a draft bid: the lead's bid, partners invited, lots assigned as suggested.",
  })
  requestCompletion(@Arg("input", () => RequestCompletionInput, { description: "Tender and lead." }) input: RequestCompletionInput, @Ctx() ctx: Context) {
    return requestCompletion(ctx, input);
  }
}
