import { Ctx, Field, FieldResolver, Int, ObjectType, Resolver, Root } from "type-graphql";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Bid } from "../bids/bid.entity";
import type { Context } from "../context";
import { Lot, Outcome } from "./tender.entity";
import { OutcomeResult, OutcomeSource } from "./tender.enums";
import { lotsAnsweredBy } from "./outcome.record";

@ObjectType({ description: "The result of a bid on one lot it answered, once the lot was awarded." })
export class BidLotResult {
  @Field(() => Lot, { nullable: true, description: "The lot; null for a tender without lots." })
  lot!: Lot | null;

  @Field(() => OutcomeResult, { description: "WON when this bid was awarded the lot, LOST when someone else was." })
  result!: OutcomeResult;

  @Field(() => Int, { nullable: true, description: "The amount awarded to this bid, in euros excluding tax; null when lost." })
  awardedAmount!: number | null;

  @Field(() => GraphQLDateTimeISO, { description: "When the lot was awarded." })
  awardedAt!: Date;

  @Field(() => OutcomeSource, { description: "Who or what recorded the award." })
  source!: OutcomeSource;
}

@Resolver(() => Bid)
export class BidOutcomeResolver {
  @FieldResolver(() => [BidLotResult], {
    description: "The result of each lot the bid answered that has been awarded, by lot number (the winner's name is not shown to bidders).",
  })
  async lotResults(@Root() bid: Bid, @Ctx() ctx: Context): Promise<BidLotResult[]> {
    const outcomes = await ctx.loaders.outcomesByTender.load(bid.tender.id);
    if (outcomes.length === 0) return [];
    const answered = (await lotsAnsweredBy(ctx.em, [bid.id])).get(bid.id) ?? [];
    const concerned = (o: Outcome) => o.bid?.id === bid.id || (o.lot ? answered.includes(o.lot.id) : true);
    return outcomes
      .filter(concerned)
      .map((o) => ({
        lot: o.lot,
        result: o.bid?.id === bid.id ? OutcomeResult.WON : OutcomeResult.LOST,
        awardedAmount: o.bid?.id === bid.id ? o.awardedAmount : null,
        awardedAt: o.awardedAt,
        source: o.source,
      }))
      .sort((a, b) => (a.lot?.number ?? 0) - (b.lot?.number ?? 0));
  }
}
