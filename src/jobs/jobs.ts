import PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { JobsConfig } from "../config";
import type { PgBus } from "../realtime/bus";
import { CHECK_EVERY_MS, MAX_LATE_MS, nextTick, tickJobId } from "./cron-clock";

/** The schema pg-boss creates and migrates on its own in the application's database. */
export const JOBS_SCHEMA = "pgboss";

/** One kind of background work: a queue and its handler, run on whichever instance fetches it first. */
export interface JobDefinition {
  queue: string;
  run(data: object): Promise<void>;
  /** Run on a cron schedule: each tick once, whatever the number of instances (cron-clock.ts). */
  cron?: { expression: string; tz: string };
  /** Or every so many seconds: each instance offers it, a throttle key lets one through per period. */
  everySeconds?: number;
  /** And at once when this bus channel speaks (the periodic run catches what a missed notice leaves). */
  wakeOn?: string;
}

/**
 * The background job queue: pg-boss on the application's PostgreSQL, so jobs survive a restart and
 * run once with several instances (pg-boss fetches with SKIP LOCKED). Built once in the
 * composition root with the jobs of every feature; `start` creates the queues and schedules,
 * `stop` stops fetching and waits for the jobs in flight.
 */
export class Jobs {
  private boss: PgBoss | null = null;
  private timers: NodeJS.Timeout[] = [];
  /** Per cron queue, the next tick and the timer waiting for it. */
  private readonly ticks = new Map<string, { next: Date; timer: NodeJS.Timeout | null }>();
  private offs: (() => void)[] = [];

  constructor(
    private readonly databaseUrl: string,
    private readonly config: JobsConfig,
    private readonly log: Logger,
    private readonly bus: PgBus,
    private readonly definitions: readonly JobDefinition[],
  ) {}

  async start(): Promise<void> {
    const boss = new PgBoss({
      connectionString: this.databaseUrl,
      schema: JOBS_SCHEMA,
      application_name: "scopgraph-jobs",
      max: 4,
      // The cron schedules are kept here (cron-clock.ts): pg-boss's clock blocked the event loop.
      schedule: false,
    });
    boss.on("error", (error) => this.log.error({ err: error }, "job queue error"));
    await boss.start();
    this.boss = boss;
    for (const job of this.definitions) {
      await boss.createQueue(job.queue, { name: job.queue, retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 15 * 60 });
      await boss.work<object>(job.queue, { pollingIntervalSeconds: this.config.pollSeconds }, async (batch) => {
        for (const one of batch) {
          const started = performance.now();
          await job.run(one.data ?? {});
          this.log.info({ queue: job.queue, jobId: one.id, ms: Math.round(performance.now() - started) }, "job done");
        }
      });
      if (!this.config.schedule) continue;
      if (job.cron) {
        // A schedule pg-boss kept before (its clock is off now) goes, so that no older instance doubles it.
        await boss.unschedule(job.queue);
        this.keepCron(job.queue, job.cron);
      }
      if (job.everySeconds) this.every(job.queue, job.everySeconds);
      if (job.wakeOn) this.offs.push(await this.bus.on(job.wakeOn, () => this.wake(job.queue)));
    }
    this.log.info({ queues: this.definitions.map((j) => j.queue) }, "job queue started");
  }

  /** Offers a periodic job; the throttle (one per period and key) keeps it to one run per period across instances. */
  private every(queue: string, seconds: number): void {
    const offer = () =>
      void this.send(queue, {}, { singletonKey: queue, singletonSeconds: seconds }).catch((error: unknown) =>
        this.log.warn({ err: error, queue }, "periodic job not offered"),
      );
    offer();
    const timer = setInterval(offer, seconds * 1000);
    timer.unref();
    this.timers.push(timer);
  }

  /** The next tick of a cron queue this instance keeps (null: none). */
  nextRun(queue: string): Date | null {
    return this.ticks.get(queue)?.next ?? null;
  }

  /**
   * Offers one tick's run of a cron queue, under the tick's own job id: every instance offers it,
   * the queue keeps the first. Resolves to the job's id, or null when another instance was first.
   */
  async sendTick(queue: string, tick: Date): Promise<string | null> {
    return this.send(queue, {}, { id: tickJobId(queue, tick) });
  }

  private keepCron(queue: string, cron: { expression: string; tz: string }): void {
    const entry = { next: nextTick(cron.expression, cron.tz, new Date()), timer: null as NodeJS.Timeout | null };
    this.ticks.set(queue, entry);
    const check = () => {
      const late = Date.now() - entry.next.getTime();
      if (late >= 0) {
        if (late <= MAX_LATE_MS) this.sendTick(queue, entry.next).catch((error: unknown) => this.log.warn({ err: error, queue }, "cron job not offered"));
        else this.log.warn({ queue, tick: entry.next.toISOString(), lateMs: late }, "cron tick skipped: found too late");
        entry.next = nextTick(cron.expression, cron.tz, late <= MAX_LATE_MS ? entry.next : new Date());
      }
      entry.timer = setTimeout(check, Math.min(Math.max(0, entry.next.getTime() - Date.now()), CHECK_EVERY_MS));
      entry.timer.unref();
    };
    check();
  }

  /** One run soon; notices within a second share it (the next slot takes those that come during the run). */
  private wake(queue: string): void {
    if (!this.boss) return;
    void this.send(queue, {}, { singletonKey: `${queue}:wake`, singletonSeconds: 1, singletonNextSlot: true }).catch((error: unknown) =>
      this.log.warn({ err: error, queue }, "job not woken"),
    );
  }

  /** Queues a job (outside any transaction: the job reads committed state). */
  async send(queue: string, data: object = {}, options: PgBoss.SendOptions = {}): Promise<string | null> {
    if (!this.boss) throw new Error("the job queue is not started");
    return this.boss.send(queue, data, options);
  }

  /** Stops offering and fetching jobs; waits up to `timeoutMs` for those in flight. */
  async stop(timeoutMs = 10_000): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const { timer } of this.ticks.values()) if (timer) clearTimeout(timer);
    this.ticks.clear();
    for (const off of this.offs.splice(0)) off();
    const boss = this.boss;
    this.boss = null;
    await boss?.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
