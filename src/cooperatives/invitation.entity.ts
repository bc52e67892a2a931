import { Entity, Enum, Index, ManyToOne, Property, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, ObjectType, registerEnumType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { Cooperative } from "./cooperative.entity";
import { MemberRole } from "./cooperative.enums";

export enum InvitationStatus {
  PENDING = "PENDING",
  ACCEPTED = "ACCEPTED",
  DECLINED = "DECLINED",
  REVOKED = "REVOKED",
}

registerEnumType(InvitationStatus, {
  name: "CooperativeInvitationStatus",
  description: "Where an invitation to join a cooperative stands.",
  valuesConfig: {
    PENDING: { description: "Sent; waiting for the person's answer (until it expires)." },
    ACCEPTED: { description: "Accepted: the person is a member." },
    DECLINED: { description: "Declined by the person." },
    REVOKED: { description: "Withdrawn by the cooperative before an answer." },
  },
});

/**
 * An invitation to join a cooperative, sent to an e-mail address: the person with an account on
 * that address accepts or declines it. Nobody becomes a member without accepting.
 */
@ObjectType({ implements: Node, description: "An invitation to join a cooperative, sent to an e-mail address; the person accepts or declines it." })
@Entity({ tableName: "cooperative_invitations" })
export class CooperativeInvitation extends BaseEntity {
  @ManyToOne(() => Cooperative, { deleteRule: "cascade" })
  @Index()
  cooperative!: Cooperative;

  @Field({ description: "The address invited, lower-case." })
  @Property({ type: "string", length: 254 })
  @Index()
  email!: string;

  @Field(() => MemberRole, { description: "The role the person gets on accepting." })
  @Enum({ items: () => MemberRole, nativeEnumName: "member_role" })
  role: Opt<MemberRole> = MemberRole.MEMBER;

  /** Who sent it (kept as a name for the invitee; null once that account is deleted). */
  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  invitedBy: User | null = null;

  @Field(() => InvitationStatus, { description: "Where it stands." })
  @Enum({ items: () => InvitationStatus, nativeEnumName: "cooperative_invitation_status" })
  status: Opt<InvitationStatus> = InvitationStatus.PENDING;

  @Field(() => GraphQLDateTimeISO, { description: "After this, a pending invitation can no longer be accepted." })
  @Property({ type: "datetime" })
  expiresAt!: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When it was accepted, declined or revoked." })
  @Property({ type: "datetime", nullable: true })
  answeredAt: Date | null = null;
}
