import type { EntityManager } from "@mikro-orm/postgresql";
import { BidEvent } from "../bid.entity";
import { BidEventType } from "../bid.enums";
import type { BidFeed, BidFeeds } from "./bid-feed";

/** Events after which the subscriber's right to read the bid is checked again at once. */
const MEMBERSHIP_EVENTS: ReadonlySet<string> = new Set([BidEventType.MEMBER_REMOVED, BidEventType.MEMBER_DECLINED]);

/** Events read from the table per round trip; a subscriber that falls behind catches up by pages. */
const BATCH = 200;

/** Access is also re-checked at least this often (a person may leave their cooperative). */
const RECHECK_MS = 15_000;

export interface BidStreamOptions {
  /** The process's feeds of bids. */
  feeds: BidFeeds;
  /** A fresh entity manager (one per read). */
  fork: () => EntityManager;
  bidId: string;
  afterSeq: number;
  /** Whether the subscriber may still read the bid, asked on a fresh entity manager. */
  mayRead: (em: EntityManager) => Promise<boolean>;
  /** Called before each event is handed out (the resolver swaps in a fresh entity manager). */
  beforeEach?: () => void;
  /** Called once when the stream ends, whatever the reason. */
  onEnd?: (reason: "client" | "revoked") => void;
}

/**
 * A bid's log as a live stream: listens first, then reads the table after `afterSeq`, then on
 * every notification (or bus reconnection) takes whatever follows the last seq delivered, from
 * the process's feed of the bid when it has it, from the table otherwise. The table is the
 * truth: a coalesced NOTIFY loses nothing (reads are "after seq"), duplicates cannot occur, and a
 * slow consumer is simply read for later, by pages: it is never skipped. The stream completes
 * when the subscriber loses access to the bid.
 */
export class BidEventStream implements AsyncIterableIterator<BidEvent> {
  private last: number;
  private dirty = true;
  private done = false;
  private wake: (() => void) | null = null;
  private readonly page: BidEvent[] = [];
  private readonly offs: (() => void)[] = [];
  private readonly started: Promise<void>;
  private lastCheck = Date.now();
  private feed: BidFeed | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** A next() waiting for the feed's next event, answered by poke() itself. */
  private parked: { resolve(result: IteratorResult<BidEvent>): void; reject(error: unknown): void } | null = null;

  constructor(private readonly o: BidStreamOptions) {
    this.last = o.afterSeq;
    this.started = this.listen();
  }

  /** The seq of the last event handed out. */
  get lastSeq(): number {
    return this.last;
  }

  private async listen(): Promise<void> {
    // Listen first (through the process's feed of the bid), then read: nothing falls in between.
    const feed = this.o.feeds.open(this.o.bidId);
    this.offs.push(feed.subscribe(() => this.poke()));
    await feed.ready;
    this.feed = feed;
    if (this.done) this.release();
  }

  private poke(): void {
    this.dirty = true;
    const parked = this.parked;
    if (parked) {
      this.parked = null;
      const event = this.takeNow();
      if (event) parked.resolve({ value: event, done: false });
      else
        this.nextSlowly().then(
          (result) => parked.resolve(result),
          (error: unknown) => parked.reject(error),
        );
    }
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * The next event, at once when it is in hand: from the page, or from the feed's window. This is
   * the path of every live event (one per subscriber per keystroke), so it creates no promise of
   * its own and parks the caller until poke() when there is nothing new; reads from the table,
   * access checks and the start go the slow way.
   */
  next(): Promise<IteratorResult<BidEvent>> {
    if (this.feed && !this.done) {
      const event = this.takeNow();
      if (event) return Promise.resolve({ value: event, done: false });
      if (!this.dirty) return new Promise((resolve, reject) => (this.parked = { resolve, reject }));
    }
    return this.nextSlowly();
  }

  private takeNow(): BidEvent | undefined {
    if (this.page.length === 0 && this.dirty) this.takeFromWindow();
    const event = this.page.shift();
    if (event) this.o.beforeEach?.();
    return event;
  }

  /**
   * Takes what follows from the feed's window, when it has it and nothing needs an access check
   * first (a membership event, or the periodic recheck): those go through read().
   */
  private takeFromWindow(): boolean {
    const events = this.feed?.after(this.last);
    if (!events || Date.now() - this.lastCheck > RECHECK_MS) return false;
    const batch = events.length > BATCH ? events.slice(0, BATCH) : events;
    if (batch.some((event) => MEMBERSHIP_EVENTS.has(event.type))) return false;
    this.dirty = events.length > BATCH;
    for (const event of batch) {
      if (!this.accept(event)) break;
    }
    return true;
  }

  /** Queues the event if it is the next one; on a hole (transient: commits follow seq order), reads again shortly. */
  private accept(event: BidEvent): boolean {
    if (event.seq !== this.last + 1) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.poke();
      }, 20);
      this.retryTimer.unref();
      return false;
    }
    this.last = event.seq;
    this.page.push(event);
    return true;
  }

  private async nextSlowly(): Promise<IteratorResult<BidEvent>> {
    await this.started;
    while (!this.done) {
      const event = this.page.shift();
      if (event) {
        this.o.beforeEach?.();
        return { value: event, done: false };
      }
      if (!this.dirty) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.dirty = false;
      await this.read();
    }
    return { value: undefined, done: true };
  }

  private async read(): Promise<void> {
    if (this.takeFromWindow()) return;
    // From the feed's window when it has what follows; from the table when behind it.
    let events = this.feed?.after(this.last) ?? null;
    if (events === null) {
      events = await this.o.fork().find(BidEvent, { bid: this.o.bidId, seq: { $gt: this.last } }, { orderBy: { seq: "asc" }, limit: BATCH });
      if (events.length) this.dirty = true;
    } else if (events.length > BATCH) {
      events = events.slice(0, BATCH);
      this.dirty = true;
    }
    if (Date.now() - this.lastCheck > RECHECK_MS && !(await this.stillAllowed())) return;
    for (const event of events) {
      if (event.seq === this.last + 1 && MEMBERSHIP_EVENTS.has(event.type) && !(await this.stillAllowed())) return;
      if (!this.accept(event)) break;
    }
  }

  private async stillAllowed(): Promise<boolean> {
    this.lastCheck = Date.now();
    if (await this.o.mayRead(this.o.fork())) return true;
    this.page.length = 0;
    this.finish("revoked");
    return false;
  }

  private release(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private finish(reason: "client" | "revoked"): void {
    if (this.done) return;
    this.done = true;
    this.release();
    const wake = this.wake;
    this.wake = null;
    wake?.();
    const parked = this.parked;
    this.parked = null;
    parked?.resolve({ value: undefined, done: true });
    this.o.onEnd?.(reason);
  }

  async return(): Promise<IteratorResult<BidEvent>> {
    this.finish("client");
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<BidEvent>> {
    this.finish("client");
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
