/** Something numbered in a bid's log. */
export interface Numbered {
  seq: number;
}

/**
 * Runs of a bid's events heard past a hole, waiting for the events before them. The writer hands
 * each answer to the feed at once, while what was committed by another instance (or by a
 * structured change of this one) comes by NOTIFY, maybe after a later local answer. The event
 * that fills the hole is then a moment away: the feed holds the run instead of reading the table.
 * Each run is contiguous (seq, seq + 1, ...); runs may overlap one another.
 */
export class HeldRuns<T extends Numbered> {
  /** By first seq. */
  private runs: T[][] = [];

  get size(): number {
    return this.runs.length;
  }

  /** Holds `run`, joined to the held runs it touches (a batch's events come one notice each). */
  hold(run: readonly T[]): void {
    if (run.length === 0) return;
    const first = run[0]!.seq;
    const at = this.runs.findIndex((held) => held[0]!.seq > first);
    this.runs.splice(at === -1 ? this.runs.length : at, 0, [...run]);
    const joined: T[][] = [];
    for (const next of this.runs) {
      const previous = joined.at(-1);
      const end = previous?.at(-1)!.seq;
      if (previous && end !== undefined && next[0]!.seq <= end + 1) previous.push(...next.filter((event) => event.seq > end));
      else joined.push(next);
    }
    this.runs = joined;
  }

  /**
   * The held events that now follow `head` without a hole, in seq order, taken out; runs that
   * end at or before `head` go too (already taken some other way).
   */
  release(head: number): T[] {
    const out: T[] = [];
    let next = head + 1;
    while (this.runs.length > 0) {
      const run = this.runs[0]!;
      const last = run.at(-1)!.seq;
      if (last < next) {
        this.runs.shift();
        continue;
      }
      if (run[0]!.seq > next) break;
      this.runs.shift();
      for (const event of run) if (event.seq >= next) out.push(event);
      next = last + 1;
    }
    return out;
  }

  clear(): void {
    this.runs = [];
  }
}

/** Whether `events` follow one another by seq, without a hole or a repeat. */
export function contiguous(events: readonly Numbered[]): boolean {
  return events.every((event, i) => i === 0 || event.seq === events[i - 1]!.seq + 1);
}
