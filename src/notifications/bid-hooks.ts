import type { EntityManager } from "@mikro-orm/postgresql";
import { toGlobalId } from "../common/node";
import { NotificationKind } from "./notification.enums";
import { notifyPeople } from "./notify";
import { peopleOfCooperatives } from "./recipients";

/*
 * What the bid use cases tell people, called inside their transaction (src/bids/, src/matching/):
 * the texts and keys live here so the long bid services gain one line per hook.
 */

/** A cooperative invited into a bid (BID_INVITATION), once per invitation (its member version). */
export async function notifyBidInvitation(
  em: EntityManager,
  invitation: { bidId: string; bidTitle: string; cooperativeId: string; memberId: string; version: number },
  actorId: string | null,
): Promise<void> {
  await notifyPeople(
    em,
    await peopleOfCooperatives(em, [invitation.cooperativeId]),
    {
      kind: NotificationKind.BID_INVITATION,
      text: `Votre coopérative est invitée à rejoindre l'offre « ${invitation.bidTitle} »`,
      subjectId: toGlobalId("BidMember", invitation.memberId),
      dedupeKey: `bid-invitation:${invitation.memberId}:${invitation.version}`,
    },
    { except: actorId },
  );
}

/** A section assigned to someone (SECTION_ASSIGNED) or sent for their review (SECTION_REVIEW_REQUESTED). */
export async function notifySection(
  em: EntityManager,
  kind: NotificationKind.SECTION_ASSIGNED | NotificationKind.SECTION_REVIEW_REQUESTED,
  section: { id: string; title: string; version: number },
  bidTitle: string,
  userIds: readonly string[],
  actorId: string | null,
): Promise<void> {
  const text =
    kind === NotificationKind.SECTION_ASSIGNED
      ? `La section « ${section.title} » de l'offre « ${bidTitle} » vous est confiée`
      : `La section « ${section.title} » de l'offre « ${bidTitle} » attend votre relecture`;
  await notifyPeople(
    em,
    userIds,
    {
      kind,
      text,
      subjectId: toGlobalId("BidSection", section.id),
      dedupeKey: `${kind === NotificationKind.SECTION_ASSIGNED ? "assigned" : "review"}:${section.id}:${section.version}`,
    },
    { except: actorId },
  );
}
