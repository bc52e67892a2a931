import type { Logger } from "pino";
import type { PgBus } from "../realtime/bus";
import { ACCESS_CHANGED, type AccessChange } from "./access-change";
import type { Viewer } from "./viewer";

/** graphql-ws close codes for a socket whose authority ended (reconnect with a valid token). */
export const CLOSE_UNAUTHORIZED = 4401;

/** An open WebSocket as access control sees it. */
export interface LiveSocket {
  /** The bearer token it was opened with, checked again on every change and operation. */
  readonly bearer: string;
  viewer: Viewer;
  close(code: number, reason: string): void;
}

/** A running subscription's question: may it go on? Asked again whenever its person's access changes. */
export type AccessCheck = () => Promise<boolean>;

interface Registration {
  socket: LiveSocket;
  /** Running subscriptions' checks, each with what ends it. */
  guards: Map<AccessCheck, () => void>;
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
  private readonly sockets = new Map<LiveSocket, Registration>();
  private offs: (() => void)[] = [];
  private readonly recheckHooks = new Set<(socket: LiveSocket) => void>();

  constructor(
    private readonly bus: PgBus,
    /** The one validation of a bearer token against the current state (auth.service resolveViewer). */
    private readonly resolve: (bearer: string) => Promise<Viewer | null>,
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

  /** Registers an open socket; the returned function forgets it (on close). */
  register(socket: LiveSocket): () => void {
    this.sockets.set(socket, { socket, guards: new Map() });
    return () => {
      this.sockets.delete(socket);
    };
  }

  /**
   * Ends `source` as soon as `check` says no after an access change of the socket's person. The
   * iterator's own `return` ends it, which graphql-ws reports to the client as `complete`.
   */
  guard<T>(socket: LiveSocket | null, source: AsyncIterableIterator<T>, check: AccessCheck): AsyncIterableIterator<T> {
    const registration = socket ? this.sockets.get(socket) : undefined;
    if (!registration) return source;
    const end = () => {
      registration.guards.delete(check);
      void source.return?.();
    };
    registration.guards.set(check, end);
    const release = () => registration.guards.delete(check);
    return {
      next: () => source.next(),
      return: async () => {
        release();
        return (await source.return?.()) ?? { value: undefined, done: true };
      },
      throw: async (error: unknown) => {
        release();
        if (source.throw) return source.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
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
          const viewer = await this.resolve(socket.bearer);
          if (!viewer || viewer.kind === "ANONYMOUS") {
            socket.close(CLOSE_UNAUTHORIZED, "Access changed: reconnect with a valid token");
            return;
          }
          socket.viewer = viewer;
          const registration = this.sockets.get(socket);
          if (!registration) return;
          await Promise.all(
            [...registration.guards].map(async ([check, end]) => {
              if (!(await check())) end();
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
