import { createHash } from "node:crypto";
import { Transform, type Readable, type TransformCallback } from "node:stream";

/** Where a file's bytes live; recorded on each file row, so switching FILE_STORAGE keeps old files readable. */
export type StorageKind = "postgres" | "disk";
export const STORAGE_KINDS: readonly StorageKind[] = ["postgres", "disk"];

/** What storing a stream gives back. */
export interface StoredObject {
  /** Opaque key, chosen by the storage (a uuid), never derived from the user's file name. */
  key: string;
  size: number;
  /** Lower-case hex SHA-256 of the bytes as stored. */
  sha256: string;
}

/**
 * The storage interface every file goes through. `put` consumes the stream (with backpressure,
 * never the whole file in memory) and stores it completely or not at all: when the stream errors,
 * what was written is removed and `put` rejects with the stream's error.
 */
export interface FileStorage {
  readonly kind: StorageKind;
  put(source: Readable): Promise<StoredObject>;
  /** The bytes; rejects with {@link MissingObjectError} for an unknown key. */
  get(key: string): Promise<Readable>;
  /** Removes the object; an unknown key is not an error (deleting twice is harmless). */
  delete(key: string): Promise<void>;
}

export class MissingObjectError extends Error {
  constructor(key: string) {
    super(`No stored object ${key}.`);
    this.name = "MissingObjectError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keys are uuids made by the storage: anything else (a path, `..`) is refused before any I/O. */
export function checkKey(key: string): string {
  if (typeof key !== "string" || !UUID.test(key)) throw new MissingObjectError(String(key).slice(0, 60));
  return key;
}

/** Counts and hashes what passes through: both storages report size and checksum the same way. */
export class Digest extends Transform {
  private readonly hash = createHash("sha256");
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  hex(): string {
    return this.hash.digest("hex");
  }
}
