import { timingSafeEqual } from "node:crypto";
import { AppError } from "@aula/contracts";
import { Role } from "@aula/db";
import { bearerToken, CSRF_HEADER, resolveApiToken, resolveSession, SESSION_COOKIE, type Principal } from "@aula/domain";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
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

async function resolvePrincipal(app: FastifyInstance, request: FastifyRequest): Promise<Principal | null> {
  // An explicit bearer token wins; if it is bad the request is anonymous, never silently the
  // cookie's user, so a script with a revoked token fails loudly.
  const token = bearerToken(request.headers.authorization);
  if (token !== null) return resolveApiToken(app.db, token);
  const secret = request.cookies[SESSION_COOKIE];
  return secret ? resolveSession(app.db, secret) : null;
}

async function auth(app: FastifyInstance): Promise<void> {
  app.decorateRequest("principal", null);

  app.addHook("onRequest", async (request) => {
    request.principal = await resolvePrincipal(app, request);
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
