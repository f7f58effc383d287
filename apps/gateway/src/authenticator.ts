import type { Db } from "@aula/db";
import { resolveApiToken, resolveSession, resolveSessionById, type Principal } from "@aula/domain";
import type { Redis } from "ioredis";
import { accessKey, createSubdomainCookie, exchangeSubdomainCode, readSubdomainCookie } from "@aula/queue/messages";
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

/** A per-user subdomain cookie, resolved: whose server it opens, and who holds it. */
interface ServerCookie {
  server: string;
  principal: Principal;
}

/** The cookie a code was traded for, and how long it may live (what is left of the portal session). */
export interface IssuedServerCookie {
  secret: string;
  maxAgeSeconds: number;
}

/**
 * Credential → principal, and "may this non-owner open that server", each cached for a couple
 * of seconds. Never longer: the cache trades at most `ttlMs` of staleness for one database
 * query per credential per `ttlMs` under a burst of notebook requests.
 */
export class Authenticator {
  private readonly sessions: TtlCache<Principal | null>;
  private readonly tokens: TtlCache<Principal | null>;
  private readonly access: TtlCache<boolean>;
  private readonly serverCookies: TtlCache<ServerCookie | null>;

  constructor(private readonly options: AuthenticatorOptions) {
    this.sessions = new TtlCache(options.ttlMs, options.maxEntries);
    this.tokens = new TtlCache(options.ttlMs, options.maxEntries);
    this.access = new TtlCache(options.ttlMs, options.maxEntries);
    this.serverCookies = new TtlCache(options.ttlMs, options.maxEntries);
  }

  /**
   * Per-user subdomain mode: an API token, or an `aula_server` cookie made for `server`'s
   * subdomain whose portal session is still alive (so logout, a password change and disabling
   * end it too). A cookie made for another server (tossed in by a sibling subdomain) is ignored.
   */
  async authenticateServer(server: string, cookies: readonly string[] | null, bearer: string | null): Promise<Principal | null> {
    if (bearer !== null) return this.tokens.get(bearer, () => resolveApiToken(this.options.db, bearer));
    if (cookies === null) return null;
    for (const secret of cookies) {
      const found = await this.serverCookies.get(secret, () => this.resolveServerCookie(secret));
      if (found !== null && found.server === server) return found.principal;
    }
    return null;
  }

  /**
   * Trades a one-time code from the portal for a cookie of `server`'s subdomain. Null when the
   * code is unknown, spent, expired, made for another server, or its portal session has ended.
   */
  async exchangeCode(server: string, code: string): Promise<IssuedServerCookie | null> {
    const { db, redis, prefix } = this.options;
    const grant = await exchangeSubdomainCode(redis, prefix, code, server);
    if (grant === null) return null;
    const principal = await resolveSessionById(db, grant.sessionId);
    if (principal?.session === undefined || principal.userId !== grant.userId) return null;
    const maxAgeSeconds = Math.floor((principal.session.expiresAt.getTime() - Date.now()) / 1000);
    if (maxAgeSeconds < 1) return null;
    const secret = await createSubdomainCookie(redis, prefix, grant, maxAgeSeconds);
    return { secret, maxAgeSeconds };
  }

  private async resolveServerCookie(secret: string): Promise<ServerCookie | null> {
    const grant = await readSubdomainCookie(this.options.redis, this.options.prefix, secret);
    if (grant === null) return null;
    const principal = await resolveSessionById(this.options.db, grant.sessionId);
    return principal !== null && principal.userId === grant.userId ? { server: grant.server, principal } : null;
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
    this.serverCookies.deleteWhere((c) => c !== null && c.principal.userId === userId);
    // Access grants are keyed by user too; they are cheap to re-check.
    this.access.clear();
  }
}
