import { encodeBase64 } from "./section-crdt";
import { decoding, encoding, syncProtocol, type Encoder } from "./yjs";

/**
 * The messages of a section stream, framed as y-websocket and Hocuspocus frame them, so that any
 * y-protocols client reads them: a varUint message type (0: sync, 1: awareness), then a sync
 * message (y-protocols/sync: step 2 or update) or an awareness update (y-protocols/awareness).
 */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;

/** Whence a message of a section stream comes; every kind but AWARENESS carries Yjs updates. */
export enum SectionMessageKind {
  SYNC = "SYNC",
  RELAYED = "RELAYED",
  DURABLE = "DURABLE",
  AWARENESS = "AWARENESS",
}

/** One message of a section stream, built once per event and shared by every subscriber. */
export interface SectionMessage {
  kind: SectionMessageKind;
  /** Base64 of the framed y-protocols message. */
  message: string;
  /** DURABLE, RELAYED: the section's text is durable up to this seq (and held); SYNC: the last text update the answer includes. */
  seq: number | null;
  /** SYNC: the server's state vector (base64), to send back what it lacks. */
  stateVector: string | null;
  /** DURABLE covering one update: the clientMutationId it was sent with (null for several). */
  clientMutationId: string | null;
}

function framed(type: number, write: (encoder: Encoder) => void): string {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encodeBase64(encoding.toUint8Array(encoder));
}

/** A Yjs update as a y-protocols sync "update" message. */
export function frameUpdate(update: Uint8Array): string {
  return framed(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update));
}

/** What a client lacks as a y-protocols sync step 2. */
export function frameSyncStep2(diff: Uint8Array): string {
  return framed(MESSAGE_SYNC, (e) => {
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(e, diff);
  });
}

/** A y-protocols awareness update. */
export function frameAwareness(update: Uint8Array): string {
  return framed(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, update));
}

/** The client ids an awareness update names (throws when it is not one). */
export function awarenessClients(update: Uint8Array): number[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const clients: number[] = [];
  for (let i = 0; i < count; i++) {
    clients.push(decoding.readVarUint(decoder));
    decoding.readVarUint(decoder);
    JSON.parse(decoding.readVarString(decoder));
  }
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes after the awareness update");
  return clients;
}
