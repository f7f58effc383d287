import { AppError } from "@aula/contracts";
import type { Redis } from "ioredis";

export interface LoginLimits {
  /** Failed logins allowed per account per window: stops guessing one student's password. */
  perAccount: number;
  /** Failed logins allowed per client address per window: stops spraying many accounts. */
  perAddress: number;
  windowSeconds: number;
}

// A classroom shares one NAT address, hence a per-address limit well above the per-account one.
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 10, perAddress: 30, windowSeconds: 15 * 60 };

/**
 * Fixed-window counters of failed logins in Redis. Only failures count, so a class signing in at
 * 9:00 behind one address never trips the limit; a success clears its account's counter.
 */
export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: LoginLimits,
  ) {}

  private accountKey(username: string): string {
    return `${this.prefix}:login-fail:user:${username}`;
  }

  private addressKey(ip: string): string {
    return `${this.prefix}:login-fail:ip:${ip}`;
  }

  /** Throws rate_limited while either counter is at its limit. */
  async assertAllowed(username: string, ip: string): Promise<void> {
    const accountKey = this.accountKey(username);
    const addressKey = this.addressKey(ip);
    const [account, address] = await this.redis.mget(accountKey, addressKey);
    const blockedKey =
      Number(account ?? 0) >= this.limits.perAccount ? accountKey : Number(address ?? 0) >= this.limits.perAddress ? addressKey : null;
    if (!blockedKey) return;
    const ttl = await this.redis.ttl(blockedKey);
    const retryAfterSeconds = ttl > 0 ? ttl : this.limits.windowSeconds;
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    throw new AppError("rate_limited", `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, {
      retryAfterSeconds,
    });
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    // EXPIRE … NX starts the window at the first failure and leaves it alone afterwards.
    await this.redis
      .multi()
      .incr(this.accountKey(username))
      .expire(this.accountKey(username), this.limits.windowSeconds, "NX")
      .incr(this.addressKey(ip))
      .expire(this.addressKey(ip), this.limits.windowSeconds, "NX")
      .exec();
  }

  async recordSuccess(username: string): Promise<void> {
    await this.redis.del(this.accountKey(username));
  }
}
