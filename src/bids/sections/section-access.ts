import type { EntityManager } from "@mikro-orm/postgresql";
import { preparedRows } from "../../common/prepared-query";

/** What a person may do with a section now, by the SQL rules (migration 20261206080000). */
export interface SectionDecision {
  bidId: string;
  /** An active member of the bid (reads the section, shares a cursor in it). */
  read: boolean;
  /** May type into it: the section is theirs to write and the bid's content is open. */
  write: boolean;
}

interface Cached {
  decision: SectionDecision | null;
  at: number;
  /** The bid's generation when it was decided (see invalidateBid). */
  generation: number;
  /** Asked again ahead of its expiry, in the background (decide). */
  renewing?: boolean;
}

/** A cached decision is never used once this old, whatever happened. */
const TTL_MS = 5_000;

/**
 * A decision used when older than this is asked again in the background, and replaces the cached
 * one when the answer comes: under steady typing a decision never expires, and no relay waits for
 * the database (a keystroke every 5 s did, a round trip late, longer when PostgreSQL was busy).
 */
const RENEW_AFTER_MS = TTL_MS / 2;

/**
 * Per socket, the decisions about the sections it types into: a provisional relay goes out before
 * the commit that checks everything again, and a keystroke cannot afford a query of its own. A
 * socket's decisions are forgotten the moment its person's access changes (auth/live-access.ts
 * calls forget on every re-check), when a commit refuses the update, and after TTL_MS; one in use
 * is asked again in the background before then (RENEW_AFTER_MS). Over HTTP (no socket) the
 * decision is asked every time.
 */
export class SectionAccess {
  private readonly bySocket = new WeakMap<object, Map<string, Cached>>();
  /** Bumped by every structured event of a bid seen here (members, assignees, status). */
  private readonly generations = new Map<string, number>();

  private em: EntityManager | null = null;
  private inFlight = 0;

  constructor(
    private readonly fork: () => EntityManager,
    /** The clock of the TTL (tests move it). */
    private readonly now: () => number = Date.now,
  ) {}

  /** Background renewals still running (renew). */
  get renewing(): number {
    return this.inFlight;
  }

  async decide(socket: object | null, userId: string, sectionId: string): Promise<SectionDecision | null> {
    const cache = socket ? this.bySocket.get(socket) : undefined;
    const hit = cache?.get(sectionId);
    const now = this.now();
    if (hit && now - hit.at < TTL_MS && (!hit.decision || hit.generation === this.generationOf(hit.decision.bidId))) {
      if (socket && !hit.renewing && now - hit.at >= RENEW_AFTER_MS) this.renew(socket, userId, sectionId, hit);
      return hit.decision;
    }
    const decision = await this.lookup(userId, sectionId);
    if (socket) this.remember(socket, sectionId, decision);
    return decision;
  }

  /**
   * Asks again for a cached decision still in use. The answer replaces it only if it is still the
   * one cached and its bid's generation has not moved meanwhile: a decision forgotten (access
   * changed) or invalidated while the query ran is not brought back by a query that began before.
   */
  private renew(socket: object, userId: string, sectionId: string, hit: Cached): void {
    hit.renewing = true;
    this.inFlight += 1;
    const generation = hit.decision ? this.generationOf(hit.decision.bidId) : 0;
    void this.lookup(userId, sectionId)
      .then(
        (decision) => {
          const current = this.bySocket.get(socket)?.get(sectionId);
          const moved = hit.decision !== null && this.generationOf(hit.decision.bidId) !== generation;
          if (current === hit && !moved) this.remember(socket, sectionId, decision);
          else hit.renewing = false;
        },
        // The database is away: the decision expires at TTL_MS and is then asked in the foreground.
        () => (hit.renewing = false),
      )
      .finally(() => (this.inFlight -= 1));
  }

  private remember(socket: object, sectionId: string, decision: SectionDecision | null): void {
    const map = this.bySocket.get(socket) ?? new Map<string, Cached>();
    map.set(sectionId, { decision, at: this.now(), generation: decision ? this.generationOf(decision.bidId) : 0 });
    this.bySocket.set(socket, map);
  }

  private async lookup(userId: string, sectionId: string): Promise<SectionDecision | null> {
    // A prepared statement on the pool, through one entity manager kept for it: every editor's
    // decision is asked again each RENEW_AFTER_MS, and a fork and the query builder cost more than the query.
    this.em ??= this.fork();
    const rows = await preparedRows<{ bid_id: string; read: boolean; write: boolean }>(
      this.em,
      `SELECT s.bid_id,
              EXISTS (SELECT 1 FROM bid_active_memberships a WHERE a.bid_id = s.bid_id AND a.user_id = ?) AS read,
              bid_section_writable(s.id, ?) AND bid_content_open(b.status) AS write
         FROM bid_sections s JOIN bids b ON b.id = s.bid_id WHERE s.id = ?`,
      [userId, userId, sectionId],
    );
    const row = rows[0];
    return row ? { bidId: row.bid_id, read: row.read, write: row.read && row.write } : null;
  }

  /** Every decision about a bid's sections is asked again (a structured event changed the bid). */
  invalidateBid(bidId: string): void {
    if (this.generations.size > 10_000) this.generations.clear();
    this.generations.set(bidId, this.generationOf(bidId) + 1);
  }

  private generationOf(bidId: string): number {
    return this.generations.get(bidId) ?? 0;
  }

  /** Forgets a socket's decisions (all, or one section's). */
  forget(socket: object, sectionId?: string): void {
    if (sectionId === undefined) this.bySocket.delete(socket);
    else this.bySocket.get(socket)?.delete(sectionId);
  }
}
