import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { PgBus } from "../../realtime/bus";
import { BidEventType } from "../bid.enums";
import type { BidFeed, BidFeeds } from "../live/bid-feed";
import { decodeBase64, encodeBase64, MAX_UPDATE_BYTES } from "./section-crdt";
import { awarenessClients, frameAwareness, frameUpdate, SectionMessageKind, type SectionMessage } from "./section-protocol";
import { DurableMarks } from "./durable-marks";
import { SectionPeers } from "./section-peers";
import { awarenessProtocol, Y, type Awareness } from "./yjs";

/** The bus channel of one section's provisional traffic (relayed text, awareness). */
export function sectionChannel(sectionId: string): string {
  return `section_${sectionId.replace(/-/g, "")}`;
}

/** Who sent a message: the socket (its relayed text and awareness skip it), or none over HTTP. */
export type Origin = object | null;

/** A subscriber of a section: takes each message (the same object for every subscriber). */
export interface SectionSubscriber {
  origin: Origin;
  /** The room's relay counter when it joined (set by the hub): what was relayed before, it lacks. */
  joinedAt: number;
  push(message: SectionMessage): void;
  /** A structured event of the bid (a member removed, say): ask again whether it may read. */
  revalidate(): void;
}

interface BusMessage {
  /** The instance that sent it (it has delivered it locally already). */
  i: string;
  k: "u" | "a";
  /** Base64 of the Yjs update or of the awareness update. */
  m: string;
}

/** Events after which a subscriber's right to read is asked again at once. */
const MEMBERSHIP_EVENTS: ReadonlySet<string> = new Set([BidEventType.MEMBER_REMOVED, BidEventType.MEMBER_DECLINED]);

/** NOTIFY payloads stay under PostgreSQL's 8000 bytes; larger text reaches the others durably. */
const MAX_BUS_PAYLOAD = 7900;

/** A relayed update not committed after this long (a refused or failed commit) is forgotten. */
const RELAYED_TTL_MS = 60_000;

/** An empty Yjs update as a sync message: the durable mark of updates every subscriber holds. */
const EMPTY_UPDATE = frameUpdate(new Uint8Array([0, 0]));

/** An update this room relayed, until its durable event comes. */
interface Relayed {
  /** The room's counter at the relay: subscribers that joined before it received it. */
  at: number;
  /** Its sender, who holds it. */
  origin: Origin;
  time: number;
}

interface Room {
  sectionId: string;
  bidId: string;
  subscribers: Set<SectionSubscriber>;
  /** Awareness of the section as this instance hears it (expires states after 30 s). */
  awareness: Awareness;
  /** Awareness clients each origin announced, removed when its last subscription of the section ends. */
  clientsOf: Map<object, Set<number>>;
  feed: BidFeed | null;
  /** Seq of the last event of the bid this room looked at. */
  lastSeq: number;
  /** Counts relays, to tell who joined before which (SectionSubscriber.joinedAt). */
  counter: number;
  /** Relayed updates (base64, as the log stores them) waiting for their durable event. */
  relayed: Map<string, Relayed>;
  /** A look at the feed is scheduled (the events of one commit go as one message). */
  following: boolean;
  /** After a relay in this turn of the event loop, the updates to relay at its end (relayPending), with their sender. */
  pending: { update: Uint8Array; origin: Origin }[] | null;
  /** Who is owed an empty durable mark, and who a relay told the durable seq (durable-marks.ts). */
  marks: DurableMarks<SectionSubscriber>;
  /** The seq of the last durable message: every subscriber holds the section's text up to it. */
  durableSeq: number;
  markTimer: NodeJS.Timeout | null;
  offs: (() => void)[];
  ready: Promise<void>;
}

/**
 * The live traffic of each section with local subscribers, per process: provisional text relayed
 * at once to the section's other editors (here and, through NOTIFY outside any transaction, on
 * every instance), the durable events of the section's text as the bid's feed takes them (one
 * message per event, shared by every subscriber), and the section's awareness (cursors, names),
 * never stored. Built once with the app's services (bids/live/live-services.ts).
 */
export class SectionHub {
  private readonly rooms = new Map<string, Room>();
  /** Tells this instance's bus messages from the others'. */
  private readonly instance = randomUUID();
  /** Whether another instance has rooms: a lone instance publishes no relay. */
  private readonly peers: SectionPeers;

  constructor(
    private readonly bus: PgBus,
    private readonly feeds: BidFeeds,
    /** NOTIFY now, outside any transaction (a provisional message needs no commit). */
    private readonly notifyNow: (channel: string, payload: string) => Promise<void>,
    /** Told of each structured event of a bid (cached access decisions drop). */
    private readonly structuralEvent: (bidId: string) => void,
    private readonly log: Logger,
  ) {
    this.peers = new SectionPeers(this.instance, bus, notifyNow, log);
  }

  stop(): void {
    this.peers.stop();
  }

  /** Subscribes to a section; resolves once the room listens (what is committed after is delivered). */
  async join(sectionId: string, bidId: string, subscriber: SectionSubscriber): Promise<() => void> {
    let room = this.rooms.get(sectionId);
    if (!room) {
      room = this.open(sectionId, bidId);
      this.rooms.set(sectionId, room);
      this.peers.rooms(true);
    }
    subscriber.joinedAt = room.counter;
    room.subscribers.add(subscriber);
    const joined = room;
    await joined.ready;
    return () => this.leave(joined, subscriber);
  }

  /** The section's awareness states now (an awareness update), or null when there are none. */
  awarenessNow(sectionId: string): Uint8Array | null {
    const room = this.rooms.get(sectionId);
    const clients = room ? [...room.awareness.getStates().keys()].filter((c) => c !== room.awareness.clientID) : [];
    return room && clients.length ? awarenessProtocol.encodeAwarenessUpdate(room.awareness, clients) : null;
  }

  /**
   * Relays a text update, before it is committed, to the section's other editors on every
   * instance. `base64`: the update as the log will store it, which names it until it is durable.
   */
  relay(sectionId: string, update: Uint8Array, origin: Origin, base64 = encodeBase64(update)): void {
    const room = this.rooms.get(sectionId);
    if (room) {
      this.remember(room, base64, origin);
      this.relaySoon(room, update, origin);
    }
    this.publish(sectionId, "u", base64);
  }

  /**
   * The first update relayed in a turn of the event loop goes at once (skipping its sender); the
   * ones relayed after it in the same turn go together at the end of the turn: under a burst (many
   * editors typing at once), each subscriber gets one merged update per turn instead of one per
   * keystroke. A merged update goes to everyone, senders included: a Yjs document ignores what it
   * holds, and one message serialised once for all costs less than one merge per sender.
   */
  private relaySoon(room: Room, update: Uint8Array, origin: Origin): void {
    if (room.pending) {
      room.pending.push({ update, origin });
      return;
    }
    room.pending = [];
    this.deliver(room, relayedMessage(update, room.durableSeq), origin);
    setImmediate(() => this.relayPending(room));
  }

  private relayPending(room: Room): void {
    const pending = room.pending ?? [];
    room.pending = null;
    if (pending.length === 0) return;
    const only = pending.length === 1 ? pending[0] : undefined;
    const update = only ? only.update : Y.mergeUpdates(pending.map((p) => p.update));
    this.deliver(room, relayedMessage(update, room.durableSeq), only?.origin ?? null);
  }

  private remember(room: Room, base64: string, origin: Origin): void {
    const now = Date.now();
    if (room.relayed.size >= 256) {
      for (const [key, relayed] of room.relayed) {
        if (now - relayed.time < RELAYED_TTL_MS) break;
        room.relayed.delete(key);
      }
    }
    room.relayed.set(base64, { at: ++room.counter, origin, time: now });
  }

  /** Applies and relays an awareness update of a section (origin: its socket, removed with it). */
  awareness(sectionId: string, update: Uint8Array, origin: Origin): void {
    const room = this.rooms.get(sectionId);
    if (room) {
      const added = this.applyAwareness(room, update);
      if (origin) {
        const clients = room.clientsOf.get(origin) ?? new Set<number>();
        added.forEach((c) => clients.add(c));
        room.clientsOf.set(origin, clients);
      }
      this.deliver(room, awarenessMessage(frameAwareness(update)), origin);
    }
    this.publish(sectionId, "a", encodeBase64(update));
  }

  private open(sectionId: string, bidId: string): Room {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    // The server has no cursor of its own: only its clients' states are kept.
    awareness.setLocalState(null);
    const room: Room = {
      sectionId,
      bidId,
      subscribers: new Set(),
      awareness,
      clientsOf: new Map(),
      feed: null,
      lastSeq: 0,
      counter: 0,
      relayed: new Map(),
      following: false,
      pending: null,
      marks: new DurableMarks(),
      durableSeq: 0,
      markTimer: null,
      offs: [],
      ready: Promise.resolve(),
    };
    // States that were not renewed in time are gone: every instance expires them on its own.
    awareness.on("update", ({ removed }: { removed: number[] }, origin: unknown) => {
      if (origin === "timeout" && removed.length)
        this.deliver(room, awarenessMessage(frameAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, removed))), null);
    });
    room.ready = (async () => {
      await this.peers.start();
      room.offs.push(await this.bus.on(sectionChannel(sectionId), (raw) => this.received(room, raw)));
      const feed = this.feeds.open(bidId);
      room.offs.push(feed.subscribe(() => this.followSoon(room)));
      await feed.ready;
      room.feed = feed;
      room.lastSeq = feed.headSeq;
    })();
    return room;
  }

  private leave(room: Room, subscriber: SectionSubscriber): void {
    room.subscribers.delete(subscriber);
    room.marks.settle(subscriber);
    const origin = subscriber.origin;
    // The origin's cursors go with its last subscription of the section (a disconnect ends them all).
    if (origin && ![...room.subscribers].some((s) => s.origin === origin)) {
      // Only clients the room still knows (a state removed meanwhile has nothing to remove).
      const clients = [...(room.clientsOf.get(origin) ?? [])].filter((c) => room.awareness.meta.has(c));
      room.clientsOf.delete(origin);
      if (clients.length) {
        awarenessProtocol.removeAwarenessStates(room.awareness, clients, "disconnect");
        const update = awarenessProtocol.encodeAwarenessUpdate(room.awareness, clients);
        this.deliver(room, awarenessMessage(frameAwareness(update)), null);
        this.publish(room.sectionId, "a", encodeBase64(update));
      }
    }
    if (room.subscribers.size === 0 && this.rooms.get(room.sectionId) === room) {
      this.rooms.delete(room.sectionId);
      if (this.rooms.size === 0) this.peers.rooms(false);
      room.awareness.destroy();
      if (room.markTimer) clearTimeout(room.markTimer);
      for (const off of room.offs.splice(0)) off();
    }
  }

  /** Applies a client's awareness update; returns the clients it names. */
  private applyAwareness(room: Room, update: Uint8Array): number[] {
    awarenessProtocol.applyAwarenessUpdate(room.awareness, update, "client");
    return awarenessClients(update);
  }

  private deliver(room: Room, message: SectionMessage, origin: Origin): void {
    for (const subscriber of room.subscribers) if (origin === null || subscriber.origin !== origin) subscriber.push(message);
    // A relay is a durable mark for everyone it reaches: under steady typing the relays carry the marks.
    if (message.kind === SectionMessageKind.RELAYED && message.seq !== null) room.marks.relayed(message.seq, origin);
  }

  private publish(sectionId: string, kind: "u" | "a", base64: string): void {
    if (!this.peers.anyone()) return;
    const payload = JSON.stringify({ i: this.instance, k: kind, m: base64 } satisfies BusMessage);
    if (payload.length > MAX_BUS_PAYLOAD) return;
    this.notifyNow(sectionChannel(sectionId), payload).catch((error: unknown) => this.log.warn({ err: error }, "section relay: notify failed"));
  }

  private received(room: Room, raw: string): void {
    let message: BusMessage;
    let bytes: Uint8Array;
    try {
      message = JSON.parse(raw) as BusMessage;
      if (message.i === this.instance) return;
      bytes = decodeBase64("m", message.m, MAX_UPDATE_BYTES);
    } catch {
      return;
    }
    if (message.k === "u") {
      this.remember(room, message.m, null);
      this.relaySoon(room, bytes, null);
    } else if (message.k === "a") {
      try {
        awarenessProtocol.applyAwarenessUpdate(room.awareness, bytes, "remote");
      } catch {
        return;
      }
      this.deliver(room, awarenessMessage(frameAwareness(bytes)), null);
    }
  }

  /** The events of one commit (delivered together, synchronously) are looked at once. */
  private followSoon(room: Room): void {
    if (room.following) return;
    room.following = true;
    queueMicrotask(() => {
      room.following = false;
      this.follow(room);
    });
  }

  /**
   * The section's committed text updates, as the bid's feed takes them: one DURABLE message per
   * look (`seq`: the section's text is durable up to there), carrying the updates a subscriber was
   * not relayed (it joined after the relay, or the relay never reached this instance) and an empty
   * update for everyone else, who has them already: the bytes do not go twice.
   */
  private follow(room: Room): void {
    const feed = room.feed;
    if (!feed) return;
    const events = feed.after(room.lastSeq);
    if (events === null) {
      // Behind the feed's window (a burst): the subscribers' periodic sync recovers what is skipped.
      room.lastSeq = feed.headSeq;
      return;
    }
    const durable: { update: string; relayed: Relayed | undefined; clientMutationId: string | null }[] = [];
    let seq = 0;
    for (const event of events) {
      room.lastSeq = event.seq;
      if (event.type !== BidEventType.SECTION_TEXT_UPDATED) {
        this.structuralEvent(room.bidId);
        if (MEMBERSHIP_EVENTS.has(event.type)) for (const subscriber of room.subscribers) subscriber.revalidate();
        continue;
      }
      if (event.section?.id !== room.sectionId || typeof event.payload.update !== "string") continue;
      const update = event.payload.update;
      durable.push({ update, relayed: room.relayed.get(update), clientMutationId: event.clientMutationId });
      room.relayed.delete(update);
      seq = event.seq;
    }
    if (durable.length) this.deliverDurable(room, durable, seq);
  }

  /** Owes `subscriber` an empty mark up to `seq`, sent when the timer fires unless a relay told it first. */
  private markLater(room: Room, subscriber: SectionSubscriber, seq: number, clientMutationId: string | null): void {
    if (room.marks.owe(subscriber, seq, clientMutationId)) room.markTimer = setTimeout(() => this.markLate(room), MARK_EVERY_MS);
  }

  private markLate(room: Room): void {
    room.markTimer = null;
    const { mark, send, again } = room.marks.due();
    const message: SectionMessage = {
      kind: SectionMessageKind.DURABLE,
      message: EMPTY_UPDATE,
      seq: mark.seq,
      stateVector: null,
      clientMutationId: mark.clientMutationId,
    };
    for (const subscriber of send) subscriber.push(message);
    if (again) room.markTimer = setTimeout(() => this.markLate(room), MARK_EVERY_MS);
  }

  private deliverDurable(room: Room, durable: { update: string; relayed: Relayed | undefined; clientMutationId: string | null }[], seq: number): void {
    const clientMutationId = durable.length === 1 ? (durable[0]?.clientMutationId ?? null) : null;
    room.durableSeq = seq;
    const messages = new Map<string, SectionMessage>();
    for (const subscriber of room.subscribers) {
      // The updates this subscriber lacks: not relayed to it (nor sent by it).
      const lacks = durable.filter(
        ({ relayed }) => !relayed || (relayed.at <= subscriber.joinedAt && (relayed.origin === null || relayed.origin !== subscriber.origin)),
      );
      if (lacks.length === 0) {
        this.markLater(room, subscriber, seq, clientMutationId);
        continue;
      }
      room.marks.settle(subscriber);
      const key = lacks.map(({ update }) => update).join(",");
      let message = messages.get(key);
      if (!message) {
        const frame = lacks.length === 0 ? EMPTY_UPDATE : frameUpdate(Y.mergeUpdates(lacks.map(({ update }) => new Uint8Array(Buffer.from(update, "base64")))));
        message = { kind: SectionMessageKind.DURABLE, message: frame, seq, stateVector: null, clientMutationId };
        messages.set(key, message);
      }
      subscriber.push(message);
    }
  }
}

/**
 * An editor that holds every update of a commit (it was relayed them) is told it is durable by
 * the next relay it receives (which carries the seq), or else by an empty mark this long after
 * (twice at most: durable-marks.ts): under steady typing, one message per keystroke for every
 * editor instead of a relay plus a mark. A mark carrying bytes an editor lacks is never held.
 */
const MARK_EVERY_MS = 50;

/** `durableSeq`: the room's, a durable mark for whoever the relay reaches (0: none yet). */
function relayedMessage(update: Uint8Array, durableSeq: number): SectionMessage {
  return { kind: SectionMessageKind.RELAYED, message: frameUpdate(update), seq: durableSeq || null, stateVector: null, clientMutationId: null };
}

function awarenessMessage(message: string): SectionMessage {
  return { kind: SectionMessageKind.AWARENESS, message, seq: null, stateVector: null, clientMutationId: null };
}
