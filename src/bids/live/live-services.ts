import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { notify, type PgBus } from "../../realtime/bus";
import { SectionCompactor } from "../sections/compactor";
import { SectionAccess } from "../sections/section-access";
import { SectionDocs } from "../sections/section-docs";
import { SectionHub } from "../sections/section-hub";
import { SectionWriter } from "../sections/section-writer";
import { BidFeeds } from "./bid-feed";
import { presenceChannel } from "./event-log";
import { PresenceHub } from "./presence";

/**
 * The stateful parts of the live path, one of each per process, built once with the app's
 * services (src/app.ts) and passed to whoever needs them: nothing of this lives in a module-level
 * registry, so two servers in one process (the tests' two instances) never share state.
 */
export interface BidLive {
  /** Section documents kept integrated in memory (reads, snapshots, sync). */
  docs: SectionDocs;
  /** Group commit of text updates, per bid (bid_apply_text_updates). */
  writer: SectionWriter;
  /** One reader of each bid's log for its local subscribers. */
  feeds: BidFeeds;
  /** Who is online in each bid (ephemeral). */
  presence: PresenceHub;
  /** Section snapshots, off the hot path. */
  compactor: SectionCompactor;
  /** Per-section streams: provisional relay, durable events, awareness. */
  hub: SectionHub;
  /** Access decisions on sections, cached per socket for the provisional relay. */
  sectionAccess: SectionAccess;
}

export function createBidLive(orm: MikroORM, bus: PgBus, log: Logger): BidLive {
  const fork = () => orm.em.fork();
  const docs = new SectionDocs();
  const feeds = new BidFeeds(bus, fork, docs);
  const sectionAccess = new SectionAccess(fork);
  const knex = orm.em.getConnection().getKnex();
  // Autocommit on a pooled connection: a provisional message is not part of any transaction.
  const notifyNow = async (channel: string, payload: string) => void (await knex.raw("SELECT pg_notify(?, ?)", [channel, payload]));
  return {
    docs,
    writer: new SectionWriter(fork(), bus),
    feeds,
    hub: new SectionHub(bus, feeds, notifyNow, (bidId) => sectionAccess.invalidateBid(bidId), log),
    sectionAccess,
    presence: new PresenceHub(bus, (bidId, message) => notify(fork(), presenceChannel(bidId), message)),
    compactor: new SectionCompactor(fork, docs),
  };
}
