import type { EntityManager } from "@mikro-orm/postgresql";
import { preparedRows } from "../../common/prepared-query";
import { COMPACT_EVERY, COMPACT_MIN_INTERVAL_MS } from "./section-crdt";
import type { SectionDocs } from "./section-docs";

/** Sections remembered per map before it is cleared (a bound, not a cache policy). */
const MAX_TRACKED = 10_000;

/**
 * Snapshots of sections, off the hot path, per process: every COMPACT_EVERY text updates this
 * process applied, and at most every COMPACT_MIN_INTERVAL_MS per section, the process's document
 * of the section (section-docs.ts) takes the updates committed since it last looked, then the new
 * snapshot is written only if nobody compacted meanwhile. Writers never wait for it: a text
 * update does not touch the section's row (migration 20261126120000). A failed attempt is tried
 * again COMPACT_EVERY updates later. Built once with the app's services (live-services.ts).
 */
export class SectionCompactor {
  private readonly compacting = new Set<string>();
  /** When each section was last compacted by this process. */
  private readonly compactedAt = new Map<string, number>();
  /** Text updates this process applied to each section since it last compacted it. */
  private readonly sinceCompaction = new Map<string, number>();

  constructor(
    private readonly fork: () => EntityManager,
    private readonly docs: SectionDocs,
  ) {}

  /** Called after each text update this process committed. */
  applied(sectionId: string): void {
    const count = (this.sinceCompaction.get(sectionId) ?? 0) + 1;
    if (this.sinceCompaction.size > MAX_TRACKED) this.sinceCompaction.clear();
    this.sinceCompaction.set(sectionId, count);
    const now = Date.now();
    if (count < COMPACT_EVERY || this.compacting.has(sectionId) || now - (this.compactedAt.get(sectionId) ?? 0) < COMPACT_MIN_INTERVAL_MS) return;
    if (this.compactedAt.size > MAX_TRACKED) this.compactedAt.clear();
    this.compactedAt.set(sectionId, now);
    this.sinceCompaction.delete(sectionId);
    this.compacting.add(sectionId);
    void this.compact(this.fork(), sectionId)
      .catch(() => undefined)
      .finally(() => this.compacting.delete(sectionId));
  }

  private async compact(em: EntityManager, sectionId: string): Promise<void> {
    const [row] = await em.execute<{ snapshot_seq: number }[]>("SELECT snapshot_seq FROM bid_sections WHERE id = ?", [sectionId]);
    if (!row) return;
    const view = (await this.docs.load(em, [sectionId])).get(sectionId);
    if (!view || view.seq <= row.snapshot_seq) return;
    // Bound, not inlined: MikroORM's execute writes the snapshot into the SQL text as a hex literal
    // (twice its size, formatted by knex on the event loop: 25 ms for a 400 KB document, every 10 s
    // of typing); a bound Buffer goes to PostgreSQL as it is.
    await preparedRows(em, "UPDATE bid_sections SET snapshot = ?, snapshot_seq = ?, snapshot_text = ? WHERE id = ? AND snapshot_seq = ?", [
      Buffer.from(view.state),
      view.seq,
      view.text,
      sectionId,
      row.snapshot_seq,
    ]);
  }
}
