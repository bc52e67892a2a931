import { LockMode } from "@mikro-orm/core";
import { announceAccessChange } from "../auth/access-change";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { BadInputError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import * as v from "../common/validate";
import { Membership } from "./cooperative.entity";
import { MemberRole } from "./cooperative.enums";
import { roleIn, type Actor } from "../auth/actor";
import { authorizedCooperative } from "./cooperative.queries";
import { assertNotLastOwner } from "./cooperative.usecases";
import { canOnCooperative } from "./cooperative.policy";
import { CooperativeInvitation, InvitationStatus } from "./invitation.entity";
import type { AnswerCooperativeInvitationInput, InviteMemberInput, SetMemberRoleInput } from "./invitation.inputs";

/** How long a person has to answer. */
export const INVITATION_TTL_DAYS = 14;

function memberRole(field: string, role: MemberRole): MemberRole {
  if (!Object.values(MemberRole).includes(role)) throw new BadInputError(field, "is not a role");
  return role;
}

/**
 * Invites an address to a cooperative (owners, officers, admins). The answer is the same
 * whatever the address: no account, a client's account, a member already. Inviting an address
 * again while its invitation is pending renews that invitation (role, expiry, sender).
 */
export async function inviteMember(actor: Actor, input: InviteMemberInput): Promise<CooperativeInvitation> {
  const cooperative = await authorizedCooperative(actor, input.cooperativeId, "edit", "input.cooperativeId");
  const email = v.email("input.email", input.email);
  const role = memberRole("input.role", input.role);
  const invitedBy = actor.viewer.kind === "USER" ? actor.viewer.userId : null;
  const expiresAt = new Date(Date.now() + INVITATION_TTL_DAYS * 86400_000);
  const id = await actor.em.transactional(async (em) => {
    // One statement, so that two concurrent invitations of one address settle on one row.
    const [row] = await em.execute<{ id: string }[]>(
      `INSERT INTO cooperative_invitations (id, cooperative_id, email, role, invited_by_id, status, expires_at)
       VALUES (gen_random_uuid(), ?, ?, ?, ?, 'PENDING', ?)
       ON CONFLICT (cooperative_id, email) WHERE status = 'PENDING'
       DO UPDATE SET role = excluded.role, invited_by_id = excluded.invited_by_id, expires_at = excluded.expires_at, updated_at = now()
       RETURNING id`,
      [cooperative.id, email, role, invitedBy, expiresAt],
    );
    // INVITATION MAIL: the invitation e-mail (a link to sign in or sign up and answer) is enqueued
    // here, in this transaction, once the mail outbox exists (being built with sign-up).
    return row!.id;
  });
  return actor.em.findOneOrFail(CooperativeInvitation, { id }, { refresh: true });
}

/** The viewer's e-mail, from their account. */
async function viewerEmail(actor: Actor): Promise<{ userId: string; email: string; role: PlatformRole }> {
  if (actor.viewer.kind !== "USER") throw new ForbiddenError("Only a person answers an invitation.");
  const user = await actor.em.findOneOrFail(User, { id: actor.viewer.userId });
  return { userId: user.id, email: user.email, role: user.role };
}

/** The viewer's pending invitations (sent to their address, not expired), newest first. */
export async function myInvitations(actor: Actor): Promise<CooperativeInvitation[]> {
  const { email } = await viewerEmail(actor);
  return actor.em.find(
    CooperativeInvitation,
    { email, status: InvitationStatus.PENDING, expiresAt: { $gt: new Date() } },
    { orderBy: { createdAt: "desc", id: "desc" } },
  );
}

/**
 * The invitee accepts (becoming a member with the invitation's role; a member already keeps their
 * role) or declines. An invitation sent to another address answers like a missing one.
 */
export async function answerInvitation(actor: Actor, input: AnswerCooperativeInvitationInput): Promise<CooperativeInvitation> {
  const id = decodeId("CooperativeInvitation", input.invitationId, "input.invitationId");
  if (typeof input.accept !== "boolean") throw new BadInputError("input.accept", "must be true or false");
  const invitee = await viewerEmail(actor);
  const answered = await actor.em.transactional(async (em) => {
    const invitation = await em.findOne(CooperativeInvitation, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!invitation || invitation.email !== invitee.email) throw new NotFoundError("CooperativeInvitation", input.invitationId);
    if (invitation.status !== InvitationStatus.PENDING) {
      throw new InvalidStateError(`This invitation is already ${invitation.status.toLowerCase()}.`);
    }
    if (invitation.expiresAt.getTime() <= Date.now()) throw new InvalidStateError("This invitation has expired; ask the cooperative for a new one.");
    if (input.accept && invitee.role === PlatformRole.CLIENT) {
      throw new ForbiddenError("A client account cannot join a cooperative: ask the cooperative to invite the address of a member account.");
    }
    invitation.status = input.accept ? InvitationStatus.ACCEPTED : InvitationStatus.DECLINED;
    invitation.answeredAt = new Date();
    await em.flush();
    if (input.accept) {
      await em.execute(
        `INSERT INTO memberships (id, cooperative_id, user_id, role) VALUES (gen_random_uuid(), ?, ?, ?)
         ON CONFLICT (cooperative_id, user_id) DO NOTHING`,
        [invitation.cooperative.id, invitee.userId, invitation.role],
      );
      // The person now reads this cooperative's bids: their open sockets learn it at once.
      await announceAccessChange(em, { userIds: [invitee.userId] });
    }
    return invitation;
  });
  return answered;
}

/** Loads an invitation for the people who manage its cooperative; anyone else gets NOT_FOUND. */
async function managedInvitation(actor: Actor, globalId: string, field: string): Promise<CooperativeInvitation> {
  const id = decodeId("CooperativeInvitation", globalId, field);
  const invitation = await actor.em.findOne(CooperativeInvitation, { id });
  if (!invitation || !canOnCooperative(actor.viewer, "edit", await roleIn(actor, invitation.cooperative.id))) {
    throw new NotFoundError("CooperativeInvitation", globalId);
  }
  return invitation;
}

/** Withdraws a pending invitation (owners, officers, admins). */
export async function revokeInvitation(actor: Actor, globalId: string): Promise<CooperativeInvitation> {
  const invitation = await managedInvitation(actor, globalId, "invitationId");
  const updated = await actor.em.nativeUpdate(
    CooperativeInvitation,
    { id: invitation.id, status: InvitationStatus.PENDING },
    { status: InvitationStatus.REVOKED, answeredAt: new Date() },
  );
  if (updated === 0) throw new InvalidStateError("Only a pending invitation can be revoked.");
  return actor.em.findOneOrFail(CooperativeInvitation, { id: invitation.id }, { refresh: true });
}

/** The pending invitations of a cooperative, for those who manage it (null for others). */
export async function pendingInvitations(actor: Actor, cooperativeId: string): Promise<CooperativeInvitation[] | null> {
  if (!canOnCooperative(actor.viewer, "edit", await roleIn(actor, cooperativeId))) return null;
  return actor.loaders.pendingInvitationsByCooperative.load(cooperativeId);
}

/** Changes an existing member's role (owners, officers, admins); the last owner stays an owner. */
export async function setMemberRole(actor: Actor, input: SetMemberRoleInput): Promise<Membership> {
  const cooperative = await authorizedCooperative(actor, input.cooperativeId, "edit", "input.cooperativeId");
  const userId = decodeId("User", input.userId, "input.userId");
  const role = memberRole("input.role", input.role);
  return actor.em.transactional(async (em) => {
    const membership = await em.findOne(Membership, { cooperative, user: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ["user"] });
    if (!membership) throw new NotFoundError("Membership");
    if (membership.role === role) return membership;
    await assertNotLastOwner(em, membership, role);
    membership.role = role;
    await em.flush();
    await announceAccessChange(em, { userIds: [userId] });
    return membership;
  });
}
