import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { PgBus } from "../../realtime/bus";
import { BidEventType } from "../bid.enums";
import type { BidFeed, BidFeeds } from "../live/bid-feed";
import { decodeBase64, MAX_UPDATE_BYTES } from "./section-crdt";
import { awarenessClients, frameAwareness, frameUpdate, SectionMessageKind, type SectionMessage } from "./section-protocol";
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

  constructor(
    private readonly bus: PgBus,
    private readonly feeds: BidFeeds,
    /** NOTIFY now, outside any transaction (a provisional message needs no commit). */
    private readonly notifyNow: (channel: string, payload: string) => Promise<void>,
    /** Told of each structured event of a bid (cached access decisions drop). */
    private readonly structuralEvent: (bidId: string) => void,
    private readonly log: Logger,
  ) {}

  /** Subscribes to a section; resolves once the room listens (what is committed after is delivered). */
  async join(sectionId: string, bidId: string, subscriber: SectionSubscriber): Promise<() => void> {
    let room = this.rooms.get(sectionId);
    if (!room) {
      room = this.open(sectionId, bidId);
      this.rooms.set(sectionId, room);
    }
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

  /** Relays a text update, before it is committed, to the section's other editors on every instance. */
  relay(sectionId: string, update: Uint8Array, origin: Origin): void {
    const room = this.rooms.get(sectionId);
    const message = frameUpdate(update);
    if (room) this.deliver(room, { kind: SectionMessageKind.RELAYED, message, seq: null, stateVector: null, clientMutationId: null }, origin);
    this.publish(sectionId, "u", update);
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
    this.publish(sectionId, "a", update);
  }

  private open(sectionId: string, bidId: string): Room {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    // The server has no cursor of its own: only its clients' states are kept.
    awareness.setLocalState(null);
    const room: Room = { sectionId, bidId, subscribers: new Set(), awareness, clientsOf: new Map(), feed: null, lastSeq: 0, offs: [], ready: Promise.resolve() };
    // States that were not renewed in time are gone: every instance expires them on its own.
    awareness.on("update", ({ removed }: { removed: number[] }, origin: unknown) => {
      if (origin === "timeout" && removed.length) this.deliver(room, awarenessMessage(frameAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, removed))), null);
    });
    room.ready = (async () => {
      room.offs.push(await this.bus.on(sectionChannel(sectionId), (raw) => this.received(room, raw)));
      const feed = this.feeds.open(bidId);
      room.offs.push(feed.subscribe(() => this.follow(room)));
      await feed.ready;
      room.feed = feed;
      room.lastSeq = feed.headSeq;
    })();
    return room;
  }

  private leave(room: Room, subscriber: SectionSubscriber): void {
    room.subscribers.delete(subscriber);
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
        this.publish(room.sectionId, "a", update);
      }
    }
    if (room.subscribers.size === 0 && this.rooms.get(room.sectionId) === room) {
      this.rooms.delete(room.sectionId);
      room.awareness.destroy();
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
  }

  private publish(sectionId: string, kind: "u" | "a", bytes: Uint8Array): void {
    const payload = JSON.stringify({ i: this.instance, k: kind, m: Buffer.from(bytes).toString("base64") } satisfies BusMessage);
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
      this.deliver(room, { kind: SectionMessageKind.RELAYED, message: frameUpdate(bytes), seq: null, stateVector: null, clientMutationId: null }, null);
    } else if (message.k === "a") {
      try {
        awarenessProtocol.applyAwarenessUpdate(room.awareness, bytes, "remote");
      } catch {
        return;
      }
      this.deliver(room, awarenessMessage(frameAwareness(bytes)), null);
    }
  }

  /** The section's committed text updates, as the bid's feed takes them: one message per event. */
  private follow(room: Room): void {
    const feed = room.feed;
    if (!feed) return;
    const events = feed.after(room.lastSeq);
    if (events === null) {
      // Behind the feed's window (a burst): the subscribers' periodic sync recovers what is skipped.
      room.lastSeq = feed.headSeq;
      return;
    }
    for (const event of events) {
      room.lastSeq = event.seq;
      if (event.type !== BidEventType.SECTION_TEXT_UPDATED) {
        this.structuralEvent(room.bidId);
        if (MEMBERSHIP_EVENTS.has(event.type)) for (const subscriber of room.subscribers) subscriber.revalidate();
        continue;
      }
      if (event.type !== BidEventType.SECTION_TEXT_UPDATED || event.section?.id !== room.sectionId) continue;
      const update = typeof event.payload.update === "string" ? event.payload.update : null;
      if (update === null) continue;
      this.deliver(
        room,
        {
          kind: SectionMessageKind.DURABLE,
          message: frameUpdate(new Uint8Array(Buffer.from(update, "base64"))),
          seq: event.seq,
          stateVector: null,
          clientMutationId: event.clientMutationId,
        },
        null,
      );
    }
  }
}

function awarenessMessage(message: string): SectionMessage {
  return { kind: SectionMessageKind.AWARENESS, message, seq: null, stateVector: null, clientMutationId: null };
}
