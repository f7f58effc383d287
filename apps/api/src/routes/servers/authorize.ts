import { AppError, UserParams } from "@aula/contracts";
import { isSubdomainUsername, safeServerPath, SUBDOMAIN_CALLBACK_PATH, userOrigin, userSubdomains } from "@aula/domain";
import { accessKey, issueSubdomainCode } from "@aula/queue/messages";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";

// Per-user subdomain mode (AULA_USER_DOMAIN): the portal's side of the sign-in on
// `<name>.<domain>`. The gateway there sends a browser without a subdomain cookie here; with a
// portal session and the same access rule the gateway applies on /user/ (the owner, or an
// instructor/admin holding the audited access grant), this answers with a redirect to the
// subdomain's callback carrying a single-use code. The redirect's origin comes from the
// username alone and `next` is reduced to a path inside that user's server, so this can never be
// an open redirect.

const AuthorizeQuery = z.object({
  /** The gateway's random state, echoed back; it is checked against a cookie on the subdomain. */
  state: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "state must be 16-64 URL-safe characters"),
  /** Where to go inside the server afterwards (a /user/<name>/… path; anything else means its root). */
  next: z.string().max(4096).optional(),
});

const authorize: FastifyPluginAsyncZod = async (app) => {
  const subdomains = userSubdomains(app.config.publicUrl, app.config.userDomain);

  app.get(
    "/users/:name/server/authorize",
    {
      schema: {
        tags: ["servers"],
        summary: "Per-user subdomain sign-in: redirects to <name>.<domain> with a one-time code (302), or to /login without a portal session",
        params: UserParams,
        querystring: AuthorizeQuery,
      },
    },
    async (request, reply) => {
      if (subdomains === null) throw new AppError("not_found", "Per-user subdomains are not turned on here; servers are opened at /user/<name>/ on the portal.");
      const name = request.params.name;
      if (!isSubdomainUsername(name)) throw new AppError("not_found", "There is no server of that name you may open. Instructors open a student's server from the course's student list.");
      void reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
      const principal = request.principal;
      // A browser flow: only the portal cookie counts. Without it, sign in and come back here.
      if (!principal?.session) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);

      if (principal.username !== name) {
        const server = await app.db.server.findFirst({ where: { user: { username: name }, status: "RUNNING" }, select: { id: true } });
        const granted = server !== null && (await app.redis.exists(accessKey(app.config.redisPrefix, server.id, principal.userId))) === 1;
        // The same answer whether the server exists or not, like the gateway's 404 on /user/.
        if (!granted) throw new AppError("not_found", "There is no server of that name you may open. Instructors open a student's server from the course's student list.");
      }

      const code = await issueSubdomainCode(app.redis, app.config.redisPrefix, { server: name, sessionId: principal.session.id, userId: principal.userId });
      const query = new URLSearchParams({ code, state: request.query.state, next: safeServerPath(name, request.query.next) });
      return reply.redirect(`${userOrigin(subdomains, name)}${SUBDOMAIN_CALLBACK_PATH}?${query.toString()}`, 302);
    },
  );
};

export default authorize;
