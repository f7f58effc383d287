import type { Db } from "@aula/db";
import { resolveApiToken, resolveSession, type Principal } from "@aula/domain";
import type { Redis } from "ioredis";
import { accessKey } from "@aula/queue/messages";
import { TtlCache } from "./ttl-cache";

export interface AuthenticatorOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  /** How long a lookup (positive or negative) is reused. Short: a revoked session stops working this fast. */
  ttlMs: number;
  maxEntries: number;
}

const isTrue = (granted: boolean): boolean => granted;

/**
 * Credential → principal, and "may this non-owner open that server", each cached for a couple
 * of seconds. Never longer: the cache trades at most `ttlMs` of staleness for one database
 * query per credential per `ttlMs` under a burst of notebook requests.
 */
export class Authenticator {
  private readonly sessions: TtlCache<Principal | null>;
  private readonly tokens: TtlCache<Principal | null>;
  private readonly access: TtlCache<boolean>;

  constructor(private readonly options: AuthenticatorOptions) {
    this.sessions = new TtlCache(options.ttlMs, options.maxEntries);
    this.tokens = new TtlCache(options.ttlMs, options.maxEntries);
    this.access = new TtlCache(options.ttlMs, options.maxEntries);
  }

  /** Bearer token wins over the cookie when a client sends both: it is the more deliberate one. */
  authenticate(sessionSecret: string | null, bearer: string | null): Promise<Principal | null> {
    if (bearer !== null) return this.tokens.get(bearer, () => resolveApiToken(this.options.db, bearer));
    if (sessionSecret !== null) return this.sessions.get(sessionSecret, () => resolveSession(this.options.db, sessionSecret));
    return Promise.resolve(null);
  }

  /**
   * True while the audited access grant for (server, user) exists in Redis. Only grants are
   * cached: an instructor who is granted access and opens the server a moment after a refused
   * attempt must get in at once, and a refusal costs just one EXISTS.
   */
  hasAccessGrant(serverId: string, userId: string): Promise<boolean> {
    const key = accessKey(this.options.prefix, serverId, userId);
    return this.access.get(key, async () => (await this.options.redis.exists(key)) === 1, isTrue);
  }

  /** Forgets everything cached about a user (logout, password change, disabling). */
  revokeUser(userId: string): void {
    const matches = (p: Principal | null): boolean => p !== null && p.userId === userId;
    this.sessions.deleteWhere(matches);
    this.tokens.deleteWhere(matches);
    // Access grants are keyed by user too; they are cheap to re-check.
    this.access.clear();
  }
}
