import { Cooperative } from "../cooperatives/cooperative.entity";
import { roleIn } from "../cooperatives/cooperative.service";
import { CooperativeStatus } from "../cooperatives/cooperative.enums";
import { assertVerifiedCooperative } from "../cooperatives/cooperative.status";
import { NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import { createLoaders, endOnAccessLoss, type Context } from "../context";
import { mapIterator, subscribe } from "../realtime/bus";
import { Lot, Tender } from "../tenders/tender.entity";
import { TenderStatus } from "../tenders/tender.enums";
import { TENDER_PUBLISHED, type TenderPublished } from "../tenders/tender.events";
import { viewerCanRead } from "../tenders/tender.service";
import { demandOf } from "./matching.service";
import { authorizeMatching, canSeeCooperativeFit } from "./matching.policy";
import type { Opportunity } from "./matching.types";
import { DEFAULT_PROXIMITY, DEFAULT_WEIGHTS, scoreCandidate } from "./scoring";
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
    const lots = await em.find(Lot, { tender });
    const [profile] = await loadProfiles(em, [
      { id: current.id, name: current.name, city: current.city, latitude: current.latitude, longitude: current.longitude, headcount: current.headcount, annual_revenue: current.annualRevenue, distance_km: null },
    ]);
    if (!profile) return undefined;
    const score = scoreCandidate(demandOf(tender, lots, null), profile, DEFAULT_WEIGHTS, DEFAULT_PROXIMITY, new Date());
    if (score.score < current.opportunityThreshold) return undefined;
    return { ...score, rank: 1, tender };
  });
  return endOnAccessLoss(ctx, stream, stillAllowed);
}
