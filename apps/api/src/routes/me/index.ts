import { MeResponse, MyCoursesResponse } from "@aula/contracts";
import { getUserByUsername, listMyCourses, roleName, userView } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { principalOf, requireUser } from "../../plugins/app/auth";

const me: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/me",
    { onRequest: requireUser, schema: { tags: ["auth"], summary: "The signed-in user and the CSRF token for writes", response: { 200: MeResponse } } },
    async (request) => {
      const principal = principalOf(request);
      // The session lookup (cached for a moment, forgotten on any change to the user) already
      // read the whole view; a valid session means the user is not disabled.
      const user = principal.account
        ? { id: principal.userId, username: principal.username, displayName: principal.displayName, role: roleName(principal.role), email: principal.account.email, disabled: false, createdAt: principal.account.createdAt.toISOString() }
        : userView(await getUserByUsername(app.db, principal.username));
      return { user, csrfToken: principal.session?.csrfToken ?? null };
    },
  );

  app.get(
    "/me/courses",
    {
      onRequest: requireUser,
      schema: { tags: ["courses"], summary: "My courses and the weeks I can see (students: released weeks only)", response: { 200: MyCoursesResponse } },
    },
    async (request) => ({ courses: await listMyCourses(app.db, { userId: principalOf(request).userId }) }),
  );
};

export default me;
