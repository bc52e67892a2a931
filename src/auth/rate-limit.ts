import { RateLimitedError } from "../common/errors";

/**
 * Fixed-window counters kept in memory, per instance: enough to slow password guessing; behind
 * several instances each one applies the limit on its own share of the traffic.
 */
export class RateLimiter {
  private readonly hits = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt for `key`; throws RATE_LIMITED past the limit. */
  hit(key: string, now = Date.now()): void {
    if (this.hits.size > 100_000) this.sweep(now);
    const entry = this.hits.get(key);
    if (!entry || entry.resetAt <= now) {
      this.hits.set(key, { count: 1, resetAt: now + this.windowMs });
      return;
    }
    entry.count += 1;
    if (entry.count > this.limit) throw new RateLimitedError(Math.ceil((entry.resetAt - now) / 1000));
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.hits) if (entry.resetAt <= now) this.hits.delete(key);
  }
}

export interface SignInLimits {
  signIn(address: string, email: unknown): Promise<void>;
}

/** 10 attempts per account and 30 per address every 5 minutes. */
export function createSignInLimits(): SignInLimits {
  const perAccount = new RateLimiter(10, 5 * 60_000);
  const perAddress = new RateLimiter(30, 5 * 60_000);
  return {
    async signIn(address, email) {
      perAddress.hit(address);
      if (typeof email === "string") perAccount.hit(email.trim().toLowerCase());
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
export function createSignUpLimits(limits: { perAddress: number; perEmail: number }): SignUpLimits {
  const perAddress = new RateLimiter(limits.perAddress, 15 * 60_000);
  const perEmail = new RateLimiter(limits.perEmail, 15 * 60_000);
  return {
    async signUp(address, email) {
      perAddress.hit(address);
      if (typeof email === "string") perEmail.hit(email.trim().toLowerCase());
    },
  };
}
