import type { EntityManager } from "@mikro-orm/postgresql";
import { pgArray } from "../../common/validate";
import { buildDoc, textOf } from "./section-crdt";
import { Y, type YDoc } from "./yjs";

/**
 * A section's document as of at least `seq`: what reads serve and snapshots store. Each part is
 * computed from the cached document when first asked, then kept: a part asked after the document
 * moved on may include later updates too (harmless: updates apply idempotently, and `seq` only
 * promises "at least"). A sync answer (`diff`) and the state vector cost what is missing and the
 * number of writers, not the size of the document, which decoding the full state would.
 */
export interface SectionDocView {
  /** Seq of the last text update included (the snapshot's seq when there is none after it). */
  readonly seq: number;
  /** Y.encodeStateAsUpdate of the document. */
  readonly state: Uint8Array;
  /** The plain-text projection. */
  readonly text: string;
  /** Y.encodeStateVector of the document. */
  readonly stateVector: Uint8Array;
  /** What a document at `vector` lacks (a Yjs update). */
  diff(vector: Uint8Array): Uint8Array;
}

/** A view over a cached document, each part computed once, on demand. */
class LazyView implements SectionDocView {
  private parts: { state?: Uint8Array; text?: string; stateVector?: Uint8Array } = {};

  constructor(
    private readonly doc: YDoc,
    readonly seq: number,
  ) {}

  get state(): Uint8Array {
    return (this.parts.state ??= Y.encodeStateAsUpdate(this.doc));
  }

  get text(): string {
    return (this.parts.text ??= textOf(this.doc));
  }

  get stateVector(): Uint8Array {
    return (this.parts.stateVector ??= Y.encodeStateVector(this.doc));
  }

  diff(vector: Uint8Array): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc, vector);
  }
}

interface Entry {
  bidId: string;
  doc: YDoc;
  /** Seq of the last text update of the section the document includes. */
  seq: number;
  /** The document holds every text update of the section up to this seq of the bid's log. */
  coverage: number;
  view: SectionDocView | null;
  usedAt: number;
}

/** What a document needs of a bid event to follow the log (src/bids/live/bid-feed.ts). */
export interface FollowedEvent {
  seq: number;
  /** The section of a text update, null for any other event. */
  textOf: string | null;
  /** The Yjs update, base64, of a text update. */
  update: string | null;
}

/**
 * A section's row, its bid's head and the text updates after a seq (`after`, or the snapshot's
 * when negative), for several sections at once. LATERAL: the seq bound is then part of the index
 * condition on (section_id, seq); as a join condition it was a filter after reading every event
 * of the section, so each sync answer cost the section's whole history (20 ms at 12,000 events,
 * 2 ms with the bound in the index).
 */
export const LOAD_SQL = `SELECT s.id, s.bid_id, b.head_seq, CASE WHEN c.after < 0 THEN s.snapshot END AS snapshot, s.snapshot_seq,
              coalesce(ev.seqs, '{}') AS seqs, coalesce(ev.updates, '{}') AS updates
         FROM unnest(?::uuid[], ?::int[]) AS c(id, after)
         JOIN bid_sections s ON s.id = c.id
         JOIN bids b ON b.id = s.bid_id
         LEFT JOIN LATERAL (
           SELECT array_agg(e.seq ORDER BY e.seq) AS seqs, array_agg(e.payload->>'update' ORDER BY e.seq) AS updates
             FROM bid_events e
            WHERE e.section_id = s.id AND e.seq > (CASE WHEN c.after < 0 THEN s.snapshot_seq ELSE c.after END)
              AND e.type = 'SECTION_TEXT_UPDATED'
         ) ev ON true`;

/** Documents kept per process, least recently used dropped first. */
const MAX_DOCS = 200;
/** A document nobody read or compacted for this long is dropped. */
const IDLE_MS = 10 * 60_000;

interface Row {
  id: string;
  bid_id: string;
  head_seq: number;
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
 * While the process has a feed of the bid open (live subscribers), the documents also follow the
 * events as they pass (follow()), so that a compaction finds them current instead of integrating
 * ten seconds of typing in one go.
 */
export class SectionDocs {
  private readonly entries = new Map<string, Entry>();
  /** Section ids of the cached documents, per bid. */
  private readonly byBid = new Map<string, Set<string>>();

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
    const rows = await em.execute<Row[]>(LOAD_SQL, [pgArray(ids), pgArray(after.map(String))]);
    const found = new Set<string>();
    for (const row of rows) {
      found.add(row.id);
      result.set(row.id, this.advance(row, bases.get(row.id), now));
    }
    for (const id of ids) if (!found.has(id)) this.drop(id);
    return result;
  }

  /**
   * The cached document of a section as it is now, without reading the table: current up to the
   * events its process has seen (null when it is not cached). load() is the way to read it.
   */
  peek(sectionId: string): SectionDocView | null {
    const entry = this.entries.get(sectionId);
    return entry ? viewOf(entry) : null;
  }

  /**
   * Moves the cached documents of a bid along its log, as the process's feed takes new events:
   * `since(seq)` answers the events after `seq`, in order and without holes, from the feed's
   * window (null when `seq` is older than the window: that document waits for its next load).
   */
  follow(bidId: string, since: (seq: number) => readonly FollowedEvent[] | null): void {
    const ids = this.byBid.get(bidId);
    if (!ids) return;
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      const events = since(entry.coverage);
      if (!events?.length) continue;
      const fresh: Uint8Array[] = [];
      let seq = entry.seq;
      let coverage = entry.coverage;
      for (const event of events) {
        if (event.seq !== coverage + 1) break;
        if (event.textOf === id && event.update !== null) {
          fresh.push(new Uint8Array(Buffer.from(event.update, "base64")));
          seq = event.seq;
        }
        coverage = event.seq;
      }
      if (fresh.length) {
        try {
          entry.doc.transact(() => fresh.forEach((update) => Y.applyUpdate(entry.doc, update)));
        } catch {
          // The next load rebuilds it from the table.
          this.drop(id);
          continue;
        }
        entry.view = null;
      }
      entry.seq = seq;
      entry.coverage = coverage;
    }
  }

  private put(id: string, entry: Entry): void {
    // Most recently used last: the first entries are the ones to drop.
    this.entries.delete(id);
    this.entries.set(id, entry);
    let ids = this.byBid.get(entry.bidId);
    if (!ids) {
      ids = new Set();
      this.byBid.set(entry.bidId, ids);
    }
    ids.add(id);
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    const ids = this.byBid.get(entry.bidId);
    ids?.delete(id);
    if (ids?.size === 0) this.byBid.delete(entry.bidId);
  }

  private advance(row: Row, base: Entry | undefined, now: number): SectionDocView {
    const updates = row.updates.map((u) => new Uint8Array(Buffer.from(u, "base64")));
    const lastSeq = row.seqs[row.seqs.length - 1] ?? 0;
    let entry: Entry;
    if (!base) {
      const doc = buildDoc(row.snapshot ? new Uint8Array(row.snapshot) : null, updates);
      entry = { bidId: row.bid_id, doc, seq: Math.max(row.snapshot_seq, lastSeq), coverage: 0, view: null, usedAt: now };
    } else {
      entry = base;
      // Another load may have advanced the document meanwhile: apply only what is newer.
      const fresh = updates.filter((_, i) => row.seqs[i]! > entry.seq);
      if (fresh.length) {
        try {
          entry.doc.transact(() => fresh.forEach((update) => Y.applyUpdate(entry.doc, update)));
        } catch (error) {
          this.drop(row.id);
          throw error;
        }
        entry.seq = lastSeq;
        entry.view = null;
      }
    }
    // The statement saw every event up to the bid's head (commits follow seq order).
    entry.coverage = Math.max(entry.coverage, row.head_seq);
    entry.usedAt = now;
    const current = this.entries.get(row.id);
    if (!current || current === entry || current.seq < entry.seq) this.put(row.id, entry);
    return viewOf(entry);
  }

  private evict(now: number): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= MAX_DOCS && now - entry.usedAt < IDLE_MS) break;
      this.drop(id);
    }
  }
}

/** The entry's view, one per change of its document (its parts computed when asked). */
function viewOf(entry: Entry): SectionDocView {
  entry.view ??= new LazyView(entry.doc, entry.seq);
  return entry.view;
}
