import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { createSignInLimits, createSignUpLimits } from "./auth/rate-limit";
import type { Config } from "./config";
import type { AppServices } from "./context";
import { Mailer } from "./mail/mailer";
import type { PgBus } from "./realtime/bus";
import { createBidLive } from "./bids/live/live-services";

/** Wires the long-lived services of one process; the caller starts and stops the mailer. */
export function createAppServices(orm: MikroORM, config: Config, log: Logger, bus: PgBus): AppServices {
  return {
    orm,
    config,
    log,
    auth: { jwtSecret: config.jwtSecret, jwtTtlSeconds: config.jwtTtlSeconds },
    limits: createSignInLimits(),
    bus,
    // Outside production, a mail that cannot be sent is logged, so a demo can follow its links.
    mailer: new Mailer(orm, bus, log, config.mail, config.env !== "production"),
    signUpLimits: createSignUpLimits(config.signUpLimits),
    live: createBidLive(orm, bus, log),
  };
}
