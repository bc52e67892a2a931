import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { MikroORM } from "@mikro-orm/postgresql";
import { checkKey, MissingObjectError, type FileStorage, type StoredObject } from "./file-storage";

/** Rows of 256 KiB: few round trips for a large file, little memory per upload. */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Files in PostgreSQL, as numbered `bytea` chunks (`file_chunks`) under a blob row (`file_blobs`).
 *
 * Why not large objects (`lo_*`): a large object lives outside the tables (no foreign key, so a
 * deleted row leaves an orphan until `vacuumlo`), is left out of logical replication, and its
 * descriptors only live inside one transaction, so streaming one would hold a pooled connection
 * (and a transaction) for the whole upload. Chunks are plain rows: written one statement at a time
 * as the stream comes (no connection held between two chunks), read back one at a time, deleted by
 * cascade, dumped and replicated like everything else. A failed upload deletes its blob.
 */
export class PostgresStorage implements FileStorage {
  readonly kind = "postgres" as const;

  constructor(private readonly orm: MikroORM) {}

  private async sql<T>(text: string, params: unknown[]): Promise<T> {
    return (await this.orm.em.getConnection().execute(text, params)) as unknown as T;
  }

  async put(source: Readable): Promise<StoredObject> {
    const key = randomUUID();
    const hash = createHash("sha256");
    let size = 0;
    await this.sql("INSERT INTO file_blobs (key) VALUES (?)", [key]);
    try {
      let n = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        await this.sql("INSERT INTO file_chunks (blob_key, n, data) VALUES (?, ?, ?)", [key, n, Buffer.concat(pending, pendingBytes)]);
        n += 1;
        pending = [];
        pendingBytes = 0;
      };
      // Iterating the source itself: an error it had before (or while) we read is thrown here.
      for await (const chunk of source) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        size += bytes.length;
        pending.push(bytes);
        pendingBytes += bytes.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      await flush();
      const sha256 = hash.digest("hex");
      await this.sql("UPDATE file_blobs SET size = ?, sha256 = ?, complete = true WHERE key = ?", [size, sha256, key]);
      return { key, size, sha256 };
    } catch (error) {
      source.destroy();
      await this.sql("DELETE FROM file_blobs WHERE key = ?", [key]);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    checkKey(key);
    const rows = await this.sql<{ chunks: number }[]>(
      "SELECT (SELECT count(*) FROM file_chunks c WHERE c.blob_key = b.key)::int AS chunks FROM file_blobs b WHERE b.key = ? AND b.complete",
      [key],
    );
    if (!rows[0]) throw new MissingObjectError(key);
    const count = rows[0].chunks;
    const read = (n: number) => this.sql<{ data: Buffer }[]>("SELECT data FROM file_chunks WHERE blob_key = ? AND n = ?", [key, n]);
    return Readable.from(
      (async function* () {
        for (let n = 0; n < count; n++) {
          const [row] = await read(n);
          if (!row) throw new MissingObjectError(key);
          yield row.data;
        }
      })(),
    );
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.sql("DELETE FROM file_blobs WHERE key = ?", [key]);
  }
}
