import { GraphQLDateTimeISO } from "graphql-scalars";
import { Arg, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { PlatformRole } from "../auth/roles";
import { Cost } from "../common/cost";
import type { Context } from "../context";
import { businessVolume } from "./business-volume.service";
import { BusinessVolume } from "./stats.types";

@Resolver()
export class StatsResolver {
  @Authorized(PlatformRole.ADMIN, PlatformRole.MISSION_OFFICER)
  @Cost(1000)
  @Query(() => BusinessVolume, {
    description:
      "Business volume for officers and admins: won amounts and commission by channel, region and month over a window (default: the revenue target's span ending now), the share of tenders, the open pipeline and progress against the revenue target.",
  })
  businessVolume(
    @Arg("from", () => GraphQLDateTimeISO, { nullable: true, description: "Start of the window (inclusive); default `to` minus the target's months." })
    from: Date | null,
    @Arg("to", () => GraphQLDateTimeISO, { nullable: true, description: "End of the window (exclusive); default now." }) to: Date | null,
    @Ctx() ctx: Context,
  ): Promise<BusinessVolume> {
    return businessVolume({ em: ctx.em, viewer: ctx.viewer, loaders: ctx.loaders, config: ctx.app.config }, { from, to });
  }
}
