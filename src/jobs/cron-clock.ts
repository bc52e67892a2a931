import cronParser from "cron-parser";
import { v5 as uuidV5 } from "uuid";

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

/** The namespace of the ticks' job ids (name-based UUIDs, RFC 9562 version 5). */
const TICK_NAMESPACE = uuidV5("scopgraph:jobs:cron-tick", uuidV5.URL);

/** The job id of one tick of a queue: a UUID every instance derives alike from the queue and the tick. */
export function tickJobId(queue: string, tick: Date): string {
  return uuidV5(`${queue}\0${tick.toISOString()}`, TICK_NAMESPACE);
}

/** A tick found later than this (the process was asleep, the clock jumped) is skipped, as pg-boss did. */
export const MAX_LATE_MS = 60_000;

/** The longest a timer waits before looking at the clock again (a suspended machine, a clock set forward). */
export const CHECK_EVERY_MS = 60 * 60_000;
