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
