import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { createSignInLimits, createSignUpLimits } from "./auth/rate-limit";
import type { Config } from "./config";
import type { AppServices } from "./context";
import { Jobs } from "./jobs/jobs";
import { Mailer } from "./mail/mailer";
import { digestJob } from "./notifications/digest";
import { Metrics } from "./ops/metrics";
import { retentionJob } from "./ops/retention";
import { opportunityJob } from "./notifications/opportunities";
import { reminderJob } from "./notifications/reminders";
import { createFileStores } from "./files/storage/file-stores";
import type { PgBus } from "./realtime/bus";
import { createBidLive } from "./bids/live/live-services";

/** Wires the long-lived services of one process; the caller starts and stops the mailer and the jobs. */
export function createAppServices(orm: MikroORM, config: Config, log: Logger, bus: PgBus): AppServices {
  // Outside production, a mail that cannot be sent is logged, so a demo can follow its links.
  const mailer = new Mailer(orm, bus, log, config.mail, config.env !== "production");
  const { jobs: schedule } = config;
  // Every background job of the application, in one list (src/jobs/jobs.ts runs them).
  const jobs = new Jobs(orm.config.get("clientUrl") ?? "", schedule, log, bus, [
    reminderJob(orm, schedule.reminderScanSeconds),
    opportunityJob(orm, schedule.opportunityScanSeconds),
    digestJob(orm, mailer, config.mail.appUrl, { expression: schedule.digestCron, tz: schedule.digestTimezone }),
    // Nightly, in the quiet hours of the digest's time zone.
    retentionJob(orm, config.retention, { expression: "30 3 * * *", tz: schedule.digestTimezone }),
  ]);
  return {
    orm,
    config,
    log,
    auth: { jwtSecret: config.jwtSecret, jwtTtlSeconds: config.jwtTtlSeconds },
    limits: createSignInLimits(orm),
    bus,
    mailer,
    jobs,
    signUpLimits: createSignUpLimits(orm, config.signUpLimits),
    metrics: new Metrics(orm, bus),
    files: createFileStores(orm, { storage: config.files.storage, dataDir: config.dataDir }),
    live: createBidLive(orm, bus, log),
  };
}
