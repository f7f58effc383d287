import { timingSafeEqual } from "node:crypto";
import { AppError } from "@aula/contracts";
import { Role } from "@aula/db";
import { bearerToken, CSRF_HEADER, resolveApiToken, resolveSession, SESSION_COOKIE, type Principal } from "@aula/domain";
import { parseSessionMessage, publishRevokeUser, sessionsChannel } from "@aula/queue/messages";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { SessionCache } from "../../lib/session-cache";
import { countCookies } from "../../lib/session-cookie";

declare module "fastify" {
  interface FastifyInstance {
    /**
     * Ends a user's cached logins here at once and tells every other process (`revoke-user`: the
     * gateway closes their WebSockets). Call it after the sessions are revoked in the database.
     */
    revokeUser(userId: string): Promise<void>;
    /** Forgets this process's cached logins of a user (role change), without the broadcast. */
    forgetUser(userId: string): void;
    /** Session cookie → principal for a moment; see lib/session-cache.ts. */
    sessionCache: SessionCache;
  }
  interface FastifyRequest {
    /** Who is calling, or null for anonymous requests. Set before any route hook runs. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** false exempts a cookie-authenticated write from the CSRF check (login only). */
    csrf?: boolean;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function resolvePrincipal(app: FastifyInstance, cache: SessionCache, request: FastifyRequest): Promise<Principal | null> {
  // An explicit bearer token wins; if it is bad the request is anonymous, never silently the
  // cookie's user, so a script with a revoked token fails loudly.
  const token = bearerToken(request.headers.authorization);
  if (token !== null) return resolveApiToken(app.db, token);
  const secret = request.cookies[SESSION_COOKIE];
  if (secret && countCookies(request.headers.cookie, SESSION_COOKIE) > 1) {
    // Never guess which one is ours: acting as the planted one would sign the caller in as
    // whoever planted it.
    throw new AppError(
      "unauthenticated",
      "Your browser sent two Aula sign-in cookies, and Aula set only one: a page on another site (a student's server, say) may have planted the other. Clear this site's cookies in your browser, then sign in again.",
    );
  }
  return secret ? cache.get(secret, () => resolveSession(app.db, secret)) : null;
}

async function auth(app: FastifyInstance): Promise<void> {
  app.decorateRequest("principal", null);

  const cache = new SessionCache(app.config.sessionCacheTtlMs ?? 2000, 10_000);
  // A subscribed connection can do nothing else; it waits for Redis however long it takes.
  const subscriber = app.redis.duplicate({ maxRetriesPerRequest: null });
  const channel = sessionsChannel(app.config.redisPrefix);
  subscriber.on("error", (err: Error) => app.log.warn({ err }, "api subscriber connection error"));
  subscriber.on("message", (ch: string, raw: string) => {
    const message = ch === channel ? parseSessionMessage(raw) : null;
    if (message) cache.revokeUser(message.userId);
  });
  // Messages published while the subscriber was away are lost: look every session up until it
  // is subscribed again, then start from an empty cache.
  subscriber.on("close", () => {
    cache.enabled = false;
    cache.clear();
  });
  const subscribed = () => {
    cache.clear();
    cache.enabled = true;
  };
  subscriber.on("ready", () => void subscriber.subscribe(channel).then(subscribed, () => undefined));
  app.addHook("onClose", async () => {
    subscriber.removeAllListeners("ready");
    cache.enabled = false;
    if (subscriber.status === "ready") await subscriber.quit().catch(() => subscriber.disconnect());
    else subscriber.disconnect();
  });

  app.decorate("sessionCache", cache);
  app.decorate("forgetUser", (userId: string) => cache.revokeUser(userId));
  app.decorate("revokeUser", async (userId: string) => {
    cache.revokeUser(userId);
    await publishRevokeUser(app.redis, app.config.redisPrefix, userId).catch(() => {});
  });

  app.addHook("onRequest", async (request) => {
    request.principal = await resolvePrincipal(app, cache, request);
    const session = request.principal?.session;
    // Cookies ride along on cross-site requests; a header that only our own pages can read does
    // not. Bearer requests carry no ambient credential, so they need no CSRF token.
    if (session && !SAFE_METHODS.has(request.method) && request.routeOptions.config.csrf !== false) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== "string" || !sameToken(sent, session.csrfToken)) {
        throw new AppError("csrf_failed", "This request lacks a valid X-Aula-CSRF header. Reload the page and try again.");
      }
    }
  });
}

export default fp(auth, { name: "aula-auth", fastify: "5.x", dependencies: ["aula-deps", "@fastify/cookie"] });

/** Route hook: refuses anonymous requests. */
export async function requireUser(request: FastifyRequest): Promise<void> {
  if (!request.principal) throw new AppError("unauthenticated", "Sign in to continue.");
}

/** Route hook factory: the caller must hold one of these roles; admins pass every check. */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = principalOf(request);
    if (principal.role !== Role.ADMIN && !roles.includes(principal.role)) {
      throw new AppError("forbidden", "Your account is not allowed to do this.");
    }
  };
}

/** The caller, for handlers behind requireUser; throws (401) rather than returning null. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError("unauthenticated", "Sign in to continue.");
  return request.principal;
}

/** The caller is the user named in the path, or an admin. */
export function requireSelfOrAdmin(request: FastifyRequest, username: string): Principal {
  const principal = principalOf(request);
  if (principal.username !== username && principal.role !== Role.ADMIN) {
    throw new AppError("forbidden", "You can only do this for your own account.");
  }
  return principal;
}
