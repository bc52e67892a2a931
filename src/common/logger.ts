import pino, { type Logger } from "pino";

export type { Logger };

/** Structured logs; secrets and bid content are redacted wherever they might be attached. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "scopgraph" },
    redact: {
      paths: ["password", "*.password", "token", "*.token", "req.headers.authorization", "variables"],
      censor: "[redacted]",
    },
  });
}
