import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { User } from "../auth/user.entity";
import type { Context } from "../context";
import { Cooperative, Membership } from "./cooperative.entity";
import { CooperativeInvitation } from "./invitation.entity";
import { AnswerCooperativeInvitationInput, InviteMemberInput, SetMemberRoleInput } from "./invitation.inputs";
import * as invitations from "./invitation.service";

@Resolver(() => CooperativeInvitation)
export class CooperativeInvitationResolver {
  @Authorized()
  @Query(() => [CooperativeInvitation], {
    description: "The invitations to join a cooperative waiting for the viewer's answer (sent to their e-mail address, not expired), newest first.",
  })
  myCooperativeInvitations(@Ctx() ctx: Context): Promise<CooperativeInvitation[]> {
    return invitations.myInvitations(ctx);
  }

  @Authorized()
  @Mutation(() => CooperativeInvitation, {
    description:
      "Invites a person, by e-mail address, to join a cooperative (its owners, officers, admins): they become a member only by accepting. The answer is the same whether or not the address has an account; inviting it again while pending renews the invitation.",
  })
  inviteCooperativeMember(
    @Arg("input", () => InviteMemberInput, { description: "Cooperative, address and role." }) input: InviteMemberInput,
    @Ctx() ctx: Context,
  ) {
    return invitations.inviteMember(ctx, input);
  }

  @Authorized()
  @Mutation(() => CooperativeInvitation, {
    description:
      "The invitee accepts (becoming a member; a client account cannot) or declines an invitation sent to their address. Someone else's invitation is NOT_FOUND.",
  })
  answerCooperativeInvitation(
    @Arg("input", () => AnswerCooperativeInvitationInput, { description: "Invitation and answer." }) input: AnswerCooperativeInvitationInput,
    @Ctx() ctx: Context,
  ) {
    return invitations.answerInvitation(ctx, input);
  }

  @Authorized()
  @Mutation(() => CooperativeInvitation, { description: "Withdraws a pending invitation (the cooperative's owners, officers, admins)." })
  revokeCooperativeInvitation(@Arg("invitationId", () => ID, { description: "The invitation." }) invitationId: string, @Ctx() ctx: Context) {
    return invitations.revokeInvitation(ctx, invitationId);
  }

  @Authorized()
  @Mutation(() => Membership, {
    description: "Changes an existing member's role (the cooperative's owners, officers, admins); a cooperative keeps at least one owner.",
  })
  setCooperativeMemberRole(
    @Arg("input", () => SetMemberRoleInput, { description: "Cooperative, member and role." }) input: SetMemberRoleInput,
    @Ctx() ctx: Context,
  ) {
    return invitations.setMemberRole(ctx, input);
  }

  @FieldResolver(() => Cooperative, { description: "The cooperative the person is invited to." })
  cooperative(@Root() invitation: CooperativeInvitation, @Ctx() { em }: Context): Promise<Cooperative> {
    return em.findOneOrFail(Cooperative, { id: invitation.cooperative.id });
  }

  @FieldResolver(() => String, { nullable: true, description: "The name of the person who sent it (null once their account is gone)." })
  async invitedByName(@Root() invitation: CooperativeInvitation, @Ctx() { em }: Context): Promise<string | null> {
    if (!invitation.invitedBy) return null;
    return (await em.findOne(User, { id: invitation.invitedBy.id }))?.name ?? null;
  }
}

@Resolver(() => Cooperative)
export class CooperativeInvitationsResolver {
  @FieldResolver(() => [CooperativeInvitation], {
    nullable: true,
    description: "Pending invitations to join: visible to the cooperative's owners, officers and admins; null for others.",
  })
  invitations(@Root() cooperative: Cooperative, @Ctx() ctx: Context): Promise<CooperativeInvitation[] | null> {
    return invitations.pendingInvitations(ctx, cooperative.id);
  }
}
