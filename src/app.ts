import type { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { createSignInLimits } from "./auth/rate-limit";
import type { Config } from "./config";
import type { AppServices } from "./context";
import type { PgBus } from "./realtime/bus";

/** Wires the long-lived services of one process. */
export function createAppServices(orm: MikroORM, config: Config, log: Logger, bus: PgBus): AppServices {
  return {
    orm,
    config,
    log,
    auth: { jwtSecret: config.jwtSecret, jwtTtlSeconds: config.jwtTtlSeconds },
    limits: createSignInLimits(),
    bus,
  };
}
