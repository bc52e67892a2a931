import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_RETENTION, type RetentionPolicy } from "./ops/retention";

/** Everything the process reads from its environment, validated once at start. */
export interface Config {
  env: "production" | "development" | "test";
  host: string;
  port: number;
  /** Unset: the server starts an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  embeddedPgPort: number;
  jwtSecret: Uint8Array;
  jwtTtlSeconds: number;
  logLevel: string;
  /** Browser origins CORS allows: exact origins, or `http://host:*` for any port of a host. */
  corsOrigins: string[];
  /** Serve the local explorer (GraphiQL) at `GET /graphql` to browsers. */
  explorer: boolean;
  /** Load the demo directory into an empty embedded database. */
  seedDemo: boolean;
  introspection: boolean;
  commissionRate: number;
  /**
   * The revenue target and what it is measured on: AWARDED, the business won through the
   * platform (the seed's "chiffre d'affaires"), or COMMISSION, the platform's own revenue.
   */
  revenueTarget: { amount: number; months: number; base: RevenueTargetBase };
  /** WebSocket rules (README, Security): sockets per client address, idle time without an operation. */
  sockets: { perAddress: number; idleMs: number };
  mail: MailConfig;
  signUpLimits: { perAddress: number; perEmail: number };
  /** Proxies in front of the server whose X-Forwarded-For is believed (0: the peer is the client). */
  trustProxy: number;
  /** How long expired sessions, used links, read notifications and sent mails are kept (days). */
  retention: RetentionPolicy;
  /** Prometheus metrics (src/ops/metrics.ts): on a port of their own, or on the API port behind a token. */
  metrics: { port: number | null; host: string; token: string | null };
  jobs: JobsConfig;
  files: FilesConfig;
}

/** Background jobs (src/jobs/) and what they schedule. */
export interface JobsConfig {
  /**
   * Whether this instance offers the periodic and cron jobs and wakes them on events; without,
   * it still runs the jobs others queue (tests turn it off where background writes would blur
   * what they measure).
   */
  schedule: boolean;
  /** How often each instance asks the queue for work. */
  pollSeconds: number;
  /** How often the deadline reminder scan runs (once per period across instances). */
  reminderScanSeconds: number;
  /** How often newly opened tenders are scored for opportunity notifications. */
  opportunityScanSeconds: number;
  /** Cron expression and time zone of the daily digest of notifications by e-mail. */
  digestCron: string;
  digestTimezone: string;
}

/** Stored files (src/files/). */
export interface FilesConfig {
  /** Where new files go: PostgreSQL (default: a fresh machine needs nothing) or a folder under `dataDir`. */
  storage: "postgres" | "disk";
  /** Largest accepted upload, in bytes (413 beyond). */
  maxUploadBytes: number;
}

/** E-mail delivery (src/mail/). */
export interface MailConfig {
  /** `smtp://` or `smtps://` URL of the relay; unset, mails stay in the outbox (and are logged outside production). */
  smtpUrl: string | null;
  from: string;
  /** Base of the links in mails: the front-end that opens them. */
  appUrl: string;
  /** First retry delay after a failed attempt; doubled at each attempt, capped at one hour. */
  retryBaseMs: number;
}

export const REVENUE_TARGET_BASES = ["AWARDED", "COMMISSION"] as const;
export type RevenueTargetBase = (typeof REVENUE_TARGET_BASES)[number];

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid environment variable ${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(name, `expected a number between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function revenueBase(env: Env): RevenueTargetBase {
  const raw = env.REVENUE_TARGET_BASE;
  if (raw === undefined || raw === "") return "AWARDED";
  const found = REVENUE_TARGET_BASES.find((b) => b === raw.toUpperCase());
  if (!found) throw new ConfigError("REVENUE_TARGET_BASE", `expected AWARDED or COMMISSION, got "${raw}"`);
  return found;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no"].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

/**
 * In embedded mode the signing secret is generated once into the data folder, so tokens survive
 * a restart without the user configuring anything; in production it must be given.
 */
function jwtSecret(env: Env, mode: Config["env"], dataDir: string): Uint8Array {
  const given = env.JWT_SECRET;
  if (given) {
    if (given.length < 32) throw new ConfigError("JWT_SECRET", "must be at least 32 characters");
    return new TextEncoder().encode(given);
  }
  if (mode === "production") throw new ConfigError("JWT_SECRET", "is required in production");
  const file = path.join(dataDir, "jwt-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString("base64url"), { mode: 0o600 });
  }
  return new TextEncoder().encode(readFileSync(file, "utf8").trim());
}

function fileStorage(env: Env): FilesConfig["storage"] {
  const raw = env.FILE_STORAGE?.trim().toLowerCase();
  if (!raw) return "postgres";
  if (raw !== "postgres" && raw !== "disk") throw new ConfigError("FILE_STORAGE", `expected postgres or disk, got "${env.FILE_STORAGE}"`);
  return raw;
}

function smtpUrl(env: Env): string | null {
  const raw = env.SMTP_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("SMTP_URL", "expected a URL such as smtp://user:password@host:587");
  }
  if (!["smtp:", "smtps:"].includes(url.protocol) || !url.hostname) {
    throw new ConfigError("SMTP_URL", "expected an smtp:// or smtps:// URL with a host");
  }
  return raw;
}

function mailFrom(env: Env): string {
  const raw = env.MAIL_FROM?.trim() || "Scopgraph <no-reply@scopgraph.localhost>";
  // "Name <address>" or a bare address; no line breaks (they would forge headers).
  const address = /<([^<>]+)>\s*$/.exec(raw)?.[1] ?? raw;
  if (/[\r\n]/.test(raw) || !/^[^\s@<>]+@[^\s@<>]+$/.test(address)) {
    throw new ConfigError("MAIL_FROM", `expected an address or "Name <address>", got "${raw}"`);
  }
  return raw;
}

/** A bearer token for `/metrics` on the API port: long enough not to be guessed. */
function metricsToken(env: Env): string | null {
  const raw = env.METRICS_TOKEN?.trim();
  if (!raw) return null;
  if (raw.length < 24) throw new ConfigError("METRICS_TOKEN", "expected at least 24 characters");
  return raw;
}

function cron(env: Env): string {
  const raw = env.NOTIFICATION_DIGEST_CRON?.trim() || "0 7 * * *";
  if (!/^(\S+\s+){4}\S+$/.test(raw)) throw new ConfigError("NOTIFICATION_DIGEST_CRON", `expected a five-field cron expression, got "${raw}"`);
  return raw;
}

function timezone(env: Env): string {
  const raw = env.NOTIFICATION_DIGEST_TZ?.trim() || "Europe/Paris";
  try {
    new Intl.DateTimeFormat("fr-FR", { timeZone: raw });
  } catch {
    throw new ConfigError("NOTIFICATION_DIGEST_TZ", `expected an IANA time zone such as Europe/Paris, got "${raw}"`);
  }
  return raw;
}

function appUrl(env: Env, port: number): string {
  const raw = env.APP_URL?.trim() || `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("APP_URL", `expected an http(s) URL, got "${raw}"`);
  }
  if (!["http:", "https:"].includes(url.protocol)) throw new ConfigError("APP_URL", `expected an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, "");
}

/**
 * Outside production a front-end's dev server may run on any port of this machine, under either
 * of its loopback names (Vite takes 5174 when 5173 is busy; a page opened as 127.0.0.1 sends that
 * origin, not localhost's). Production allows only what it is told, the old dev pair by default.
 */
const DEV_ORIGINS = "http://localhost:*,http://127.0.0.1:*,http://[::1]:*";
const PRODUCTION_ORIGINS = "http://localhost:3000,http://localhost:5173";

function corsOrigins(env: Env, mode: Config["env"]): string[] {
  const raw = env.CORS_ORIGINS ?? (mode === "production" ? PRODUCTION_ORIGINS : DEV_ORIGINS);
  const origins = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:(\d{1,5}|\*))?$/i.test(origin)) {
      throw new ConfigError("CORS_ORIGINS", `expected origins such as https://app.example or http://localhost:*, got "${origin}"`);
    }
  }
  return origins;
}

export function loadConfig(env: Env = process.env): Config {
  const mode = (env.NODE_ENV ?? "development") as Config["env"];
  if (!["production", "development", "test"].includes(mode)) {
    throw new ConfigError("NODE_ENV", `expected production, development or test, got "${mode}"`);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL", "expected a postgres:// URL");
  }
  const dataDir = path.resolve(env.DATA_DIR ?? "data");
  return {
    env: mode,
    host: env.HOST ?? "0.0.0.0",
    port: int(env, "PORT", 4000, 0, 65535),
    databaseUrl,
    dataDir,
    embeddedPgPort: int(env, "EMBEDDED_PG_PORT", 54329, 1024, 65535),
    jwtSecret: jwtSecret(env, mode, dataDir),
    jwtTtlSeconds: int(env, "JWT_TTL_SECONDS", 12 * 3600, 60, 30 * 24 * 3600),
    logLevel: env.LOG_LEVEL ?? (mode === "test" ? "silent" : "info"),
    corsOrigins: corsOrigins(env, mode),
    explorer: bool(env, "EXPLORER", mode !== "production"),
    seedDemo: bool(env, "SEED_DEMO", databaseUrl === null),
    introspection: bool(env, "INTROSPECTION", true),
    commissionRate: num(env, "COMMISSION_RATE", 0.03, 0, 0.5),
    revenueTarget: {
      amount: num(env, "REVENUE_TARGET_EUR", 700_000, 0, 1e12),
      months: int(env, "REVENUE_TARGET_MONTHS", 24, 1, 240),
      base: revenueBase(env),
    },
    sockets: {
      perAddress: int(env, "WS_SOCKETS_PER_ADDRESS", 50, 1, 100_000),
      idleMs: int(env, "WS_IDLE_TIMEOUT_MS", 60_000, 100, 24 * 3600_000),
    },
    mail: {
      smtpUrl: smtpUrl(env),
      from: mailFrom(env),
      appUrl: appUrl(env, int(env, "PORT", 4000, 0, 65535)),
      retryBaseMs: int(env, "MAIL_RETRY_BASE_MS", 30_000, 10, 3_600_000),
    },
    signUpLimits: {
      perAddress: int(env, "SIGNUP_LIMIT_PER_ADDRESS", 10, 1, 100_000),
      perEmail: int(env, "SIGNUP_LIMIT_PER_EMAIL", 3, 1, 100_000),
    },
    trustProxy: int(env, "TRUST_PROXY", 0, 0, 10),
    retention: {
      sessionsDays: int(env, "RETENTION_SESSIONS_DAYS", DEFAULT_RETENTION.sessionsDays, 1, 3650),
      verificationsDays: int(env, "RETENTION_VERIFICATIONS_DAYS", DEFAULT_RETENTION.verificationsDays, 1, 3650),
      readNotificationsDays: int(env, "RETENTION_READ_NOTIFICATIONS_DAYS", DEFAULT_RETENTION.readNotificationsDays, 1, 3650),
      sentMailsDays: int(env, "RETENTION_SENT_MAILS_DAYS", DEFAULT_RETENTION.sentMailsDays, 1, 3650),
      sectionUpdatesDays: int(env, "RETENTION_SECTION_UPDATES_DAYS", DEFAULT_RETENTION.sectionUpdatesDays, 1, 3650),
    },
    metrics: {
      port: env.METRICS_PORT?.trim() ? int(env, "METRICS_PORT", 9464, 0, 65535) : null,
      host: env.METRICS_HOST?.trim() || "127.0.0.1",
      token: metricsToken(env),
    },
    jobs: {
      schedule: bool(env, "JOBS_SCHEDULE", true),
      pollSeconds: num(env, "JOBS_POLL_SECONDS", 2, 0.5, 600),
      reminderScanSeconds: int(env, "REMINDER_SCAN_SECONDS", 300, 1, 86_400),
      opportunityScanSeconds: int(env, "OPPORTUNITY_SCAN_SECONDS", 60, 1, 86_400),
      digestCron: cron(env),
      digestTimezone: timezone(env),
    },
    files: {
      storage: fileStorage(env),
      // Sizes are 32-bit in the schema (GraphQL Int): at most 2 GiB - 1.
      maxUploadBytes: int(env, "MAX_UPLOAD_BYTES", 25 * 1024 * 1024, 1, 2 ** 31 - 1),
    },
  };
}
