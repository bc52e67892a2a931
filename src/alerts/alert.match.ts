import type { EntityManager } from "@mikro-orm/postgresql";
import { EARTH_RADIUS_KM } from "../common/geo";
import { toGlobalId } from "../common/node";
import type { Mailer } from "../mail/mailer";
import { NotificationKind } from "../notifications/notification.enums";
import { notifyPeople } from "../notifications/notify";
import { alertMail, alertText, type MatchedTender } from "./alert.text";
import { AlertDelivery } from "./saved-search.enums";
import { SEARCHING_ROLES } from "./saved-search.policy";

/**
 * The one definition of "tender `t` matches saved search `s` of owner `u`", as SQL, used by the
 * alerts (one tender, every search) and the feeds (one search, every tender). It needs the
 * lateral `d.doc` (see DOC_SQL). The owner must still be a searching role and be able to read the
 * tender (the rule of `canReadTender` for an OPEN tender: a direct order only for the staff and
 * the people of a cooperative shortlisted for it).
 */
export const MATCH_SQL = `t.status = 'OPEN'
  AND u.role::text IN (${SEARCHING_ROLES.map((r) => `'${r}'`).join(", ")})
  AND (t.kind <> 'DIRECT_ORDER' OR u.role IN ('MISSION_OFFICER', 'ADMIN') OR EXISTS (
        SELECT 1 FROM shortlist_entries se JOIN memberships m ON m.cooperative_id = se.cooperative_id
         WHERE se.tender_id = t.id AND m.user_id = u.id))
  AND (cardinality(s.kinds) = 0 OR t.kind::text = ANY (s.kinds))
  AND (cardinality(s.cpv_prefixes) = 0 OR t.cpv_prefixes && s.cpv_prefixes)
  AND (s.min_value IS NULL OR t.estimated_value >= s.min_value)
  AND ((cardinality(s.department_codes) = 0 AND cardinality(s.region_codes) = 0 AND s.near_latitude IS NULL)
       OR t.department_code = ANY (s.department_codes)
       OR t.region_code = ANY (s.region_codes)
       OR (s.near_latitude IS NOT NULL AND t.latitude IS NOT NULL AND ${EARTH_RADIUS_KM} * 2 * asin(sqrt(
             power(sin(radians(t.latitude - s.near_latitude) / 2), 2)
             + cos(radians(s.near_latitude)) * cos(radians(t.latitude)) * power(sin(radians(t.longitude - s.near_longitude) / 2), 2)))
           <= s.near_radius_km))
  AND (cardinality(s.keywords) = 0 OR EXISTS (
        SELECT 1 FROM unnest(s.keywords) k(word)
         WHERE search_fold(k.word) <> '' AND d.doc LIKE '% ' || search_fold(k.word) || '%'))`;

/**
 * The folded text keywords are looked for in: title, description, and the lots' titles and
 * descriptions, padded with spaces so that a keyword matches from the start of a word. `OFFSET 0`
 * keeps PostgreSQL from inlining it into every comparison: folded once per tender, not once per
 * search and keyword (10,000 searches: 11 s without, see the report).
 */
export const DOC_SQL = `CROSS JOIN LATERAL (SELECT ' ' || search_fold(concat_ws(' ', t.title, t.description,
    (SELECT string_agg(concat_ws(' ', l.title, l.description), ' ') FROM lots l WHERE l.tender_id = t.id))) || ' ' AS doc OFFSET 0) d`;

/** What the alerts need of the app to send e-mails (the outbox) and build links. */
export interface AlertDeps {
  mailer: Pick<Mailer, "enqueue">;
  /** Base of the links: the front-end (APP_URL). */
  appUrl: string;
}

interface MatchRow extends MatchedTender {
  search_id: string;
  search_name: string;
  owner_id: string;
  owner_email: string;
  delivery: AlertDelivery;
}

/**
 * Tells the owners of the saved searches that a tender which just opened matches them: one
 * SAVED_SEARCH_MATCH notification per search (dedupe key `search:<searchId>:<tenderId>`, so
 * once even if the tender is re-imported or re-published), and an e-mail through the outbox for
 * the searches that ask for it. Runs in the caller's transaction (the one that opens the tender):
 * nothing is written if it rolls back. Without `deps` (no mailer at hand), inbox only.
 * Returns how many notifications were written.
 */
export async function alertSavedSearches(em: EntityManager, tenderId: string, deps: AlertDeps | null): Promise<number> {
  const rows = await em.execute<MatchRow[]>(
    `SELECT s.id AS search_id, s.name AS search_name, s.owner_id, u.email AS owner_email, s.delivery,
            t.id, t.title, t.buyer_name, t.city, t.department_code, t.submission_deadline, t.estimated_value, t.currency, t.cpv_codes
       FROM tenders t
       ${DOC_SQL}
       JOIN saved_searches s ON TRUE
       JOIN users u ON u.id = s.owner_id
      WHERE t.id = ? AND ${MATCH_SQL}
        -- Already told (a tender reopened): skipped here rather than refused one by one on insert.
        AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.recipient_id = s.owner_id AND n.dedupe_key = 'search:' || s.id || ':' || t.id)
      ORDER BY s.created_at, s.id`,
    [tenderId],
  );
  let written = 0;
  // Each search says whether it mails (its own alert mail, below), so the per-kind preferences
  // and the daily digest leave these notifications alone.
  for (const row of rows) {
    const notified = await notifyPeople(
      em,
      [row.owner_id],
      {
        kind: NotificationKind.SAVED_SEARCH_MATCH,
        text: alertText(row.search_name, row),
        subjectId: toGlobalId("Tender", row.id),
        dedupeKey: `search:${row.search_id}:${row.id}`,
      },
      { mailHandled: true },
    );
    written += notified.length;
    if (notified.length > 0 && deps && row.delivery === AlertDelivery.INBOX_AND_EMAIL) {
      await deps.mailer.enqueue(em, alertMail(row.owner_email, row.search_name, row, deps.appUrl));
    }
  }
  return written;
}

/** The alerts' dependencies from the app's services (the outbox and the links' base). */
export function alertDepsOf(app: { mailer: Pick<Mailer, "enqueue">; config: { mail: { appUrl: string } } }): AlertDeps {
  return { mailer: app.mailer, appUrl: app.config.mail.appUrl };
}
