import type { EntityManager } from "@mikro-orm/postgresql";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { roleIn } from "../auth/actor";
import { CooperativeStatus } from "../cooperatives/cooperative.enums";
import { assertVerifiedCooperative } from "../cooperatives/cooperative.status";
import { NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import { createLoaders, endOnAccessLoss, type Context } from "../context";
import { mapIterator, subscribe } from "../realtime/bus";
import { Lot, Tender } from "../tenders/tender.entity";
import { TenderStatus } from "../tenders/tender.enums";
import { TENDER_PUBLISHED, type TenderPublished } from "../tenders/tender.events";
import { viewerCanRead } from "../tenders/tender.queries";
import { demandOf } from "./matching.service";
import { authorizeMatching, canSeeCooperativeFit } from "./matching.policy";
import type { Opportunity } from "./matching.types";
import { DEFAULT_PROXIMITY, DEFAULT_WEIGHTS, scoreCandidate, type MatchScore } from "./scoring";
import { loadProfiles } from "./matching.candidates";

/**
 * `opportunities(cooperative)`: listens for published tenders and delivers those that score at
 * or above the cooperative's threshold. Authorized at start; each event is scored with a fresh
 * entity manager, so the threshold and skills in force at that moment apply.
 */
export async function opportunityStream(ctx: Context, cooperativeGlobalId: string): Promise<AsyncIterableIterator<Opportunity>> {
  const id = decodeId("Cooperative", cooperativeGlobalId, "cooperative");
  const cooperative = await ctx.em.findOne(Cooperative, { id });
  if (!cooperative) throw new NotFoundError("Cooperative", cooperativeGlobalId);
  authorizeMatching(canSeeCooperativeFit(ctx.viewer, await roleIn(ctx, id)), "this cooperative's opportunities");
  assertVerifiedCooperative(cooperative, "see opportunities");
  // Someone who leaves the cooperative stops hearing of its opportunities at once.
  const stillAllowed = async () => {
    const em = ctx.app.orm.em.fork();
    return canSeeCooperativeFit(ctx.viewer, await roleIn({ viewer: ctx.viewer, em, loaders: createLoaders(em, ctx.app.live) }, id));
  };
  const stream = mapIterator(subscribe<TenderPublished>(ctx.app.bus, TENDER_PUBLISHED), async ({ tenderId }) => {
    const em = ctx.app.orm.em.fork();
    const [tender, current] = await Promise.all([em.findOne(Tender, { id: tenderId }), em.findOne(Cooperative, { id })]);
    if (!tender || !current || current.status !== CooperativeStatus.VERIFIED || tender.status !== TenderStatus.OPEN) return undefined;
    // The same read rule as `tender(id)`: a client's direct order reaches only those it concerns.
    if (!(await viewerCanRead(em, ctx.viewer, tender))) return undefined;
    const [passing] = await opportunitiesOf(em, tender, [current]);
    return passing ? { ...passing.score, rank: 1, tender } : undefined;
  });
  return endOnAccessLoss(ctx, stream, stillAllowed);
}

/**
 * The one rule of "an opportunity": the cooperatives whose default score for the tender is at or
 * above their own `opportunityThreshold`. Used by this stream and by the OPPORTUNITY notifications
 * (src/notifications/opportunities.ts).
 */
export async function opportunitiesOf(
  em: EntityManager,
  tender: Tender,
  cooperatives: readonly Cooperative[],
  now = new Date(),
): Promise<{ cooperative: Cooperative; score: MatchScore }[]> {
  if (cooperatives.length === 0) return [];
  const lots = await em.find(Lot, { tender });
  const profiles = await loadProfiles(
    em,
    cooperatives.map((c) => ({
      id: c.id,
      name: c.name,
      city: c.city,
      latitude: c.latitude,
      longitude: c.longitude,
      headcount: c.headcount,
      annual_revenue: c.annualRevenue,
      distance_km: null,
    })),
  );
  const byId = new Map(cooperatives.map((c) => [c.id, c]));
  const demand = demandOf(tender, lots, null);
  const passing: { cooperative: Cooperative; score: MatchScore }[] = [];
  for (const profile of profiles) {
    const cooperative = byId.get(profile.id);
    if (!cooperative) continue;
    const score = scoreCandidate(demand, profile, DEFAULT_WEIGHTS, DEFAULT_PROXIMITY, now);
    if (score.score >= cooperative.opportunityThreshold) passing.push({ cooperative, score });
  }
  return passing;
}
