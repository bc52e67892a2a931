import { User } from "../../auth/user.entity";
import { BadInputError, UnauthenticatedError } from "../../common/errors";
import { decodeId, toGlobalId } from "../../common/node";
import * as v from "../../common/validate";
import type { EntityManager } from "@mikro-orm/postgresql";
import { endOnAccessLoss, type Context } from "../../context";
import { BidEventStream } from "./bid-stream";
import type { SharedSubscription } from "../../realtime/shared-execution";
import { PresenceStream, PRESENCE_TTL_MS, sendHeartbeat, type PresenceEntry } from "./presence";
import { accessToBid } from "../bid.access";
import type { BidEvent } from "../bid.entity";
import type { BidPresenceInput } from "../bid.inputs";
import { canOnBid } from "../bid.policy";
import { loadBid } from "../bid.queries";
import type { BidPresence } from "../bid.types";

/**
 * `bidEvents` shares its per-event results across subscribers (realtime/shared-execution.ts) when
 * they select only these fields of BidEvent, which read the event's own columns and nothing else.
 */
export const BID_EVENTS_SHARED: SharedSubscription = {
  field: "bidEvents",
  pureFields: new Set(["id", "seq", "type", "payload", "actorId", "clientMutationId", "createdAt", "updatedAt"]),
};

/**
 * `bidEvents`: checks access, then streams the bid's log after `afterSeq` (default: the head
 * now), replaying from the table first. Each event is resolved with a fresh entity manager.
 */
export async function subscribeBidEvents(ctx: Context, args: { bidId: string; afterSeq?: number | null }): Promise<AsyncIterableIterator<BidEvent>> {
  if (ctx.viewer.kind === "ANONYMOUS") throw new UnauthenticatedError();
  const bid = await loadBid(ctx, args.bidId, "bidId");
  const head = await ctx.loaders.bidHeadSeq.load(bid.id);
  const afterSeq = args.afterSeq == null ? head : v.integer("afterSeq", args.afterSeq, 0, 2_000_000_000);
  if (afterSeq > head) throw new BadInputError("afterSeq", `is after the last event of the bid (${head})`);
  const { orm } = ctx.app;
  const viewer = ctx.viewer;
  const started = Date.now();
  ctx.log.info({ bidId: bid.id, afterSeq, viewer: viewer.kind === "USER" ? viewer.userId : null }, "subscription start: bidEvents");
  const mayRead = async (em: EntityManager) => canOnBid(await accessToBid(em, viewer, bid.id), "read");
  const stream: BidEventStream = new BidEventStream({
    feeds: ctx.app.live.feeds,
    bidId: bid.id,
    afterSeq,
    fork: () => orm.em.fork(),
    mayRead,
    // Each event is resolved with a fresh entity manager and fresh loaders, forked only if a
    // field resolver of the event asks for them (most selections read the event's own columns).
    beforeEach: () => ctx.renew(),
    onEnd: (reason) => ctx.log.info({ bidId: bid.id, reason, lastSeq: stream.lastSeq, ms: Date.now() - started }, "subscription stop: bidEvents"),
  });
  return endOnAccessLoss(ctx, stream, () => mayRead(orm.em.fork()));
}

function toPresence(bidId: string, entries: PresenceEntry[]): BidPresence {
  return {
    bidId: toGlobalId("Bid", bidId),
    online: entries.map((e) => ({
      userId: toGlobalId("User", e.userId),
      name: e.name,
      sectionId: e.sectionId ? toGlobalId("BidSection", e.sectionId) : null,
      lastSeenAt: new Date(e.lastSeenAt),
    })),
  };
}

/** `bidPresence`: who is online in the bid, now and after every change. */
export async function subscribeBidPresence(ctx: Context, args: { bidId: string }): Promise<AsyncIterableIterator<BidPresence>> {
  if (ctx.viewer.kind === "ANONYMOUS") throw new UnauthenticatedError();
  const bid = await loadBid(ctx, args.bidId, "bidId");
  const viewer = ctx.viewer;
  const { orm } = ctx.app;
  const mayRead = async () => canOnBid(await accessToBid(orm.em.fork(), viewer, bid.id), "read");
  const stream = new PresenceStream({ hub: ctx.app.live.presence, bidId: bid.id, mayRead });
  const iterator: AsyncIterableIterator<BidPresence> = {
    next: async () => {
      const result = await stream.next();
      return result.done ? { value: undefined, done: true } : { value: toPresence(bid.id, result.value), done: false };
    },
    return: async () => {
      await stream.return();
      return { value: undefined, done: true };
    },
    throw: async (error: unknown) => {
      await stream.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return endOnAccessLoss(ctx, iterator, mayRead);
}

/** A heartbeat: the viewer is online in the bid (on a section or none) for PRESENCE_TTL_MS. */
export async function heartbeat(ctx: Context, input: BidPresenceInput): Promise<number> {
  const bid = await loadBid(ctx, input.bidId, "input.bidId");
  if (ctx.viewer.kind !== "USER") throw new UnauthenticatedError();
  let sectionId: string | null = null;
  if (input.sectionId != null) {
    sectionId = decodeId("BidSection", input.sectionId, "input.sectionId");
    const rows = await ctx.em.execute<{ bid_id: string }[]>("SELECT bid_id FROM bid_sections WHERE id = ?", [sectionId]);
    if (rows[0]?.bid_id !== bid.id) throw new BadInputError("input.sectionId", "is not a section of this bid");
  }
  const user = await ctx.em.findOneOrFail(User, { id: ctx.viewer.userId });
  await sendHeartbeat(ctx.em, bid.id, { userId: user.id, name: user.name, sectionId, lastSeenAt: Date.now() }, input.leaving === true);
  return Math.round(PRESENCE_TTL_MS / 1000);
}
