import { toGlobalId } from "../common/node";
import { cpvLabel, findDepartment } from "../common/reference/reference";
import type { MailMessage } from "../mail/mailer";

/** The columns of a tender that alerts, mails and feeds show (snake case, as read in SQL). */
export interface MatchedTender {
  id: string;
  title: string;
  buyer_name: string;
  city: string | null;
  department_code: string | null;
  submission_deadline: Date | string | null;
  estimated_value: number | null;
  currency: string;
  cpv_codes: string[];
}

const date = (value: Date | string) => new Date(value).toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long", timeStyle: "short" });
const money = (value: number, currency: string) => `${value.toLocaleString("fr-FR")} ${currency === "EUR" ? "€" : currency} HT`;

/** Where the front-end shows a tender. */
export function tenderLink(appUrl: string, tenderId: string): string {
  return `${appUrl}/tenders/${toGlobalId("Tender", tenderId)}`;
}

/** "Rouen (Seine-Maritime, 76)", or the department alone, or null. */
export function placeOf(t: MatchedTender): string | null {
  const department = t.department_code ? findDepartment(t.department_code) : undefined;
  const dept = department ? `${department.name}, ${department.code}` : t.department_code;
  if (t.city) return dept ? `${t.city} (${dept})` : t.city;
  return dept;
}

/** The facts of a tender, one per line, in French: buyer, place, deadline, value, CPV codes. */
export function tenderFacts(t: MatchedTender): string[] {
  const place = placeOf(t);
  const lines = [`Acheteur : ${t.buyer_name}`];
  if (place) lines.push(`Lieu : ${place}`);
  if (t.submission_deadline) lines.push(`Date limite : ${date(t.submission_deadline)}`);
  if (t.estimated_value !== null) lines.push(`Valeur estimée : ${money(t.estimated_value, t.currency)}`);
  if (t.cpv_codes.length) lines.push(`CPV : ${t.cpv_codes.map((c) => `${c}${cpvLabel(c) ? ` (${cpvLabel(c)})` : ""}`).join(", ")}`);
  return lines;
}

/** The inbox line (at most 500 characters: notifyPeople cuts the rest). */
export function alertText(searchName: string, t: MatchedTender): string {
  return `Recherche « ${searchName} » : ${t.title} (${t.buyer_name})`;
}

export function alertMail(to: string, searchName: string, t: MatchedTender, appUrl: string): MailMessage {
  return {
    to,
    subject: `[Scopgraph] ${searchName} : ${t.title}`.slice(0, 250),
    text: [
      `Un nouvel appel correspond à votre recherche « ${searchName} » :`,
      "",
      t.title,
      ...tenderFacts(t),
      "",
      tenderLink(appUrl, t.id),
      "",
      "Vous recevez ce message parce que cette recherche enregistrée envoie ses alertes par e-mail ;",
      "changez-le avec updateSavedSearch (delivery: INBOX) ou supprimez la recherche.",
    ].join("\n"),
  };
}
