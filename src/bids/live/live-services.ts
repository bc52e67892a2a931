import type { MikroORM } from "@mikro-orm/postgresql";
import { notify, type PgBus } from "../../realtime/bus";
import { SectionCompactor } from "../sections/compactor";
import { SectionDocs } from "../sections/section-docs";
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
  /** Group commit of text updates (bid_apply_section_update). */
  writer: SectionWriter;
  /** One reader of each bid's log for its local subscribers. */
  feeds: BidFeeds;
  /** Who is online in each bid (ephemeral). */
  presence: PresenceHub;
  /** Section snapshots, off the hot path. */
  compactor: SectionCompactor;
}

export function createBidLive(orm: MikroORM, bus: PgBus): BidLive {
  const fork = () => orm.em.fork();
  const docs = new SectionDocs();
  return {
    docs,
    writer: new SectionWriter(fork(), bus),
    feeds: new BidFeeds(bus, fork, docs),
    presence: new PresenceHub(bus, (bidId, message) => notify(fork(), presenceChannel(bidId), message)),
    compactor: new SectionCompactor(fork, docs),
  };
}
