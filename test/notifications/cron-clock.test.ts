import pino from "pino";
import { nextTick, tickJobId } from "../../src/jobs/cron-clock";
import { Jobs } from "../../src/jobs/jobs";
import { startTestServer, type TestServer } from "../helpers/server";
import { until } from "../helpers/wait";

/*
 * The job queue's cron schedules (src/jobs/cron-clock.ts): ticks in the schedule's time zone,
 * one job id per queue and tick, and a schedule that fires, through pg-boss, on a real clock.
 */

test("a schedule's next tick is in its time zone, strictly after the given time, across daylight saving", () => {
  // 07:00 in Paris: 06:00 UTC in winter, 05:00 UTC in summer.
  expect(nextTick("0 7 * * *", "Europe/Paris", new Date("2026-12-07T08:00:00Z")).toISOString()).toBe("2026-12-08T06:00:00.000Z");
  expect(nextTick("0 7 * * *", "Europe/Paris", new Date("2026-12-08T06:00:00Z")).toISOString()).toBe("2026-12-09T06:00:00.000Z");
  expect(nextTick("0 7 * * *", "Europe/Paris", new Date("2026-07-01T00:00:00Z")).toISOString()).toBe("2026-07-01T05:00:00.000Z");
  expect(nextTick("0 7 * * *", "UTC", new Date("2026-07-01T00:00:00Z")).toISOString()).toBe("2026-07-01T07:00:00.000Z");
});

test("a tick's job id is a UUID every instance derives alike, and differs by queue and by tick", () => {
  const tick = new Date("2026-12-08T06:00:00Z");
  const id = tickJobId("digest", tick);
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(tickJobId("digest", new Date(tick.getTime()))).toBe(id);
  expect(tickJobId("retention", tick)).not.toBe(id);
  expect(tickJobId("digest", new Date(tick.getTime() + 86_400_000))).not.toBe(id);
});

describe("on a real queue", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  test("two instances keeping a schedule of every second run each tick once", async () => {
    const runs: number[] = [];
    const url = server.orm.config.getClientUrl();
    const config = { ...server.app.config.jobs, schedule: true, pollSeconds: 0.5 };
    const definition = { queue: "cron-clock-test", cron: { expression: "* * * * * *", tz: "UTC" }, run: async () => void runs.push(Date.now()) };
    const instances = [0, 1].map(() => new Jobs(url, config, pino({ level: "silent" }), server.app.bus, [definition]));
    // One after the other, as instances start (pg-boss creating one new queue twice at once can deadlock).
    for (const jobs of instances) await jobs.start();
    const started = Date.now();
    try {
      await until(() => runs.length >= 3 || undefined, { label: "three ticks run", timeoutMs: 15_000 });
    } finally {
      await Promise.all(instances.map((jobs) => jobs.stop()));
    }
    // Every job queued is a tick's, under the tick's id: the two instances offered each tick once between them.
    const jobs = await server.orm.em.fork().execute<{ id: string }[]>("SELECT id::text AS id FROM pgboss.job WHERE name = ?", [definition.queue]);
    const ticks = new Set<string>();
    for (let t = Math.floor(started / 1000) * 1000 - 1000; t <= Date.now() + 1000; t += 1000) ticks.add(tickJobId(definition.queue, new Date(t)));
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    expect(jobs.filter((job) => !ticks.has(job.id))).toEqual([]);
    expect(runs.length).toBeLessThanOrEqual(jobs.length);
  }, 30_000);
});
