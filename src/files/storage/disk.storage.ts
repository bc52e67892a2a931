import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkKey, Digest, MissingObjectError, type FileStorage, type StoredObject } from "./file-storage";

/**
 * Files in a folder (`DATA_DIR/files`): `<first two characters of the key>/<key>`. A file is
 * written to `tmp/` and renamed into place once complete and synced, so a reader never sees half
 * a file and a crash leaves only a temporary file behind. Paths come from the uuid key only.
 */
export class DiskStorage implements FileStorage {
  readonly kind = "disk" as const;

  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    checkKey(key);
    return path.join(this.root, key.slice(0, 2), key);
  }

  async put(source: Readable): Promise<StoredObject> {
    const key = randomUUID();
    const temporary = path.join(this.root, "tmp", `${key}.part`);
    await mkdir(path.dirname(temporary), { recursive: true });
    const digest = new Digest();
    try {
      await pipeline(source, digest, createWriteStream(temporary, { flags: "wx", mode: 0o600 }));
      const handle = await open(temporary, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const final = this.pathOf(key);
      await mkdir(path.dirname(final), { recursive: true });
      await rename(temporary, final);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { key, size: digest.size, sha256: digest.hex() };
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      await stat(file);
    } catch {
      throw new MissingObjectError(key);
    }
    return createReadStream(file);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
