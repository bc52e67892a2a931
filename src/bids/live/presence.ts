import type { EntityManager } from "@mikro-orm/postgresql";
import type { PgBus } from "../../realtime/bus";
import { notify } from "../../realtime/bus";
import { presenceChannel } from "./event-log";

/** A person is online in a bid for this long after their last heartbeat. */
export const PRESENCE_TTL_MS = 30_000;

export interface PresenceEntry {
  userId: string;
  name: string;
  sectionId: string | null;
  lastSeenAt: number;
}

export type PresenceMessage =
  { kind: "beat"; entry: PresenceEntry; leaving: boolean } | { kind: "sync" } | { kind: "state"; entries: PresenceEntry[] } | { kind: "revoke" };

/** Announces a heartbeat (or a departure) to every instance; nothing is stored. */
export async function sendHeartbeat(em: EntityManager, bidId: string, entry: PresenceEntry, leaving: boolean): Promise<void> {
  const message: PresenceMessage = { kind: "beat", entry, leaving };
  await notify(em, presenceChannel(bidId), message);
}

interface Room {
  entries: Map<string, PresenceEntry>;
  listeners: Set<Listener>;
  off: (() => void) | null;
  ready: Promise<void>;
  sweep: NodeJS.Timeout;
}

interface Listener {
  changed(): void;
  revoked(): void;
}

/**
 * Who is online in each bid, as this instance hears it on the bids' presence channels. A room
 * lives while local subscribers watch it; when it opens, it asks the other instances for what
 * they know (`sync`), so that a newcomer sees everyone without waiting for the next heartbeat.
 */
export class PresenceHub {
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly bus: PgBus,
    private readonly send: (bidId: string, message: PresenceMessage) => Promise<void>,
  ) {}

  private open(bidId: string): Room {
    let room = this.rooms.get(bidId);
    if (room) return room;
    const created: Room = {
      entries: new Map(),
      listeners: new Set(),
      off: null,
      ready: Promise.resolve(),
      sweep: setInterval(() => this.expire(bidId), 1000),
    };
    created.sweep.unref();
    created.ready = this.bus
      .on(presenceChannel(bidId), (raw) => this.receive(bidId, raw))
      .then(async (off) => {
        created.off = off;
        await this.send(bidId, { kind: "sync" }).catch(() => undefined);
      });
    this.rooms.set(bidId, created);
    room = created;
    return room;
  }

  private receive(bidId: string, raw: string): void {
    const room = this.rooms.get(bidId);
    if (!room) return;
    let message: PresenceMessage;
    try {
      message = JSON.parse(raw) as PresenceMessage;
    } catch {
      return;
    }
    const now = Date.now();
    switch (message.kind) {
      case "beat":
        if (message.leaving) room.entries.delete(message.entry.userId);
        else room.entries.set(message.entry.userId, { ...message.entry, lastSeenAt: Math.min(message.entry.lastSeenAt, now) });
        break;
      case "state":
        for (const entry of message.entries) {
          const known = room.entries.get(entry.userId);
          if (now - entry.lastSeenAt < PRESENCE_TTL_MS && (!known || known.lastSeenAt < entry.lastSeenAt)) room.entries.set(entry.userId, entry);
        }
        break;
      case "sync":
        if (room.entries.size) void this.send(bidId, { kind: "state", entries: [...room.entries.values()] }).catch(() => undefined);
        return;
      case "revoke":
        for (const listener of room.listeners) listener.revoked();
        return;
    }
    for (const listener of room.listeners) listener.changed();
  }

  private expire(bidId: string): void {
    const room = this.rooms.get(bidId);
    if (!room) return;
    const now = Date.now();
    let changed = false;
    for (const [userId, entry] of room.entries) {
      if (now - entry.lastSeenAt >= PRESENCE_TTL_MS) {
        room.entries.delete(userId);
        changed = true;
      }
    }
    if (changed) for (const listener of room.listeners) listener.changed();
  }

  /** Who is online now, by name. */
  list(bidId: string): PresenceEntry[] {
    const room = this.rooms.get(bidId);
    if (!room) return [];
    const now = Date.now();
    return [...room.entries.values()]
      .filter((e) => now - e.lastSeenAt < PRESENCE_TTL_MS)
      .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
  }

  /** Watches a bid's presence; returns a function that stops watching. */
  async watch(bidId: string, listener: Listener): Promise<() => void> {
    const room = this.open(bidId);
    room.listeners.add(listener);
    await room.ready;
    return () => {
      room.listeners.delete(listener);
      if (room.listeners.size === 0 && this.rooms.get(bidId) === room) {
        this.rooms.delete(bidId);
        clearInterval(room.sweep);
        room.off?.();
      }
    };
  }
}

export interface PresenceStreamOptions {
  hub: PresenceHub;
  bidId: string;
  mayRead: () => Promise<boolean>;
}

/**
 * The presence of a bid as a stream of snapshots: the current list at once, then the list after
 * every change (changes that arrive while the client is busy are coalesced: presence is a state,
 * not a log). Ends when the subscriber loses access to the bid.
 */
export class PresenceStream implements AsyncIterableIterator<PresenceEntry[]> {
  private dirty = true;
  private done = false;
  private wake: (() => void) | null = null;
  private stop: (() => void) | null = null;
  private readonly started: Promise<void>;
  private checking: Promise<void> | null = null;

  constructor(private readonly o: PresenceStreamOptions) {
    this.started = o.hub
      .watch(o.bidId, {
        changed: () => this.poke(),
        revoked: () => {
          this.checking ??= o.mayRead().then((ok) => {
            this.checking = null;
            if (!ok) this.finish();
          });
        },
      })
      .then((stop) => {
        if (this.done) stop();
        else this.stop = stop;
      });
  }

  private poke(): void {
    this.dirty = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async next(): Promise<IteratorResult<PresenceEntry[]>> {
    await this.started;
    while (!this.done) {
      if (this.dirty) {
        this.dirty = false;
        if (this.checking) await this.checking;
        if (this.done) break;
        return { value: this.o.hub.list(this.o.bidId), done: false };
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return { value: undefined, done: true };
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.stop?.();
    this.stop = null;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async return(): Promise<IteratorResult<PresenceEntry[]>> {
    this.finish();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<PresenceEntry[]>> {
    this.finish();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
