import type { Logger } from "pino";
import type { PgBus } from "../../realtime/bus";

/** The bus channel on which instances say whether they have section rooms. */
export const PEERS_CHANNEL = "section_peers";

/** After (re)starting to listen, relays go out regardless for this long: replies are on their way. */
const GRACE_MS = 1_000;
/** Instances with rooms say so this often; one not heard from for EXPIRE_MS is gone. */
const BEAT_MS = 20_000;
const EXPIRE_MS = 60_000;

interface PeerMessage {
  /** The instance speaking. */
  i: string;
  /** hello: I start listening (answer if you have rooms); rooms: I have rooms; none: I have none. */
  t: "hello" | "rooms" | "none";
}

/**
 * Which other instances have section rooms (subscribers), so that a relay is published on the
 * bus only when someone may hear it: a lone instance sends no NOTIFY per keystroke. Being wrong
 * for a moment is safe: an instance that did not hear a relay sends the update's bytes with its
 * durable message (section-hub.ts), so its editors wait for the commit instead of the relay.
 * Listening starts with the first relay or room, and every restart of it (a bus reconnection
 * included) publishes everything for a grace second while the others answer.
 */
export class SectionPeers {
  private readonly peers = new Map<string, number>();
  private started: Promise<void> | null = null;
  private graceUntil = Number.POSITIVE_INFINITY;
  private hasRooms = false;
  private beat: NodeJS.Timeout | null = null;
  private offs: (() => void)[] = [];

  constructor(
    private readonly instance: string,
    private readonly bus: PgBus,
    private readonly notifyNow: (channel: string, payload: string) => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Starts listening (once); resolves when this instance has said hello. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.offs.push(await this.bus.on(PEERS_CHANNEL, (raw) => this.heard(raw)));
      this.offs.push(this.bus.onReconnect(() => void this.hello()));
      await this.hello();
    })();
    return this.started;
  }

  /** Should a relay go on the bus? Yes while unsure, yes when another instance has rooms. */
  anyone(): boolean {
    if (!this.started) void this.start();
    const now = Date.now();
    if (now < this.graceUntil) return true;
    for (const [peer, heardAt] of this.peers) {
      if (now - heardAt < EXPIRE_MS) return true;
      this.peers.delete(peer);
    }
    return false;
  }

  /** This instance has rooms (true) or none left (false): the others are told. */
  rooms(has: boolean): void {
    if (has === this.hasRooms) return;
    this.hasRooms = has;
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
    if (has) {
      this.beat = setInterval(() => this.say("rooms"), BEAT_MS);
      this.beat.unref();
    }
    void this.start().then(() => this.say(has ? "rooms" : "none"));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
  }

  private async hello(): Promise<void> {
    this.graceUntil = Date.now() + GRACE_MS;
    await this.send("hello");
    // After a reconnection, the others may have expired this instance meanwhile.
    if (this.hasRooms) await this.send("rooms");
  }

  private heard(raw: string): void {
    let message: PeerMessage;
    try {
      message = JSON.parse(raw) as PeerMessage;
    } catch {
      return;
    }
    if (message.i === this.instance) return;
    if (message.t === "none") this.peers.delete(message.i);
    else if (message.t === "rooms") this.peers.set(message.i, Date.now());
    else if (message.t === "hello" && this.hasRooms) this.say("rooms");
  }

  private say(t: PeerMessage["t"]): void {
    void this.send(t);
  }

  private async send(t: PeerMessage["t"]): Promise<void> {
    try {
      await this.notifyNow(PEERS_CHANNEL, JSON.stringify({ i: this.instance, t } satisfies PeerMessage));
    } catch (error) {
      // Unheard, the others keep publishing to this instance (or stop after EXPIRE_MS): still safe.
      this.log.warn({ err: error }, "section peers: notify failed");
    }
  }
}
