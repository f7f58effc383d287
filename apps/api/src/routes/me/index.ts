import { MeResponse } from "@aula/contracts";
import { getUserByUsername, userView } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { principalOf, requireUser } from "../../plugins/app/auth";

const me: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/me",
    { onRequest: requireUser, schema: { tags: ["auth"], summary: "The signed-in user and the CSRF token for writes", response: { 200: MeResponse } } },
    async (request) => {
      const principal = principalOf(request);
      const user = await getUserByUsername(app.db, principal.username);
      return { user: userView(user), csrfToken: principal.session?.csrfToken ?? null };
    },
  );
};

export default me;
