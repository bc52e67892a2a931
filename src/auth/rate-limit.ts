import { createHash } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { RateLimitedError } from "../common/errors";

/**
 * Fixed-window counters kept in PostgreSQL, so N instances enforce one limit (not N times it).
 * One statement per hit: the row is created, counted or restarted by an upsert under its row
 * lock, so concurrent hits from several instances are each counted once. Keys are hashed: the
 * table never holds an address or an e-mail.
 */
export class RateLimiter {
  private hitsSinceSweep = 0;

  constructor(
    private readonly orm: MikroORM,
    /** Distinguishes limiters that count the same kind of key (an address for sign-in and sign-up). */
    private readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt for `key`; throws RATE_LIMITED past the limit. */
  async hit(key: string): Promise<void> {
    const hashed = createHash("sha256").update(`${this.name}\0${key}`).digest("base64url");
    const [row] = await this.orm.em.getConnection().execute<{ count: number; retry_ms: string }[]>(
      `INSERT INTO rate_limits (key, count, reset_at) VALUES (?, 1, clock_timestamp() + ? * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.reset_at <= clock_timestamp() THEN 1 ELSE rate_limits.count + 1 END,
         reset_at = CASE WHEN rate_limits.reset_at <= clock_timestamp() THEN excluded.reset_at ELSE rate_limits.reset_at END
       RETURNING count, (extract(epoch from reset_at - clock_timestamp()) * 1000)::bigint AS retry_ms`,
      [hashed, this.windowMs],
    );
    if (++this.hitsSinceSweep >= 1000) {
      this.hitsSinceSweep = 0;
      await this.orm.em.getConnection().execute("DELETE FROM rate_limits WHERE reset_at < clock_timestamp() - interval '1 minute'");
    }
    if (row && row.count > this.limit) throw new RateLimitedError(Math.max(1, Math.ceil(Number(row.retry_ms) / 1000)));
  }
}

export interface SignInLimits {
  signIn(address: string, email: unknown): Promise<void>;
}

/** 10 attempts per account and 30 per address every 5 minutes, across all instances. */
export function createSignInLimits(orm: MikroORM): SignInLimits {
  const perAccount = new RateLimiter(orm, "sign-in:account", 10, 5 * 60_000);
  const perAddress = new RateLimiter(orm, "sign-in:address", 30, 5 * 60_000);
  return {
    async signIn(address, email) {
      await perAddress.hit(address);
      if (typeof email === "string") await perAccount.hit(email.trim().toLowerCase());
    },
  };
}

export interface SignUpLimits {
  /** Counts a sign-up (or a request for a new verification mail) from `address` for `email`. */
  signUp(address: string, email: unknown): Promise<void>;
}

/**
 * Per address and per email every 15 minutes (SIGNUP_LIMIT_PER_ADDRESS, SIGNUP_LIMIT_PER_EMAIL):
 * stops mass account creation and the use of sign-up to flood someone's mailbox.
 */
export function createSignUpLimits(orm: MikroORM, limits: { perAddress: number; perEmail: number }): SignUpLimits {
  const perAddress = new RateLimiter(orm, "sign-up:address", limits.perAddress, 15 * 60_000);
  const perEmail = new RateLimiter(orm, "sign-up:email", limits.perEmail, 15 * 60_000);
  return {
    async signUp(address, email) {
      await perAddress.hit(address);
      if (typeof email === "string") await perEmail.hit(email.trim().toLowerCase());
    },
  };
}
