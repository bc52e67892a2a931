import type { DirectSink } from "../../realtime/shared-execution";
import { SectionMessageKind, type SectionMessage } from "./section-protocol";
import type { Origin, SectionSubscriber } from "./section-hub";

/** Messages a subscriber may have waiting; past it, provisional ones are dropped (sync recovers them). */
const SOFT_LIMIT = 2_000;
/** Past this, the stream ends: the client reconnects and syncs from its state vector. */
const HARD_LIMIT = 20_000;

/**
 * One subscriber's stream of a section: the first messages (the sync answer, the awareness now)
 * come before anything the hub delivered meanwhile; then each message as the hub hands it over.
 * A slow client loses provisional messages first (its next sync recovers them), and is ended
 * past HARD_LIMIT rather than holding memory without bound. Over a WebSocket whose operation can
 * share its results, messages go straight to the socket through `sink` (serialised once for all
 * subscribers) and the iterator only tells graphql-ws when the stream ends.
 */
export class SectionStream implements AsyncIterableIterator<SectionMessage>, SectionSubscriber {
  private readonly queue: SectionMessage[] = [];
  private started = false;
  private done = false;
  /** The pending `next()`'s resolver: a plain promise, not an async function's frame, is what an idle stream holds. */
  private wake: ((result: IteratorResult<SectionMessage>) => void) | null = null;
  private leave: (() => void) | null = null;

  constructor(
    readonly origin: Origin,
    private readonly mayRead: () => Promise<boolean>,
    private readonly onEnd: () => void,
    private readonly sink: DirectSink | null = null,
  ) {
    sink?.claim();
  }

  /** The hub's counter of relayed updates when this subscriber joined (section-hub.ts). */
  joinedAt = 0;

  /** The hub's leave function, called when the stream ends. */
  joined(leave: () => void): void {
    if (this.done) leave();
    else this.leave = leave;
  }

  /** Puts the first messages before whatever arrived meanwhile, and lets the stream flow. */
  start(first: SectionMessage[]): void {
    this.queue.unshift(...first);
    this.started = true;
    if (this.sink) for (const message of this.queue.splice(0)) this.send(message);
    this.poke();
  }

  push(message: SectionMessage): void {
    if (this.done) return;
    if (this.sink && this.started) return this.send(message);
    if (this.queue.length >= SOFT_LIMIT && (message.kind === SectionMessageKind.RELAYED || message.kind === SectionMessageKind.AWARENESS)) return;
    if (this.queue.length >= HARD_LIMIT) return this.finish();
    this.queue.push(message);
    if (this.started) this.poke();
  }

  private send(message: SectionMessage): void {
    const sink = this.sink;
    if (!sink || this.done) return;
    const droppable = message.kind === SectionMessageKind.RELAYED || message.kind === SectionMessageKind.AWARENESS;
    if (!sink.push(message, droppable)) this.finish();
  }

  revalidate(): void {
    void this.mayRead().then(
      (ok) => ok || this.finish(),
      () => undefined,
    );
  }

  /** Answers the pending `next()` if there is something to answer. */
  private poke(): void {
    const wake = this.wake;
    if (!wake) return;
    const result = this.ready();
    if (!result) return;
    this.wake = null;
    wake(result);
  }

  /** The next result if there is one now: a message once started, or the end. */
  private ready(): IteratorResult<SectionMessage> | null {
    if (this.done) return { value: undefined, done: true };
    const message = this.started ? this.queue.shift() : undefined;
    return message ? { value: message, done: false } : null;
  }

  next(): Promise<IteratorResult<SectionMessage>> {
    const result = this.ready();
    return result ? Promise.resolve(result) : new Promise((resolve) => (this.wake = resolve));
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.leave?.();
    this.leave = null;
    this.poke();
    this.onEnd();
  }

  async return(): Promise<IteratorResult<SectionMessage>> {
    this.finish();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<SectionMessage>> {
    this.finish();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
