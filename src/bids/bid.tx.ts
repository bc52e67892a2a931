import { LockMode, UniqueConstraintViolationException } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { userIdOf } from "../auth/viewer";
import { createHash } from "node:crypto";
import { type AppError, BadInputError, ConflictError, NotFoundError } from "../common/errors";
import type { Actor } from "../auth/actor";
import { appendBidEvent } from "./live/event-log";
import { decodeId } from "../common/node";
import { accessToBid, readableBidOf, type BidRecordKind } from "./bid.access";
import { Bid, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "./bid.entity";
import type { BidEventType } from "./bid.enums";
import { authorizeBid, canOnBid, type BidAccess, type BidAction } from "./bid.policy";

/** A bid mutation in progress: the bid row is locked until commit. */
export interface BidTx {
  em: EntityManager;
  bid: Bid;
  access: BidAccess;
  actorId: string | null;
  /**
   * Appends an event (the first one carries the clientMutationId), with `result`, what the
   * mutation returns (`Type:uuid`), so that a retry returns it again; returns the event's seq.
   */
  append(type: BidEventType, payload: Record<string, unknown>, extra: { result: string; sectionId?: string }): Promise<number>;
}

/** What the SQL rule `bid_replay_outcome` (migration 20261206080000) says of a clientMutationId used again. */
export type ReplayOutcome = "REPLAY" | "CMID_TAKEN" | "CMID_CONFLICT";

export interface PriorEvent {
  seq: number;
  result: string | null;
  outcome: ReplayOutcome;
}

const RESULT_TYPES = { Bid, BidMember, BidLotAssignment, BidSection, BidPriceLine } as const;
type ResultType = keyof typeof RESULT_TYPES;

/** `Type:uuid`, the result a retry returns. */
export function resultRef(type: ResultType, id: string): string {
  return `${type}:${id}`;
}

/** Loads what a mutation returned the first time. */
export async function loadResult<T>(em: EntityManager, ref: string | null): Promise<T> {
  const [type, id] = (ref ?? "").split(":");
  const entity = RESULT_TYPES[type as ResultType];
  const found = entity && id ? await em.findOne(entity as typeof Bid, { id }) : null;
  if (!found) throw new NotFoundError("The result of this clientMutationId");
  return found as unknown as T;
}

/** A record of a bid named by a mutation, with the bid it belongs to (bid.access.ts, readableBidOf). */
export interface BidRecord {
  id: string;
  bidId: string;
  /** The one answer for a missing record and for one of a bid the viewer may not read. */
  notFound: () => AppError;
}

/** Looks a record of a bid up for a mutation: access first, so a competitor's record reads as missing. */
export async function bidRecord(actor: Actor, kind: BidRecordKind, globalId: string, field: string): Promise<BidRecord> {
  const id = decodeId(kind, globalId, field);
  const notFound = () => new NotFoundError(kind, globalId);
  const bidId = await readableBidOf(actor.em, actor.viewer, kind, id);
  if (!bidId) throw notFound();
  return { id, bidId, notFound };
}

export function checkClientMutationId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string" || value.length < 1 || value.length > 100 || /[\u0000-\u001f]/.test(value)) {
    throw new BadInputError("input.clientMutationId", "must be 1-100 printable characters");
  }
  return value;
}

async function findPrior(em: EntityManager, bidId: string, clientMutationId: string, actorId: string | null, fingerprint: string): Promise<PriorEvent | null> {
  const rows = await em.execute<{ seq: number; result: string | null; outcome: ReplayOutcome }[]>(
    "SELECT e.seq, e.result, bid_replay_outcome(e, ?, ?) AS outcome FROM bid_events e WHERE e.bid_id = ? AND e.client_mutation_id = ?",
    [actorId, fingerprint, bidId, clientMutationId],
  );
  return rows[0] ?? null;
}

/** Object keys in a fixed order, so that one input always gives one fingerprint. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * What a clientMutationId stands for: the mutation and its input (without the id itself). A
 * retry must carry the same; the same id with another payload is a CONFLICT, not a replay.
 */
export function requestFingerprint(operation: string, input: { clientMutationId?: string | null }): string {
  const { clientMutationId: _id, ...rest } = input;
  return createHash("sha256")
    .update(operation)
    .update("\0")
    .update(JSON.stringify(canonical(rest)))
    .digest("hex");
}

/**
 * A prior use of the id by the same person for the same request: anything else is refused (the
 * rule is SQL's bid_replay_outcome; events written before fingerprints existed replay as before).
 */
export function assertSameRequest(outcome: ReplayOutcome): void {
  if (outcome === "CMID_TAKEN") throw new BadInputError("input.clientMutationId", "was already used by someone else on this bid");
  if (outcome === "CMID_CONFLICT") {
    throw new ConflictError("This clientMutationId was already used for another request; use a new one.", { field: "input.clientMutationId" });
  }
}

/**
 * The bid a person opened earlier under this clientMutationId (created it, or proposed it on a
 * cooperative's behalf), for a retry: the same request, and a bid the caller may still read;
 * otherwise exactly as if it did not exist.
 */
export async function priorOpening(
  actor: Actor,
  type: "BID_CREATED" | "BID_PROPOSED",
  userId: string,
  clientMutationId: string,
  fingerprint: string,
): Promise<Bid | null> {
  const rows = await actor.em.execute<{ result: string; bid_id: string; outcome: ReplayOutcome }[]>(
    "SELECT e.result, e.bid_id, bid_replay_outcome(e, ?, ?) AS outcome FROM bid_events e WHERE e.actor_id = ? AND e.client_mutation_id = ? AND e.type = ? LIMIT 1",
    [userId, fingerprint, userId, clientMutationId, type],
  );
  const row = rows[0];
  if (!row) return null;
  assertSameRequest(row.outcome);
  if (!canOnBid(await accessToBid(actor.em, actor.viewer, row.bid_id), "read")) throw new NotFoundError("Bid");
  return loadResult<Bid>(actor.em, row.result);
}

export interface MutateOptions<T> {
  action: BidAction;
  /** The mutation's name: with its input, what a clientMutationId stands for. */
  operation: string;
  /** The mutation's input as the client sent it, clientMutationId included. */
  input: { clientMutationId?: string | null };
  /** The bid's global id as the client gave it, for NOT_FOUND messages. */
  globalId?: string;
  /**
   * The error for a bid the viewer may not read (or that is gone), when the client named a record
   * of the bid rather than the bid: it must read exactly like a missing record of that kind.
   */
  notFound?: () => AppError;
  /** What a retry returns; by default the entity recorded as the first result. */
  replay?: (em: EntityManager, prior: PriorEvent) => Promise<T>;
  /**
   * Someone other than the bid's people and the staff may run this change (the client of the
   * order answering an offer, src/clients/): when given, it replaces the bid-access check, and a
   * false answer reads as a missing bid.
   */
  authorize?: (em: EntityManager, bid: Bid) => Promise<boolean>;
  /** Rows locked before the bid, in the same transaction (the order, so that its answers serialize). */
  lockFirst?: (em: EntityManager) => Promise<void>;
}

/**
 * Runs a change to a bid in one transaction: locks the bid row (every writer of a bid takes it
 * first, so they serialize and the log's order is the commit order), checks the viewer's access
 * under the lock, returns the first result for a clientMutationId already used, then runs `work`,
 * whose events are appended and notified in the same transaction.
 */
export async function mutateBid<T>(actor: Actor, bidId: string, options: MutateOptions<T>, work: (tx: BidTx) => Promise<T>): Promise<T> {
  const clientMutationId = checkClientMutationId(options.input.clientMutationId);
  const fingerprint = clientMutationId ? requestFingerprint(options.operation, options.input) : null;
  const actorId = userIdOf(actor.viewer);
  const notFound = options.notFound ?? (() => new NotFoundError("Bid", options.globalId));
  // A replay is answered only after the access check below, exactly like a first call.
  const replay = async (em: EntityManager, prior: PriorEvent): Promise<T> => {
    assertSameRequest(prior.outcome);
    return options.replay ? options.replay(em, prior) : loadResult<T>(em, prior.result);
  };
  const checkAccess = async (em: EntityManager, bid: Bid, access: BidAccess): Promise<void> => {
    if (options.authorize) {
      if (!(await options.authorize(em, bid))) throw notFound();
      return;
    }
    if (!canOnBid(access, "read")) throw notFound();
    authorizeBid(access, options.action, options.globalId);
  };
  const run = () =>
    actor.em.transactional(async (em) => {
      await options.lockFirst?.(em);
      const bid = await em.findOne(Bid, { id: bidId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!bid) throw notFound();
      const access = await accessToBid(em, actor.viewer, bid.id);
      await checkAccess(em, bid, access);
      if (clientMutationId) {
        const prior = await findPrior(em, bid.id, clientMutationId, actorId, fingerprint ?? "");
        if (prior) return replay(em, prior);
      }
      let first = true;
      const value = await work({
        em,
        bid,
        access,
        actorId,
        async append(type, payload, extra) {
          await em.flush();
          const seq = await appendBidEvent(em, bid.id, {
            type,
            payload,
            actorId,
            clientMutationId: first ? clientMutationId : null,
            requestHash: first ? fingerprint : null,
            result: extra.result,
            sectionId: extra.sectionId ?? null,
          });
          first = false;
          return seq;
        },
      });
      await em.flush();
      return value;
    });
  try {
    return await run();
  } catch (error) {
    // Two retries racing: the second hits the unique (bid, client_mutation_id) and returns the first's result.
    if (clientMutationId && error instanceof UniqueConstraintViolationException) {
      const em = actor.em.fork();
      const prior = await findPrior(em, bidId, clientMutationId, actorId, fingerprint ?? "");
      if (prior) {
        const bid = await em.findOne(Bid, { id: bidId });
        if (!bid) throw notFound();
        await checkAccess(em, bid, await accessToBid(em, actor.viewer, bidId));
        return replay(em, prior);
      }
    }
    throw error;
  }
}
