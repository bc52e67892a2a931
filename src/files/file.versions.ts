/** Version rules shared by tender documents and bid attachments. Pure. */

export interface Versioned {
  nameKey: string;
  version: number;
  deletedAt: Date | null;
}

/**
 * The files a subject shows: the latest version of each name, without those whose latest version
 * is deleted unless asked; newest first.
 */
export function currentVersions<T extends Versioned & { createdAt: Date }>(rows: readonly T[], includeDeleted: boolean): T[] {
  const latest = new Map<string, T>();
  for (const row of rows) {
    const known = latest.get(row.nameKey);
    if (!known || row.version > known.version) latest.set(row.nameKey, row);
  }
  return [...latest.values()]
    .filter((row) => includeDeleted || row.deletedAt === null)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.nameKey.localeCompare(b.nameKey));
}

/** Why a file cannot be marked deleted, or null when it can: only the current version, once. */
export function deletionRefusal(file: Versioned, latestVersion: number): string | null {
  if (file.deletedAt !== null) return "This file is already deleted.";
  if (file.version !== latestVersion) return `This is version ${file.version}; only the current version (${latestVersion}) can be deleted.`;
  return null;
}
