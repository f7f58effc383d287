import { MeResponse, MyCoursesResponse } from "@aula/contracts";
import { getUserByUsername, listMyCourses, userView } from "@aula/domain";
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
