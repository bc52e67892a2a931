import { registerEnumType } from "type-graphql";
import { NotificationKind } from "./notification.enums";

/** How a person wants a kind of notification by e-mail (the inbox always gets it). */
export enum NotificationDelivery {
  NONE = "NONE",
  IMMEDIATE = "IMMEDIATE",
  DAILY_DIGEST = "DAILY_DIGEST",
}

registerEnumType(NotificationDelivery, {
  name: "NotificationDelivery",
  description: "How a kind of notification also goes by e-mail; the inbox gets every notification whatever the choice.",
  valuesConfig: {
    NONE: { description: "Inbox only, no e-mail." },
    IMMEDIATE: { description: "One e-mail per notification, as it happens." },
    DAILY_DIGEST: { description: "Grouped into one e-mail a day (see NOTIFICATION_DIGEST_CRON)." },
  },
});

/**
 * The defaults, the one home of this rule (the SQL of notify.ts and digest.ts receives them as
 * parameters): what asks for an answer soon goes at once, what is informative waits for the
 * digest.
 */
const DEFAULTS: Record<NotificationKind, NotificationDelivery> = {
  NEW_DIRECT_ORDER: NotificationDelivery.IMMEDIATE,
  OPPORTUNITY: NotificationDelivery.DAILY_DIGEST,
  SHORTLIST_INVITATION: NotificationDelivery.IMMEDIATE,
  BID_INVITATION: NotificationDelivery.IMMEDIATE,
  OFFER_PROPOSED: NotificationDelivery.IMMEDIATE,
  SECTION_ASSIGNED: NotificationDelivery.DAILY_DIGEST,
  SECTION_REVIEW_REQUESTED: NotificationDelivery.DAILY_DIGEST,
  NEW_MESSAGE: NotificationDelivery.DAILY_DIGEST,
  OFFER_SUBMITTED: NotificationDelivery.IMMEDIATE,
  OFFER_ACCEPTED: NotificationDelivery.IMMEDIATE,
  OFFER_DECLINED: NotificationDelivery.IMMEDIATE,
  REVISION_REQUESTED: NotificationDelivery.IMMEDIATE,
  AWARD: NotificationDelivery.IMMEDIATE,
  DEADLINE_REMINDER: NotificationDelivery.IMMEDIATE,
  SAVED_SEARCH_MATCH: NotificationDelivery.DAILY_DIGEST,
};

export function defaultDelivery(kind: NotificationKind): NotificationDelivery {
  return DEFAULTS[kind];
}

/** Every kind with its delivery: the person's choices over the defaults. */
export function effectivePreferences(
  chosen: ReadonlyMap<NotificationKind, NotificationDelivery>,
): { kind: NotificationKind; delivery: NotificationDelivery }[] {
  return Object.values(NotificationKind).map((kind) => ({ kind, delivery: chosen.get(kind) ?? DEFAULTS[kind] }));
}

/** The defaults as two parallel arrays literals, for `unnest(?::text[], ?::text[])` in SQL. */
export function defaultsAsArrays(): { kinds: string; deliveries: string } {
  const kinds = Object.values(NotificationKind);
  return { kinds: `{${kinds.join(",")}}`, deliveries: `{${kinds.map((k) => DEFAULTS[k]).join(",")}}` };
}
