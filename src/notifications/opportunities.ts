import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { toGlobalId } from "../common/node";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { CooperativeStatus } from "../cooperatives/cooperative.enums";
import type { JobDefinition } from "../jobs/jobs";
import { opportunitiesOf } from "../matching/opportunity.stream";
import { Tender } from "../tenders/tender.entity";
import { TENDER_PUBLISHED } from "../tenders/tender.events";
import { NotificationKind } from "./notification.enums";
import { notifyPeople } from "./notify";
import { peopleOfCooperatives } from "./recipients";

export const OPPORTUNITY_QUEUE = "opportunity-notifications";

/** A tender that opened longer ago than this is marked done without notifying (old imports, seeds). */
const FRESH = "2 days";

/**
 * Scores each newly opened tender (published, placed, or imported: `opportunities_notified_at`
 * still null) against every verified cooperative, and tells the people of those whose score
 * passes their threshold (the rule of the `opportunities` subscription). Outside the transaction
 * that opened the tender, so that a bulk import does not score 320 cooperatives per notice
 * inline; one tender per transaction, claimed with SKIP LOCKED and marked in the same
 * transaction as its notifications (keyed `opportunity:<tenderId>:<cooperativeId>`). Direct
 * orders are not opportunities: officers dispatch them (NEW_DIRECT_ORDER, shortlists).
 */
export async function notifyOpportunities(orm: MikroORM, now = new Date()): Promise<number> {
  let tenders = 0;
  for (;;) {
    const done = await orm.em.fork().transactional(async (em) => {
      const [row] = await em.execute<{ id: string; fresh: boolean }[]>(
        `SELECT id, coalesce(published_at, created_at) > now() - interval '${FRESH}' AS fresh FROM tenders
          WHERE status = 'OPEN' AND opportunities_notified_at IS NULL ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      if (!row) return false;
      await em.execute("UPDATE tenders SET opportunities_notified_at = now() WHERE id = ?", [row.id]);
      if (row.fresh) await notifyTender(em, row.id, now);
      return true;
    });
    if (!done) return tenders;
    tenders++;
  }
}

async function notifyTender(em: EntityManager, tenderId: string, now: Date): Promise<void> {
  const tender = await em.findOneOrFail(Tender, { id: tenderId });
  if (tender.kind === "DIRECT_ORDER") return;
  const cooperatives = await em.find(Cooperative, { status: CooperativeStatus.VERIFIED });
  for (const { cooperative, score } of await opportunitiesOf(em, tender, cooperatives, now)) {
    await notifyPeople(em, await peopleOfCooperatives(em, [cooperative.id]), {
      kind: NotificationKind.OPPORTUNITY,
      text: `Opportunité pour ${cooperative.name} (score ${Math.round(score.score * 100)} %) : « ${tender.title} »`,
      subjectId: toGlobalId("Tender", tender.id),
      dedupeKey: `opportunity:${tender.id}:${cooperative.id}`,
    });
  }
}

export function opportunityJob(orm: MikroORM, everySeconds: number): JobDefinition {
  return { queue: OPPORTUNITY_QUEUE, everySeconds, wakeOn: TENDER_PUBLISHED, run: async () => void (await notifyOpportunities(orm)) };
}
