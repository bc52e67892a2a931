import PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { JobsConfig } from "../config";
import type { PgBus } from "../realtime/bus";

/** The schema pg-boss creates and migrates on its own in the application's database. */
export const JOBS_SCHEMA = "pgboss";

/** One kind of background work: a queue and its handler, run on whichever instance fetches it first. */
export interface JobDefinition {
  queue: string;
  run(data: object): Promise<void>;
  /** Run on a cron schedule (pg-boss sends each tick once, whatever the number of instances). */
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
      cronMonitorIntervalSeconds: this.config.cronMonitorSeconds,
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
      if (job.cron) await boss.schedule(job.queue, job.cron.expression, {}, { tz: job.cron.tz });
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
    for (const off of this.offs.splice(0)) off();
    const boss = this.boss;
    this.boss = null;
    await boss?.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
