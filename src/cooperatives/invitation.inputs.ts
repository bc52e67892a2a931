import { Field, ID, InputType } from "type-graphql";
import { MemberRole } from "./cooperative.enums";

@InputType({ description: "Inviting a person, by e-mail address, to join a cooperative." })
export class InviteMemberInput {
  @Field(() => ID, { description: "The cooperative." })
  cooperativeId!: string;

  @Field({ description: "The person's e-mail address (with or without an account yet)." })
  email!: string;

  @Field(() => MemberRole, { defaultValue: MemberRole.MEMBER, description: "The role they get on accepting." })
  role!: MemberRole;
}

@InputType({ description: "The invitee's answer to an invitation." })
export class AnswerCooperativeInvitationInput {
  @Field(() => ID, { description: "The invitation." })
  invitationId!: string;

  @Field({ description: "true to accept (and become a member), false to decline." })
  accept!: boolean;
}

@InputType({ description: "Changing the role of an existing member." })
export class SetMemberRoleInput {
  @Field(() => ID, { description: "The cooperative." })
  cooperativeId!: string;

  @Field(() => ID, { description: "The member (a User id)." })
  userId!: string;

  @Field(() => MemberRole, { description: "The new role; a cooperative keeps at least one owner." })
  role!: MemberRole;
}
