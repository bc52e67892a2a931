import { Args, Ctx, Field, FieldResolver, ObjectType, Resolver, Root } from "type-graphql";
import { Bid, BidMember } from "../bids/bid.entity";
import { BidMemberStatus, BidStatus } from "../bids/bid.enums";
import { BidsArgs } from "../bids/bid.inputs";
import { BidConnection } from "../bids/bid.resolver";
import { listBids } from "../bids/bid.queries";
import { ClientOrganisation } from "../clients/client.entity";
import { readableOrganisation } from "../clients/organisation.service";
import type { ConnectionShape } from "../common/pagination";
import type { Context } from "../context";
import { Cooperative, Membership } from "../cooperatives/cooperative.entity";
import { MemberRole } from "../cooperatives/cooperative.enums";
import { CooperativeInvitation } from "../cooperatives/invitation.entity";
import { myInvitations } from "../cooperatives/invitation.service";
import { ShortlistEntry } from "../tenders/tender.entity";
import { InvitationAnswer } from "../tenders/tender.enums";
import { User } from "../auth/user.entity";

/*
 * "Mine", on the viewer: what a person expects to find without paging through the directory. Each
 * field answers only for the signed-in person themself (a `User` reached elsewhere, say as an
 * order's client, answers empty), so it never tells one person about another.
 */

@ObjectType({ description: "A cooperative the viewer belongs to, with their role in it." })
export class MyCooperative {
  @Field(() => Cooperative, { description: "The cooperative." })
  cooperative!: Cooperative;

  @Field(() => MemberRole, { description: "The viewer's role in it." })
  role!: MemberRole;
}

@ObjectType({ description: "What waits for the viewer's answer." })
export class MyInvitations {
  @Field(() => [CooperativeInvitation], { description: "Invitations to join a cooperative, sent to the viewer's address (as `myCooperativeInvitations`)." })
  cooperatives!: CooperativeInvitation[];

  @Field(() => [BidMember], {
    description: "Invitations of the viewer's cooperatives into consortium bids, not answered yet (answer with `answerBidInvitation`).",
  })
  bids!: BidMember[];

  @Field(() => [ShortlistEntry], {
    description: "Shortlistings of the viewer's cooperatives by mission officers, not answered yet (answer with `answerInvitation`).",
  })
  shortlists!: ShortlistEntry[];
}

const isSelf = (ctx: Context, user: User): boolean => ctx.viewer.kind === "USER" && ctx.viewer.userId === user.id;

@Resolver(() => User)
export class MineResolver {
  @FieldResolver(() => [MyCooperative], { description: "For the viewer themself: their cooperatives with their role, by name; empty for anyone else." })
  async cooperatives(@Root() user: User, @Ctx() ctx: Context): Promise<MyCooperative[]> {
    if (!isSelf(ctx, user)) return [];
    const memberships = await ctx.em.find(Membership, { user: user.id }, { populate: ["cooperative"] });
    return memberships.map((m) => ({ cooperative: m.cooperative, role: m.role })).sort((a, b) => a.cooperative.name.localeCompare(b.cooperative.name));
  }

  @FieldResolver(() => BidConnection, {
    description: "For the viewer themself: the bids of their cooperatives (led, joined or invited to), newest first; empty for anyone else.",
  })
  async bids(@Root() user: User, @Args(() => BidsArgs) args: BidsArgs, @Ctx() ctx: Context): Promise<ConnectionShape<Bid>> {
    // Someone else's: a scope no bid matches.
    return listBids(ctx, args, { memberUserId: isSelf(ctx, user) ? user.id : "00000000-0000-0000-0000-000000000000" });
  }

  @FieldResolver(() => MyInvitations, {
    nullable: true,
    description: "For the viewer themself: the invitations waiting for them or their cooperatives; null for anyone else.",
  })
  async invitations(@Root() user: User, @Ctx() ctx: Context): Promise<MyInvitations | null> {
    if (!isSelf(ctx, user)) return null;
    const { em } = ctx;
    const coopIds = (await em.find(Membership, { user: user.id }, { fields: ["cooperative"] })).map((m) => m.cooperative.id);
    // A bid an officer proposed keeps its partners' invitations dormant until its lead accepts it.
    const bids = coopIds.length
      ? await em.find(
          BidMember,
          { cooperative: { $in: coopIds }, status: BidMemberStatus.INVITED, bid: { status: { $ne: BidStatus.PROPOSED } } },
          { orderBy: { createdAt: "desc", id: "desc" } },
        )
      : [];
    const shortlists = coopIds.length
      ? await em.find(ShortlistEntry, { cooperative: { $in: coopIds }, answer: InvitationAnswer.INVITED }, { orderBy: { createdAt: "desc", id: "desc" } })
      : [];
    return { cooperatives: await myInvitations(ctx), bids, shortlists };
  }

  @FieldResolver(() => ClientOrganisation, {
    nullable: true,
    description: "For the viewer themself: the client organisation they belong to (its `orders`); null otherwise.",
  })
  async clientOrganisation(@Root() user: User, @Ctx() ctx: Context): Promise<ClientOrganisation | null> {
    if (!isSelf(ctx, user) || !user.clientOrganisation) return null;
    return readableOrganisation(ctx, user.clientOrganisation.id);
  }
}
