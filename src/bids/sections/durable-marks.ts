/** No relay carried the current durable seq yet: it reached no one. */
const EVERYONE = Symbol("everyone");

/** What the next empty durable mark says: up to where the text is durable, and the one update it covers. */
export interface Mark {
  seq: number;
  clientMutationId: string | null;
}

/**
 * Who still has to be told up to where a section's text is durable (section-hub.ts), as pure
 * bookkeeping, the timer left to the hub. An editor that holds every update of a commit (it was
 * relayed them) is told by the next relay it receives, which carries the seq, or else by an empty
 * mark when the hub's timer fires. A relay reaches everyone but its sender, so one relay of
 * another sender, or a merged one (sent to all), covers everyone.
 */
export class DurableMarks<S extends { origin: object | null }> {
  private readonly late = new Set<S>();
  private lateSeq = 0;
  /** The seq of the first commit owed since the timer was armed (0: not armed). */
  private armedSeq = 0;
  private lateCmid: string | null = null;
  /** The last seq relays carried, and whose subscribers none of them reached. */
  private coverSeq = 0;
  private missing: object | null | typeof EVERYONE = EVERYONE;

  /** A relay carrying `seq` went to every subscriber but `origin`'s (null: to all). */
  relayed(seq: number, origin: object | null): void {
    if (this.coverSeq !== seq) {
      this.coverSeq = seq;
      this.missing = origin;
    } else if (this.missing === EVERYONE) this.missing = origin;
    else if (this.missing !== origin) this.missing = null;
  }

  /** Whether a relay told this subscriber that the text is durable up to `seq`. */
  covers(subscriber: S, seq: number): boolean {
    return this.coverSeq >= seq && (this.missing === null || (this.missing !== EVERYONE && this.missing !== subscriber.origin));
  }

  /** Owes `subscriber` a mark up to `seq`; true when the timer is to be armed (it was not). */
  owe(subscriber: S, seq: number, clientMutationId: string | null): boolean {
    this.late.add(subscriber);
    if (this.lateSeq !== seq) this.lateCmid = this.armedSeq ? null : clientMutationId;
    this.lateSeq = Math.max(this.lateSeq, seq);
    if (this.armedSeq) return false;
    this.armedSeq = seq;
    return true;
  }

  /** Owes it nothing any more (it was sent a mark with bytes, or it left). */
  settle(subscriber: S): void {
    this.late.delete(subscriber);
  }

  /**
   * The timer fired: who gets the empty mark now, and whether to arm the timer again. One a relay
   * told up to the seq the timer was armed at, but not the commits after it, waits one period more
   * for the next relay; a mark is never later than two periods.
   */
  due(): { mark: Mark; send: S[]; again: boolean } {
    const mark = { seq: this.lateSeq, clientMutationId: this.lateCmid };
    const send: S[] = [];
    const wait: S[] = [];
    for (const late of this.late) {
      if (this.covers(late, this.lateSeq)) continue;
      if (this.armedSeq < this.lateSeq && this.covers(late, this.armedSeq)) wait.push(late);
      else send.push(late);
    }
    this.late.clear();
    wait.forEach((s) => this.late.add(s));
    this.armedSeq = wait.length ? this.lateSeq : 0;
    this.lateCmid = null;
    return { mark, send, again: wait.length > 0 };
  }
}
