import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import type { AuthSettings } from "./auth/auth.service";
import type { SignInLimits, SignUpLimits } from "./auth/rate-limit";
import type { AccessCheck, LiveAccess, LiveSocket } from "./auth/live-access";
import type { Viewer } from "./auth/viewer";
import type { Config } from "./config";
import type { Jobs } from "./jobs/jobs";
import type { Mailer } from "./mail/mailer";
import type { Metrics } from "./ops/metrics";
import type { FileStores } from "./files/storage/file-stores";
import type { PgBus } from "./realtime/bus";
import type { DirectSink } from "./realtime/shared-execution";
import { createCooperativeLoaders, type CooperativeLoaders } from "./cooperatives/cooperative.loaders";
import { createTenderLoaders, type TenderLoaders } from "./tenders/tender.loaders";
import { createBidLoaders, type BidLoaders } from "./bids/bid.loaders";
import type { BidLive } from "./bids/live/live-services";

/** Long-lived parts of the process, shared by every operation. */
export interface AppServices {
  orm: MikroORM;
  config: Config;
  log: Logger;
  auth: AuthSettings;
  limits: SignInLimits;
  /** LISTEN/NOTIFY fan-out between instances. */
  bus: PgBus;
  /** The mail outbox and its sender. */
  mailer: Mailer;
  /** The background job queue (pg-boss): reminders, opportunity notifications, digests. */
  jobs: Jobs;
  signUpLimits: SignUpLimits;
  /** Prometheus metrics of this process. */
  metrics: Metrics;
  /** File storages (src/files/): the configured one for new files, both for reading. */
  files: FileStores;
  /** The live path's stateful parts (feeds, section documents, writer, presence). */
  live: BidLive;
}

/**
 * Per-operation context: a fresh entity manager (its identity map lives as long as the
 * operation), the viewer and the DataLoaders. A type, not an interface: graphql-ws needs an
 * index signature.
 */
export type Context = {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
  requestId: string;
  clientAddress: string;
  log: Logger;
  auth: AuthSettings;
  limits: SignInLimits;
  app: AppServices;
  /** Over WebSocket: the socket, whose running subscriptions end when its person's access does. */
  live: LiveContext | null;
  /**
   * Lets go of the entity manager and loaders made so far: the next use forks fresh ones. A
   * subscription calls it before each event, so that every event is resolved as of now.
   */
  renew(): void;
};

export interface LiveContext {
  access: LiveAccess;
  socket: LiveSocket;
  /** A subscription whose events can go straight to the socket, serialised once (realtime/shared-execution.ts). */
  sink: DirectSink | null;
}

/**
 * A subscription's stream, ended at once when `check` says no after an access change of its
 * person, on any instance (auth/live-access.ts). Over HTTP (no socket) it is returned as is.
 */
export function endOnAccessLoss<T>(ctx: Context, source: AsyncIterableIterator<T>, check: AccessCheck): AsyncIterableIterator<T> {
  return ctx.live ? ctx.live.access.guard(ctx.live.socket, source, check) : source;
}

export type Loaders = CooperativeLoaders & TenderLoaders & BidLoaders;

/** Fresh loaders on an entity manager (per operation; per event for subscriptions). */
export function createLoaders(em: EntityManager, live: Pick<BidLive, "docs">): Loaders {
  return { ...createCooperativeLoaders(em), ...createTenderLoaders(em), ...createBidLoaders(em, live.docs) };
}

/**
 * The context of one operation. The entity manager, loaders and logger are made on first use (a
 * live editor's text update over WebSocket needs none of the loaders, and it comes many times a
 * second), by getters on the prototype: Apollo clones the context with `Object.assign` onto an
 * object of the same prototype, which copies the fields below but runs no getter, so a request
 * builds only the loaders its resolvers use. Not to be spread (`{ ...ctx }` drops the getters):
 * name the fields a use case needs.
 */
class OperationContext {
  viewer: Viewer;
  readonly requestId: string;
  readonly clientAddress: string;
  readonly auth: AuthSettings;
  readonly limits: SignInLimits;
  readonly app: AppServices;
  readonly live: LiveContext | null;
  private madeEm: EntityManager | undefined = undefined;
  private madeLoaders: Loaders | undefined = undefined;
  private madeLog: Logger | undefined = undefined;

  constructor(app: AppServices, viewer: Viewer, meta: { requestId: string; clientAddress: string; live?: LiveContext }) {
    this.viewer = viewer;
    this.requestId = meta.requestId;
    this.clientAddress = meta.clientAddress;
    this.auth = app.auth;
    this.limits = app.limits;
    this.app = app;
    this.live = meta.live ?? null;
  }

  get em(): EntityManager {
    return (this.madeEm ??= this.app.orm.em.fork());
  }

  get loaders(): Loaders {
    return (this.madeLoaders ??= createLoaders(this.em, this.app.live));
  }

  get log(): Logger {
    return (this.madeLog ??= this.app.log.child({ requestId: this.requestId }));
  }

  renew(): void {
    this.madeEm = undefined;
    this.madeLoaders = undefined;
  }
}

export function createContext(app: AppServices, viewer: Viewer, meta: { requestId: string; clientAddress: string; live?: LiveContext }): Context {
  return new OperationContext(app, viewer, meta);
}
