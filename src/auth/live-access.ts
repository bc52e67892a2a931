import type { Logger } from "pino";
import type { PgBus } from "../realtime/bus";
import { ACCESS_CHANGED, type AccessChange } from "./access-change";
import type { Viewer } from "./viewer";

/** graphql-ws close codes for a socket whose authority ended (reconnect with a valid token). */
export const CLOSE_UNAUTHORIZED = 4401;

/** An open WebSocket as access control sees it. */
export interface LiveSocket {
  /**
   * The API token it was opened with, checked again on every change and operation; null for a
   * person's socket, asked again from its session (auth.service resolveViewerAgain).
   */
  readonly apiBearer: string | null;
  viewer: Viewer;
  close(code: number, reason: string): void;
}

/** A running subscription's question: may it go on? Asked again whenever its person's access changes. */
export type AccessCheck = () => Promise<boolean>;

/** A running subscription of a socket: its question, and its stream, ended when the answer is no. */
class Guarded<T> implements AsyncIterableIterator<T> {
  constructor(
    readonly check: AccessCheck,
    private readonly source: AsyncIterableIterator<T>,
    private readonly access: LiveAccess,
    private readonly socket: LiveSocket,
  ) {}

  /** Ends the stream (access lost): its own `return` ends it, which graphql-ws reports as `complete`. */
  end(): void {
    this.release();
    void this.source.return?.();
  }

  private release(): void {
    this.access.release(this.socket, this);
  }

  next(): Promise<IteratorResult<T>> {
    return this.source.next();
  }

  async return(): Promise<IteratorResult<T>> {
    this.release();
    return (await this.source.return?.()) ?? { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<T>> {
    this.release();
    if (this.source.throw) return this.source.throw(error);
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Keeps the open sockets of this process (each knows its person or API token), and re-checks
 * those of the people and tokens named the moment an access change is announced on the bus
 * (access-change.ts), on every instance: a
 * socket whose token no longer holds (role changed, signed out, token revoked, user deleted) is
 * closed with 4401; on the others, each running subscription asks its own question again (still
 * a member of the bid? of the cooperative?) and ends at once when the answer is no. After a bus
 * reconnection, when announcements may have been missed, every socket is re-checked.
 */
export class LiveAccess {
  /**
   * Open sockets, each with its running subscriptions' guards: an array made at the first (a
   * few per socket; an empty array or set would weigh more than its one guard).
   */
  private readonly sockets = new Map<LiveSocket, Guarded<unknown>[] | null>();
  private offs: (() => void)[] = [];
  private readonly recheckHooks = new Set<(socket: LiveSocket) => void>();

  constructor(
    private readonly bus: PgBus,
    /** The one validation of a socket's viewer against the current state (auth.service resolveViewerAgain). */
    private readonly resolve: (socket: LiveSocket) => Promise<Viewer | null>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.offs.push(await this.bus.on(ACCESS_CHANGED, (raw) => void this.changed(raw)));
    this.offs.push(this.bus.onReconnect(() => void this.recheck([...this.sockets.keys()])));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  /** Called for each socket whose access is checked again (caches of its decisions drop them). */
  onRecheck(hook: (socket: LiveSocket) => void): () => void {
    this.recheckHooks.add(hook);
    return () => this.recheckHooks.delete(hook);
  }

  /** Registers an open socket, until `unregister` (on close). */
  register(socket: LiveSocket): void {
    this.sockets.set(socket, null);
  }

  unregister(socket: LiveSocket): void {
    this.sockets.delete(socket);
  }

  /**
   * Ends `source` as soon as `check` says no after an access change of the socket's person. The
   * iterator's own `return` ends it, which graphql-ws reports to the client as `complete`.
   */
  guard<T>(socket: LiveSocket | null, source: AsyncIterableIterator<T>, check: AccessCheck): AsyncIterableIterator<T> {
    const guards = socket ? this.sockets.get(socket) : undefined;
    if (!socket || guards === undefined) return source;
    const guarded = new Guarded(check, source, this, socket);
    if (guards) guards.push(guarded);
    else this.sockets.set(socket, [guarded]);
    return guarded;
  }

  /** A guard's stream ended: it is asked no more. */
  release(socket: LiveSocket, guard: Guarded<unknown>): void {
    const guards = this.sockets.get(socket);
    const at = guards ? guards.indexOf(guard) : -1;
    if (guards && at >= 0) guards.splice(at, 1);
  }

  /** The sockets of these people and tokens, on this instance. */
  private affected(change: AccessChange): LiveSocket[] {
    const users = new Set(change.userIds ?? []);
    const tokens = new Set(change.tokenIds ?? []);
    return [...this.sockets.keys()].filter(({ viewer }) =>
      viewer.kind === "USER" ? users.has(viewer.userId) : viewer.kind === "API_TOKEN" && tokens.has(viewer.tokenId),
    );
  }

  private async changed(raw: string): Promise<void> {
    let change: AccessChange;
    try {
      change = JSON.parse(raw) as AccessChange;
    } catch {
      return;
    }
    await this.recheck(this.affected(change));
  }

  private async recheck(sockets: LiveSocket[]): Promise<void> {
    await Promise.all(
      sockets.map(async (socket) => {
        for (const hook of this.recheckHooks) hook(socket);
        try {
          const viewer = await this.resolve(socket);
          if (!viewer || viewer.kind === "ANONYMOUS") {
            socket.close(CLOSE_UNAUTHORIZED, "Access changed: reconnect with a valid token");
            return;
          }
          socket.viewer = viewer;
          const guards = this.sockets.get(socket);
          if (!guards) return;
          await Promise.all(
            [...guards].map(async (guard) => {
              if (!(await guard.check())) guard.end();
            }),
          );
        } catch (error) {
          // The database is out of reach: the next operation on the socket checks again.
          this.log.warn({ err: error }, "access re-check failed");
        }
      }),
    );
  }
}
