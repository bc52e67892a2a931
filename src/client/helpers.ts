import { encoding, fromBase64, type Encoder } from "./deps";
import type { ProviderError } from "./types";

/**
 * Where a sync message's reply is written: only a sync step 1 needs one, and the server never sends
 * one, so replies are dropped. `sink` is kept while it stays empty (it always does): an encoder
 * made per message was a 100-byte buffer and three objects of garbage for every delivery.
 */
export function encodingSink(sink?: Encoder): Encoder {
  return sink && encoding.length(sink) === 0 ? sink : encoding.createEncoder();
}

/** The first GraphQL error of a graphql-ws error (an array of errors), or null (a closed socket). */
export function graphqlError(error: unknown): ProviderError | null {
  if (!Array.isArray(error) || error.length === 0) return null;
  const first = error[0] as { message?: string; extensions?: { code?: unknown } };
  const code = first.extensions?.code;
  return { code: typeof code === "string" ? code : "INTERNAL_SERVER_ERROR", message: first.message ?? "" };
}

/** The expiry of a JWT (ms since the epoch), or null when the token is not one. */
export function jwtExpiry(token: string): number | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = JSON.parse(
      new TextDecoder().decode(
        fromBase64(
          part
            .replace(/-/g, "+")
            .replace(/_/g, "/")
            .padEnd(Math.ceil(part.length / 4) * 4, "="),
        ),
      ),
    ) as { exp?: unknown };
    return typeof json.exp === "number" ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}

type SocketConstructor = new (url: string, protocols?: string | string[]) => { addEventListener(type: string, listener: () => void): void };

/**
 * The WebSocket implementation with an error listener of its own: Node's `ws` throws an `error`
 * event nobody listens to, which a socket closed while still connecting (graphql-ws has let go of
 * it) would otherwise do. Browsers never throw there; the close that follows is what counts.
 */
export function quiet(impl: unknown): unknown {
  if (typeof impl !== "function") return impl;
  const Base = impl as SocketConstructor;
  return class QuietWebSocket extends Base {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("error", () => undefined);
    }
  };
}
