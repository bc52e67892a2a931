import type { EntityManager } from "@mikro-orm/postgresql";
import { toGlobalId } from "../common/node";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";
import { peopleOfCooperatives } from "../notifications/recipients";
import { User } from "../auth/user.entity";
import { isStaff, type Viewer } from "../auth/viewer";
import { BadInputError, ForbiddenError, InvalidStateError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import * as v from "../common/validate";
import { Membership } from "../cooperatives/cooperative.entity";
import type { Actor } from "../auth/actor";
import { loadCooperative } from "../cooperatives/cooperative.queries";
import { assertVerifiedCooperative } from "../cooperatives/cooperative.status";
import { notify } from "../realtime/bus";
import { ShortlistEntry, Tender } from "./tender.entity";
import { InvitationAnswer, TenderStatus } from "./tender.enums";
import type { AnswerInvitationInput, ShortlistInput } from "./tender.inputs";
import { loadTender } from "./tender.queries";

/** The channel of new invitations; the payload names the entry and its cooperative. */
export const INVITATIONS_CHANNEL = "invitations";

export interface InvitationEvent {
  entryId: string;
  cooperativeId: string;
}

/** An officer shortlists a cooperative for an open tender, which invites it (live, to its members). */
export async function shortlistCooperative(actor: Actor, input: ShortlistInput): Promise<ShortlistEntry> {
  const tender = await loadTender(actor, input.tenderId, "shortlist", "input.tenderId");
  const cooperative = await loadCooperative(actor, input.cooperativeId, "input.cooperativeId");
  assertVerifiedCooperative(cooperative, "be shortlisted");
  const note = v.optionalText("input.note", input.note, { max: 2000, multiline: true });
  if (tender.status !== TenderStatus.OPEN) {
    throw new InvalidStateError(`Cooperatives are invited to OPEN tenders only; this one is ${tender.status}.`);
  }
  const existing = await actor.em.findOne(ShortlistEntry, { tender, cooperative });
  if (existing) {
    // Shortlisting again only updates the note: the cooperative is not invited twice.
    existing.note = note;
    await actor.em.flush();
    return existing;
  }
  const invitedBy = actor.viewer.kind === "USER" ? actor.viewer.userId : null;
  return actor.em.transactional(async (em) => {
    const entry = em.create(ShortlistEntry, {
      tender: em.getReference(Tender, tender.id),
      cooperative: cooperative.id,
      note,
      invitedBy: invitedBy ? em.getReference(User, invitedBy) : null,
    });
    await em.flush();
    const event: InvitationEvent = { entryId: entry.id, cooperativeId: cooperative.id };
    await notify(em, INVITATIONS_CHANNEL, event);
    // The inbox keeps it for members who are not connected now.
    await notifyPeople(
      em,
      await peopleOfCooperatives(em, [cooperative.id]),
      {
        kind: NotificationKind.SHORTLIST_INVITATION,
        text: `${cooperative.name} est présélectionnée pour « ${tender.title} »`,
        subjectId: toGlobalId("ShortlistEntry", entry.id),
        dedupeKey: `shortlist:${entry.id}`,
      },
      { except: invitedBy },
    );
    return entry;
  });
}

export async function isMemberOf(em: EntityManager, viewer: Viewer, cooperativeId: string): Promise<boolean> {
  if (viewer.kind !== "USER") return false;
  return (await em.count(Membership, { cooperative: cooperativeId, user: viewer.userId })) > 0;
}

/** Staff see every entry; a member sees their cooperatives' entries; anyone else none (NOT_FOUND). */
export async function loadEntry(actor: Actor, globalId: string, field: string): Promise<ShortlistEntry> {
  const id = decodeId("ShortlistEntry", globalId, field);
  const entry = await actor.em.findOne(ShortlistEntry, { id }, { populate: ["tender"] });
  if (!entry) throw new NotFoundError("Invitation", globalId);
  if (!isStaff(actor.viewer) && !(await isMemberOf(actor.em, actor.viewer, entry.cooperative.id))) {
    throw new NotFoundError("Invitation", globalId);
  }
  return entry;
}

/** A member of the invited cooperative answers for it, while the tender is open. */
export async function answerInvitation(actor: Actor, input: AnswerInvitationInput, now = new Date()): Promise<ShortlistEntry> {
  const entry = await loadEntry(actor, input.invitationId, "input.invitationId");
  if (input.answer !== InvitationAnswer.INTERESTED && input.answer !== InvitationAnswer.DECLINED) {
    throw new BadInputError("input.answer", "must be INTERESTED or DECLINED");
  }
  if (!(await isMemberOf(actor.em, actor.viewer, entry.cooperative.id))) {
    throw new ForbiddenError("Only the members of the invited cooperative answer its invitation.");
  }
  if (entry.tender.status !== TenderStatus.OPEN) {
    throw new InvalidStateError(`The tender is ${entry.tender.status}: invitations can no longer be answered.`);
  }
  entry.answer = input.answer;
  entry.answeredAt = now;
  entry.answeredBy = actor.em.getReference(User, (actor.viewer as { userId: string }).userId);
  await actor.em.flush();
  return entry;
}

/** The entries of a tender the viewer may see: all for staff, their cooperatives' for members. */
export async function visibleShortlist(actor: Actor, tender: Tender): Promise<ShortlistEntry[]> {
  const entries = await actor.loaders.shortlistByTender.load(tender.id);
  if (isStaff(actor.viewer)) return entries;
  if (actor.viewer.kind !== "USER") return [];
  const roles = await actor.loaders.rolesOfUser.load(actor.viewer.userId);
  return entries.filter((e) => roles.has(e.cooperative.id));
}
