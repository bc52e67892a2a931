import type { EntityManager } from "@mikro-orm/postgresql";
import { User } from "../../auth/user.entity";
import { Bid, BidEvent, BidSection } from "../bid.entity";
import { BidEventType } from "../bid.enums";
import { readOnlyEntity } from "../../common/base.entity";
import type { PgBus } from "../../realtime/bus";
import { bidChannel, noticeHead, type BidEventNotice } from "./event-log";
import type { FollowedEvent, SectionDocs } from "../sections/section-docs";
import { contiguous, HeldRuns } from "./held-runs";

/** Recent events a feed keeps in memory for its subscribers (at least). */
const WINDOW = 2000;
/**
 * Events beyond WINDOW before the oldest go, all at once: trimming one at a time moved the whole
 * window (2,000 references) on every event, 1.2 % of the server's CPU under steady typing.
 */
const TRIM_EVERY = 250;
/** Events read per query. */
const PAGE = 500;
/** A feed also reads the table this often, should a notification ever go missing. */
const SAFETY_POLL_MS = 5000;
/** The cached section documents move along the feed at most this often (a read loads what they lack). */
const FOLLOW_EVERY_MS = 50;
/**
 * Events heard past a hole wait this long for the ones before it (held-runs.ts), then the table
 * is read. The other statement's answer is usually a millisecond away; a lost notification is not.
 */
const HOLE_WAIT_MS = 30;
/** Runs held past a hole at most; one more and the table is read. */
const MAX_HELD = 32;

/**
 * One reader of a bid's log per process: on each notification (or bus reconnection) it reads
 * the events after the last one it has, once, for every local subscriber, and keeps a window of
 * recent events. A notification that carries its event (most do: bid_event_notice) and follows
 * the last one spares the read. Subscribers take their next events from the window, and read the
 * table themselves only when they are behind it (a replay, or a slow client). The table stays the
 * truth: the feed never invents an order, it takes events by seq, and anything out of step (a
 * notification lost while the bus reconnected, or too large to carry its event) sends it back to
 * the table. Events heard past a hole (a commit heard by NOTIFY after a later one answered here)
 * wait a moment for the ones before them, and go back to the table only if those never come.
 */
export class BidFeed {
  private events: BidEvent[] = [];
  /** Seq of the last event read (the bid's head when the feed opened, at first). */
  private head = 0;
  private reading: Promise<void> | null = null;
  private again = false;
  private readonly listeners = new Set<() => void>();
  private offs: (() => void)[] = [];
  private poll: NodeJS.Timeout | null = null;
  /** Until the head is known, notifications wait for the first read (it takes them all). */
  private opened = false;
  readonly ready: Promise<void>;
  private following: NodeJS.Timeout | null = null;
  private readonly held = new HeldRuns<BidEvent>();
  private holeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: PgBus,
    private readonly fork: () => EntityManager,
    /** The process's section documents, moved along as events come in. */
    private readonly docs: SectionDocs,
    readonly bidId: string,
    private readonly onIdle: () => void,
  ) {
    this.ready = this.open();
  }

  private async open(): Promise<void> {
    this.offs.push(await this.bus.on(bidChannel(this.bidId), (raw) => this.notified(raw)));
    this.offs.push(this.bus.onReconnect(() => this.refresh()));
    const rows = await this.fork().execute<{ head_seq: number }[]>("SELECT head_seq FROM bids WHERE id = ?", [this.bidId]);
    this.head = Math.max(this.head, rows[0]?.head_seq ?? 0);
    this.opened = true;
    this.poll = setInterval(() => this.refresh(), SAFETY_POLL_MS);
    this.poll.unref();
    this.refresh();
  }

  /** Takes the events a notification carries when they are the next ones; reads the table otherwise. */
  private notified(raw: string): void {
    if (!this.opened) return;
    // Already taken (this instance's own commits arrive again from PostgreSQL): its head says so.
    const head = noticeHead(raw);
    if (head && head.seq <= this.head) return;
    let notice: BidEventNotice;
    try {
      notice = JSON.parse(raw) as BidEventNotice;
    } catch {
      return this.refresh();
    }
    // Already taken by a read that ran ahead of its notifications: nothing to do.
    if (typeof notice.seq === "number" && notice.seq <= this.head) return;
    // During a read, the read itself takes what was committed; it reads again if it is short.
    const rows = notice.events ?? (notice.event ? [notice.event] : null);
    if (this.reading || !rows) return this.refresh();
    const events = rows.map(eventFromRow);
    const fresh = events.filter((event): event is BidEvent => event !== null && event.seq > this.head);
    // A notice's events follow one another and end at the notified seq, or the table is read.
    if (events.includes(null) || !contiguous(fresh) || fresh.at(-1)?.seq !== notice.seq) return this.refresh();
    if (fresh[0]!.seq !== this.head + 1) return this.holdPastHole(fresh);
    // The hole this run filled lets the runs held after it go with it.
    const released = this.held.size > 0 ? this.held.release(fresh.at(-1)!.seq) : [];
    this.push(released.length > 0 ? fresh.concat(released) : fresh);
    if (this.held.size === 0) this.stopHoleTimer();
  }

  /** Events after a hole: held until the events before them come, or read from the table after HOLE_WAIT_MS. */
  private holdPastHole(run: BidEvent[]): void {
    if (this.held.size >= MAX_HELD) return this.refresh();
    this.held.hold(run);
    this.holeTimer ??= setTimeout(() => {
      this.holeTimer = null;
      if (this.held.size > 0) this.refresh();
    }, HOLE_WAIT_MS);
  }

  private stopHoleTimer(): void {
    if (this.holeTimer) clearTimeout(this.holeTimer);
    this.holeTimer = null;
  }

  private push(events: BidEvent[]): void {
    for (const event of events) {
      this.events.push(event);
      this.head = event.seq;
    }
    if (this.events.length >= WINDOW + TRIM_EVERY) this.events.splice(0, this.events.length - WINDOW);
    if (!events.length) return;
    for (const listener of this.listeners) listener();
    // Well after the deliveries the listeners set off: the documents are for reads and snapshots,
    // and integrating a batch of updates in one transaction costs much less than one at a time.
    this.following ??= setTimeout(() => {
      this.following = null;
      this.docs.follow(this.bidId, (seq) => this.after(seq)?.map(followed) ?? null);
    }, FOLLOW_EVERY_MS);
  }

  /** Seq of the last event the feed has taken. */
  get headSeq(): number {
    return this.head;
  }

  /** Reads whatever follows `head`; calls made while a read runs are coalesced into one more read. */
  refresh(): void {
    // Held events are committed (they were heard after their commit): the read takes them too.
    this.held.clear();
    this.stopHoleTimer();
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          const found = await this.fork().find(BidEvent, { bid: this.bidId, seq: { $gt: this.head } }, { orderBy: { seq: "asc" }, limit: PAGE });
          const next: BidEvent[] = [];
          for (const event of found) {
            // Commits follow seq order, so a hole can only be transient: read again later.
            if (event.seq !== this.head + 1 + next.length) {
              setTimeout(() => this.refresh(), 20).unref();
              break;
            }
            next.push(event);
          }
          if (found.length === PAGE) this.again = true;
          this.push(next);
        } catch {
          // The database is away: the reconnection hook or the safety poll reads again.
        }
      } while (this.again);
    })().finally(() => {
      this.reading = null;
    });
  }

  /**
   * The events after `after` from the window: an array (empty when there is nothing new yet), or
   * null when `after` is older than the window (the caller reads the table).
   */
  after(after: number): BidEvent[] | null {
    if (after >= this.head) return [];
    const first = this.events[0];
    if (!first || after < first.seq - 1) return null;
    return this.events.slice(after - first.seq + 1);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  private close(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.poll) clearInterval(this.poll);
    if (this.following) clearTimeout(this.following);
    this.stopHoleTimer();
    this.held.clear();
    this.events = [];
    this.onIdle();
  }
}

/**
 * A BidEvent from its row as `row_to_json` writes it, read-only (base.entity.ts): the ORM's
 * hydration of a managed entity, with its three references, cost more than everything else the
 * feed does per event. Null when the row is not what the table holds.
 */
export function eventFromRow(row: Record<string, unknown>): BidEvent | null {
  const { id, bid_id, seq, type, payload, actor_id, client_mutation_id, section_id, result, created_at, updated_at } = row;
  if (typeof id !== "string" || typeof bid_id !== "string" || typeof seq !== "number" || typeof type !== "string") return null;
  if (typeof payload !== "object" || payload === null || typeof created_at !== "string" || typeof updated_at !== "string") return null;
  return readOnlyEntity(BidEvent, {
    id,
    bid: readOnlyEntity(Bid, { id: bid_id }),
    seq,
    type: type as BidEventType,
    payload: payload as Record<string, unknown>,
    actor: typeof actor_id === "string" ? readOnlyEntity(User, { id: actor_id }) : null,
    clientMutationId: typeof client_mutation_id === "string" ? client_mutation_id : null,
    section: typeof section_id === "string" ? readOnlyEntity(BidSection, { id: section_id }) : null,
    result: typeof result === "string" ? result : null,
    createdAt: new Date(created_at),
    updatedAt: new Date(updated_at),
  });
}

function followed(event: BidEvent): FollowedEvent {
  const text = event.type === BidEventType.SECTION_TEXT_UPDATED && event.section ? event.section.id : null;
  const update = text !== null && typeof event.payload.update === "string" ? event.payload.update : null;
  return { seq: event.seq, textOf: text, update };
}

/**
 * The process's feeds, one per bid with local subscribers: created on first use, closed when the
 * last subscriber leaves. Built once with the app's services (bids/live/live-services.ts).
 */
export class BidFeeds {
  private readonly feeds = new Map<string, BidFeed>();

  constructor(
    private readonly bus: PgBus,
    private readonly fork: () => EntityManager,
    private readonly docs: SectionDocs,
  ) {}

  open(bidId: string): BidFeed {
    let feed = this.feeds.get(bidId);
    if (!feed) {
      const created: BidFeed = new BidFeed(this.bus, this.fork, this.docs, bidId, () => {
        if (this.feeds.get(bidId) === created) this.feeds.delete(bidId);
      });
      this.feeds.set(bidId, created);
      feed = created;
    }
    return feed;
  }
}
