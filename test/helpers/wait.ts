import type { EventEmitter } from "node:events";
import { createServer } from "node:net";

/**
 * Waiting in tests: on an event, a message, a row or a socket close, never on a guessed delay.
 * `sleep` is here for the cases a delay is the point: asserting that something does NOT happen
 * within a time, or pacing simulated typing (say so in a comment where it is used).
 */

/** A free TCP port on the loopback (nothing listens on it once this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A pause: to prove that something does not happen within `ms`, or a typing pace; anything else waits on an event. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitOptions {
  /** What is awaited, for the timeout's message: "the row of the bid", "both sockets listening". */
  label: string;
  timeoutMs?: number;
  /** How often a polled condition is checked again. */
  intervalMs?: number;
}

/** Not there yet: `until` checks again. */
type Pending = undefined | null | false;

/**
 * Resolves with the first value of `probe` that is neither undefined, null nor false; a probe that
 * throws (an `expect` not met yet, a server not listening yet) is checked again too. After
 * `timeoutMs` it rejects naming `label`, with the last failure or value seen.
 */
export async function until<T>(probe: () => T | Pending | Promise<T | Pending>, options: WaitOptions): Promise<T> {
  const { label, timeoutMs = 10_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = `last value: ${String(value)}`;
    } catch (error) {
      last = `last failure: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label} (${last})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * What `promise` settles to within `ms`, or `{ how: "running" }`: to assert that something does
 * NOT end (a subscription that must keep running), where a delay is the point.
 */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | { how: "running" }> {
  let timer: NodeJS.Timeout | undefined;
  const running = new Promise<{ how: "running" }>((resolve) => {
    timer = setTimeout(() => resolve({ how: "running" }), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, running]);
  } finally {
    clearTimeout(timer);
  }
}

/** Settles as `promise` does, or rejects after `timeoutMs` naming `label`. */
export async function within<T>(promise: Promise<T>, options: Omit<WaitOptions, "intervalMs">): Promise<T> {
  const { label, timeoutMs = 10_000 } = options;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The next `event` of an emitter (its first argument), or the next value of an async iterator;
 * rejects after `timeoutMs` naming `label` (and when the emitter emits "error" first).
 */
export function nextEvent<T = unknown>(emitter: EventEmitter, event: string, options: Omit<WaitOptions, "intervalMs">): Promise<T>;
export function nextEvent<T>(iterator: AsyncIterator<T>, options: Omit<WaitOptions, "intervalMs">): Promise<T>;
export function nextEvent<T>(
  source: EventEmitter | AsyncIterator<T>,
  eventOrOptions: string | Omit<WaitOptions, "intervalMs">,
  maybeOptions?: Omit<WaitOptions, "intervalMs">,
): Promise<T> {
  if (!("once" in source)) {
    const options = typeof eventOrOptions === "string" ? (maybeOptions ?? { label: "the next value" }) : eventOrOptions;
    return within(
      source.next().then((result) => {
        if (result.done) throw new Error(`${options.label}: the iterator ended`);
        return result.value;
      }),
      options,
    );
  }
  const emitter = source;
  const event = typeof eventOrOptions === "string" ? eventOrOptions : "";
  const options = maybeOptions ?? { label: `"${event}"` };
  let cleanup = (): void => undefined;
  const next = new Promise<T>((resolve, reject) => {
    const onEvent = (value: T) => {
      cleanup();
      resolve(value);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    emitter.once(event, onEvent);
    if (event !== "error") emitter.once("error", onError);
    cleanup = () => {
      emitter.off(event, onEvent);
      emitter.off("error", onError);
    };
  });
  return within(next, options).finally(() => cleanup());
}
