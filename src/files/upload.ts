import type { Readable } from "node:stream";
import { announcedSha256 } from "./file.types";
import { UploadGuard, UploadRefused } from "./upload.guard";
import type { MediaType } from "./file.types";
import type { FileStores } from "./storage/file-stores";
import type { StorageKind } from "./storage/file-storage";

/** A file as the HTTP layer hands it over: a stream not read yet, its cleaned name, what the client says. */
export interface IncomingFile {
  stream: Readable;
  fileName: string;
  /** The declared media type (null when generic or absent). */
  declared: string | null;
  /** The SHA-256 the client announced (hex), null when unreadable, undefined when none. */
  announced: string | null | undefined;
}

/** A file whose bytes are stored and checked: what a file row records. */
export interface StoredUpload {
  fileName: string;
  contentType: MediaType;
  size: number;
  sha256: string;
  storage: StorageKind;
  storageKey: string;
}

/** A checksum the client announced that the bytes do not match: 400, nothing kept. */
export class ChecksumMismatch extends Error {
  constructor(
    readonly announced: string | null,
    readonly actual: string,
  ) {
    super(
      announced === null
        ? "The announced checksum is not a SHA-256 (Content-Digest: sha-256=:<base64>: or X-Checksum-SHA256: <hex>)."
        : "The file's SHA-256 is not the one announced: it was not kept.",
    );
    this.name = "ChecksumMismatch";
  }
}

/**
 * Streams an upload into the configured storage through the guard (size, type on the bytes), then
 * checks the announced checksum; whatever is refused is not kept.
 */
export async function storeUpload(stores: FileStores, file: IncomingFile, maxBytes: number): Promise<StoredUpload> {
  if (file.announced === null) throw new ChecksumMismatch(null, "");
  const guard = new UploadGuard(maxBytes, file.declared, file.fileName);
  // pipe() does not forward the source's errors (a client that goes away): the guard carries them.
  file.stream.once("error", (error) => guard.destroy(error));
  // The guard may fail before the storage reads it: the storage sees the failure in the stream's
  // state when it does; this listener only keeps the early 'error' event from being unhandled.
  guard.on("error", () => undefined);
  const storage = stores.current;
  const stored = await storage.put(file.stream.pipe(guard));
  if (file.announced !== undefined && file.announced !== stored.sha256) {
    await storage.delete(stored.key);
    throw new ChecksumMismatch(file.announced, stored.sha256);
  }
  if (!guard.type) throw new UploadRefused(415, "UNSUPPORTED_MEDIA_TYPE", "The file's type could not be judged.");
  return { fileName: file.fileName, contentType: guard.type, size: stored.size, sha256: stored.sha256, storage: storage.kind, storageKey: stored.key };
}

/** Runs `record` with the stored file; when it fails, the bytes are removed (no orphan). */
export async function keepOrDiscard<T>(stores: FileStores, upload: StoredUpload, record: () => Promise<T>): Promise<T> {
  try {
    return await record();
  } catch (error) {
    await stores.of(upload.storage).delete(upload.storageKey);
    throw error;
  }
}

export { announcedSha256 };
