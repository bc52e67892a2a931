import { createHash } from "node:crypto";
import cronParser from "cron-parser";

/*
 * The cron schedules of the job queue (jobs.ts), kept by each instance: the next tick is worked
 * out once per tick, and every instance offers that tick's job under the same id, so the queue
 * keeps one (pg-boss inserts ON CONFLICT DO NOTHING). pg-boss's own clock worked the previous
 * tick out again every 30 s, with cron-parser in the schedule's time zone: 35 to 45 ms of one
 * instance's event loop each time for "0 7 * * *" in Europe/Paris, a stall in every live editor's
 * typing.
 */

/** The schedule's first tick strictly after `after`, in its time zone. */
export function nextTick(expression: string, tz: string, after: Date): Date {
  return cronParser.parseExpression(expression, { tz, currentDate: after }).next().toDate();
}

/** The job id of one tick of a queue: a UUID every instance derives alike (name-based, as UUID v5). */
export function tickJobId(queue: string, tick: Date): string {
  const bytes = createHash("sha256").update(`${queue}\0${tick.toISOString()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A tick found later than this (the process was asleep, the clock jumped) is skipped, as pg-boss did. */
export const MAX_LATE_MS = 60_000;

/** The longest a timer waits before looking at the clock again (a suspended machine, a clock set forward). */
export const CHECK_EVERY_MS = 60 * 60_000;
