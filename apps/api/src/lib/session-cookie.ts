import { SESSION_COOKIE, SESSION_TTL_MS, type CreatedSession } from "@aula/domain";
import type { FastifyInstance, FastifyReply } from "fastify";

function cookieOptions(app: FastifyInstance) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    path: "/",
    // Browsers drop Secure cookies on plain http, which would make local installs unusable.
    secure: new URL(app.config.publicUrl).protocol === "https:",
  };
}

export function setSessionCookie(app: FastifyInstance, reply: FastifyReply, session: CreatedSession): void {
  void reply.setCookie(SESSION_COOKIE, session.secret, { ...cookieOptions(app), maxAge: Math.floor(SESSION_TTL_MS / 1000) });
}

export function clearSessionCookie(app: FastifyInstance, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, cookieOptions(app));
}

/**
 * How many `name=` cookies a Cookie header carries. Aula sets its session cookie host-only on
 * path /, so a browser holds at most one of its own; a second one was planted by another host of
 * the same site (a student's page on a user subdomain setting Domain= on a parent: "cookie
 * tossing"), and which of the two the parser picks is up to the planter's path and timing.
 */
export function countCookies(header: string | undefined, name: string): number {
  if (!header || !header.includes(name)) return 0;
  let count = 0;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) count++;
  }
  return count;
}
