import { APP_URL_TOKEN } from "../mail/mailer";

/*
 * Notification mails are written by SQL in the transaction of the notification (notify.ts) and by
 * the digest job (digest.ts): the text and subject are assembled here, the global id of each
 * notification in SQL. Links name APP_URL through a placeholder that the outbox fills in when it
 * sends (src/mail/mailer.ts), since the code that notifies holds only an entity manager.
 */

/** SQL for a notification's global id (`Notification:<uuid>`, base64url without padding) from a uuid column. */
export function notificationGlobalIdSql(column: string): string {
  return `translate(rtrim(encode(convert_to('Notification:' || ${column}::text, 'UTF8'), 'base64'), '='), E'+/\\n', '-_')`;
}

/** SQL for the link of one notification, from its uuid column. */
export function notificationLinkSql(column: string): string {
  return `'${APP_URL_TOKEN}/notifications/' || ${notificationGlobalIdSql(column)}`;
}

export const SETTINGS_LINE = `Choisir ce qui vous arrive par e-mail : ${APP_URL_TOKEN}/settings/notifications`;

/** The subject of an immediate mail: the notification's own text, cut to the outbox's 300 characters. */
export function immediateSubject(text: string): string {
  return `[Scopgraph] ${text}`.slice(0, 300);
}

/** The body of an immediate mail up to its link (appended in SQL). */
export function immediateIntro(text: string): string {
  return `${text}\n\nVoir : `;
}

export function immediateOutro(): string {
  return `\n\n--\n${SETTINGS_LINE}\n`;
}

export function digestSubject(count: number): string {
  return `[Scopgraph] Votre résumé du jour : ${count} notification${count > 1 ? "s" : ""}`;
}
