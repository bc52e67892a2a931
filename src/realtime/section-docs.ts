import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../common/validate";
import { buildDoc, textOf } from "./section-crdt";
import { Y, type YDoc } from "./yjs";

/** A section's document as of `seq`: what reads serve and snapshots store. Never changes. */
export interface SectionDocView {
  /** Seq of the last text update included (the snapshot's seq when there is none after it). */
  readonly seq: number;
  /** Y.encodeStateAsUpdate of the document. */
  readonly state: Uint8Array;
  /** The plain-text projection. */
  readonly text: string;
}

interface Entry {
  doc: YDoc;
  seq: number;
  view: SectionDocView | null;
  usedAt: number;
}

/** Documents kept per process, least recently used dropped first. */
const MAX_DOCS = 200;
/** A document nobody read or compacted for this long is dropped. */
const IDLE_MS = 10 * 60_000;

interface Row {
  id: string;
  snapshot: Buffer | null;
  snapshot_seq: number;
  seqs: number[];
  updates: string[];
}

/**
 * Section documents kept integrated in memory, per process. Integrating a Yjs update costs far
 * more than reading it, and a section's document grows with every keystroke: rebuilding it from
 * the snapshot for each compaction or read blocked the event loop for tens of milliseconds under
 * live editing. A cached document only ever moves forward with the text updates committed in the
 * log after its seq (committed seqs form a prefix of the log, so "after seq" misses nothing), and
 * the log is the truth: a document built by another instance, or from a snapshot, is the same.
 */
export class SectionDocs {
  private readonly entries = new Map<string, Entry>();

  /** The documents of these sections as of now (sections that do not exist are absent). */
  async load(em: EntityManager, sectionIds: readonly string[]): Promise<Map<string, SectionDocView>> {
    const result = new Map<string, SectionDocView>();
    if (sectionIds.length === 0) return result;
    const ids = [...new Set(sectionIds)];
    const now = Date.now();
    this.evict(now);
    // A cached document reads the updates after its seq; another reads the snapshot and after it.
    // The entries are taken now: one dropped while the query runs is still advanced and served.
    const bases = new Map(ids.map((id) => [id, this.entries.get(id)]));
    const after = ids.map((id) => bases.get(id)?.seq ?? -1);
    const rows = await em.execute<Row[]>(
      `SELECT s.id, CASE WHEN c.after < 0 THEN s.snapshot END AS snapshot, s.snapshot_seq,
              coalesce(array_agg(e.seq ORDER BY e.seq) FILTER (WHERE e.seq IS NOT NULL), '{}') AS seqs,
              coalesce(array_agg(e.payload->>'update' ORDER BY e.seq) FILTER (WHERE e.seq IS NOT NULL), '{}') AS updates
         FROM unnest(?::uuid[], ?::int[]) AS c(id, after)
         JOIN bid_sections s ON s.id = c.id
         LEFT JOIN bid_events e ON e.section_id = s.id AND e.type = 'SECTION_TEXT_UPDATED'
                               AND e.seq > (CASE WHEN c.after < 0 THEN s.snapshot_seq ELSE c.after END)
        GROUP BY s.id, c.after`,
      [pgArray(ids), pgArray(after.map(String))],
    );
    const found = new Set<string>();
    for (const row of rows) {
      found.add(row.id);
      result.set(row.id, this.advance(row, bases.get(row.id), now));
    }
    for (const id of ids) if (!found.has(id)) this.entries.delete(id);
    return result;
  }

  private advance(row: Row, base: Entry | undefined, now: number): SectionDocView {
    const updates = row.updates.map((u) => new Uint8Array(Buffer.from(u, "base64")));
    const lastSeq = row.seqs[row.seqs.length - 1] ?? 0;
    let entry: Entry;
    if (!base) {
      entry = { doc: buildDoc(row.snapshot ? new Uint8Array(row.snapshot) : null, updates), seq: Math.max(row.snapshot_seq, lastSeq), view: null, usedAt: now };
    } else {
      entry = base;
      // Another load may have advanced the document meanwhile: apply only what is newer.
      const fresh = updates.filter((_, i) => row.seqs[i]! > entry.seq);
      if (fresh.length) {
        try {
          entry.doc.transact(() => fresh.forEach((update) => Y.applyUpdate(entry.doc, update)));
        } catch (error) {
          this.entries.delete(row.id);
          throw error;
        }
        entry.seq = lastSeq;
        entry.view = null;
      }
    }
    entry.usedAt = now;
    const current = this.entries.get(row.id);
    if (!current || current === entry || current.seq < entry.seq) {
      // Most recently used last: the first entries are the ones to drop.
      this.entries.delete(row.id);
      this.entries.set(row.id, entry);
    }
    entry.view ??= { seq: entry.seq, state: Y.encodeStateAsUpdate(entry.doc), text: textOf(entry.doc) };
    return entry.view;
  }

  private evict(now: number): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= MAX_DOCS && now - entry.usedAt < IDLE_MS) break;
      this.entries.delete(id);
    }
  }
}

const caches = new WeakMap<object, SectionDocs>();

/** The process's section documents for the database behind `em`. */
export function sectionDocs(em: EntityManager): SectionDocs {
  const key = em.getDriver();
  let cache = caches.get(key);
  if (!cache) {
    cache = new SectionDocs();
    caches.set(key, cache);
  }
  return cache;
}
