import path from "node:path";
import type { MikroORM } from "@mikro-orm/postgresql";
import { DiskStorage } from "./disk.storage";
import type { FileStorage, StorageKind } from "./file-storage";
import { PostgresStorage } from "./postgres.storage";

/** Both storages, and the one new files go to (FILE_STORAGE); a file is read from the one its row names. */
export interface FileStores {
  current: FileStorage;
  of(kind: StorageKind): FileStorage;
}

export function createFileStores(orm: MikroORM, settings: { storage: StorageKind; dataDir: string }): FileStores {
  const stores: Record<StorageKind, FileStorage> = {
    postgres: new PostgresStorage(orm),
    disk: new DiskStorage(path.join(settings.dataDir, "files")),
  };
  return { current: stores[settings.storage], of: (kind) => stores[kind] };
}
