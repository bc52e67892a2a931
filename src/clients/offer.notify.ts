import { peopleOfBid as peopleOfActiveBid } from "../notifications/recipients";
import type { EntityManager } from "@mikro-orm/postgresql";
import { toGlobalId } from "../common/node";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";

/**
 * Who hears of an offer, inside the transaction that changes it. Plain SQL on purpose: the bids
 * feature calls `offerSubmitted` from its submission without importing the clients' services.
 */

/** The people of the order's client: its organisation's accounts, or the person who placed it. */
export async function peopleOfOrderClient(em: EntityManager, tenderId: string): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `SELECT u.id FROM tenders t JOIN users u
        ON (t.client_organisation_id IS NOT NULL AND u.client_organisation_id = t.client_organisation_id AND u.role = 'CLIENT')
        OR (t.client_organisation_id IS NULL AND u.id = t.client_id)
      WHERE t.id = ? AND t.kind = 'DIRECT_ORDER'`,
    [tenderId],
  );
  return rows.map((r) => r.id);
}

/** The people of the cooperatives that took part in the bid (accepted members). */
export function peopleOfBid(em: EntityManager, bidId: string): Promise<string[]> {
  return peopleOfActiveBid(em, bidId, ["ACCEPTED"]);
}

/**
 * OFFER_SUBMITTED: on a direct order, to its client's people and to the officer following it (all
 * mission officers when none is assigned yet); on a public tender, to the officer following it, if any.
 */
export async function offerSubmitted(em: EntityManager, bid: { id: string; title: string }, tenderId: string, actorId: string | null): Promise<void> {
  const [tender] = await em.execute<{ kind: string; title: string; assigned_officer_id: string | null }[]>(
    "SELECT kind, title, assigned_officer_id FROM tenders WHERE id = ?",
    [tenderId],
  );
  if (!tender) return;
  const recipients: string[] = [];
  if (tender.kind === "DIRECT_ORDER") {
    recipients.push(...(await peopleOfOrderClient(em, tenderId)));
    if (tender.assigned_officer_id) recipients.push(tender.assigned_officer_id);
    else {
      const officers = await em.execute<{ id: string }[]>("SELECT id FROM users WHERE role = 'MISSION_OFFICER'");
      recipients.push(...officers.map((o) => o.id));
    }
  } else if (tender.assigned_officer_id) {
    recipients.push(tender.assigned_officer_id);
  }
  await notifyPeople(
    em,
    recipients,
    { kind: NotificationKind.OFFER_SUBMITTED, text: `Offre « ${bid.title} » déposée sur « ${tender.title} ».`, subjectId: toGlobalId("Bid", bid.id) },
    { except: actorId },
  );
}

const ANSWER_TEXT = {
  [NotificationKind.OFFER_ACCEPTED]: (title: string) => `Le client a accepté votre offre « ${title} ».`,
  [NotificationKind.OFFER_DECLINED]: (title: string) => `Le client a décliné votre offre « ${title} ».`,
  [NotificationKind.REVISION_REQUESTED]: (title: string) => `Le client demande une révision de votre offre « ${title} ».`,
} as const;

/** The client's answer, to the people of the bid's cooperatives. */
export async function offerAnswered(
  em: EntityManager,
  kind: keyof typeof ANSWER_TEXT,
  bid: { id: string; title: string },
  actorId: string | null,
): Promise<void> {
  await notifyPeople(
    em,
    await peopleOfBid(em, bid.id),
    { kind, text: ANSWER_TEXT[kind](bid.title), subjectId: toGlobalId("Bid", bid.id) },
    { except: actorId },
  );
}
