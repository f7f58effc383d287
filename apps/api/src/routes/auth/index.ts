import { ChangePasswordBody, LoginBody, LoginResponse } from "@aula/contracts";
import { authenticate, changePassword, createSession, revokeSession, userView } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DEFAULT_LOGIN_LIMITS, LoginLimiter } from "../../lib/login-limiter";
import { clearSessionCookie, setSessionCookie } from "../../lib/session-cookie";
import { principalOf, requireUser } from "../../plugins/app/auth";
import { AppError } from "@aula/contracts";

const WRONG_CREDENTIALS = "Wrong username or password.";

const auth: FastifyPluginAsyncZod = async (app) => {
  const limiter = new LoginLimiter(app.redis, app.config.redisPrefix, app.config.loginLimits ?? DEFAULT_LOGIN_LIMITS);

  app.post(
    "/auth/login",
    {
      // Signing in again while a session cookie is present must work without its CSRF token.
      config: { csrf: false },
      schema: { tags: ["auth"], summary: "Sign in; sets the aula_session cookie", security: [], body: LoginBody, response: { 200: LoginResponse } },
    },
    async (request, reply) => {
      const username = request.body.username.toLowerCase();
      await limiter.assertAllowed(username, request.ip);
      const user = await authenticate(app.db, { username, password: request.body.password });
      if (!user) {
        await limiter.recordFailure(username, request.ip);
        request.log.info({ ip: request.ip }, "login failed");
        throw new AppError("unauthenticated", WRONG_CREDENTIALS);
      }
      await limiter.recordSuccess(username);
      const session = await createSession(app.db, { userId: user.id, ip: request.ip, userAgent: request.headers["user-agent"] ?? null });
      setSessionCookie(app, reply, session);
      request.log.info({ userId: user.id }, "login succeeded");
      return { user: userView(user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    "/auth/logout",
    { schema: { tags: ["auth"], summary: "Sign out; revokes the session", response: { 204: z.undefined() } } },
    async (request, reply) => {
      const session = request.principal?.session;
      if (session) {
        await revokeSession(app.db, { sessionId: session.id });
        // The gateway closes this user's open notebook WebSockets and forgets cached logins.
        await app.revokeUser(request.principal!.userId);
      }
      clearSessionCookie(app, reply);
      return reply.status(204).send();
    },
  );

  app.post(
    "/auth/password",
    {
      onRequest: requireUser,
      schema: {
        tags: ["auth"],
        summary: "Change your password; ends every session and starts a fresh one",
        body: ChangePasswordBody,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // The current-password check is a password guess like a login; it shares the account limit.
      await limiter.assertAllowed(principal.username, request.ip);
      let user;
      try {
        user = await changePassword(app.db, { userId: principal.userId, ...request.body });
      } catch (error) {
        if (error instanceof AppError && error.code === "validation_failed") await limiter.recordFailure(principal.username, request.ip);
        throw error;
      }
      await app.revokeUser(user.id);
      const session = await createSession(app.db, { userId: user.id, ip: request.ip, userAgent: request.headers["user-agent"] ?? null });
      setSessionCookie(app, reply, session);
      request.log.info({ userId: user.id }, "password changed");
      return { user: userView(user), csrfToken: session.csrfToken };
    },
  );
};

export default auth;
