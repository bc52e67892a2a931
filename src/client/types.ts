import type { Awareness, YDoc } from "./deps";

/** What a SectionProvider takes (see section-provider.ts). */
export interface SectionProviderOptions {
  /** http(s) or ws(s) URL of the API's /graphql. */
  url: string;
  /** Global id of the section (BidSection). */
  sectionId: string;
  /** The sign-in token, or a function that returns a current one (asked at each connection). */
  token: string | (() => string | Promise<string>);
  doc?: YDoc;
  awareness?: Awareness;
  /** A WebSocket implementation (Node: `require("ws")`); the global one by default. */
  WebSocket?: unknown;
  /** Renew the token this long before it expires (default 60 s; 0: never). */
  renewBeforeMs?: number;
  /** Told of each renewed token (store it for the next page load). */
  onToken?: (token: string) => void;
  /** Period of the sync exchange (default 30 s). */
  syncIntervalMs?: number;
  /** First delay before reconnecting (default 250 ms), doubled up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Prefix of the clientMutationIds, followed by a random part of each provider's own (default "p"). */
  name?: string;
  /** Connect at once (default true); otherwise call connect(). */
  connect?: boolean;
}

export type ProviderStatus = "connecting" | "connected" | "disconnected";

export interface SectionProviderEvents {
  status: (status: ProviderStatus) => void;
  /** After the sync answer (true), and when the connection is lost (false). */
  synced: (synced: boolean) => void;
  /** A local change is durable: its clientMutationId, seq and round trip. */
  acknowledged: (ack: { clientMutationId: string; seq: number; ms: number }) => void;
  /** A refused change (dropped: it is still in the document), or access refused on (re)subscribing (the provider stops). */
  error: (error: ProviderError) => void;
  /** Every message of the section's stream, after it is applied (for tools and tests). */
  message: (message: StreamMessage) => void;
}

export interface ProviderError {
  code: string;
  message: string;
}

export interface StreamMessage {
  kind: "SYNC" | "RELAYED" | "DURABLE" | "AWARENESS";
  message: string;
  seq: number | null;
  stateVector: string | null;
  clientMutationId: string | null;
}
