import { ReleaseWeekBody, UpdateWeekBody, WeekParams, WeekResponse } from "@aula/contracts";
import { Role } from "@aula/db";
import { closeWeek, loadCourseWeek, releaseWeekNow, reopenWeek, scheduleWeekRelease, updateWeek } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireRole, requireUser } from "../../plugins/app/auth";
import { actorOf, managedCourse } from "./context";

const teachers = [requireUser, requireRole(Role.INSTRUCTOR)];

// Week by week: release now or on a schedule, close and reopen, and which environment it runs.
const weeks: FastifyPluginAsyncZod = async (app) => {
  app.patch(
    "/courses/:slug/weeks/:week",
    {
      onRequest: teachers,
      schema: {
        tags: ["courses"],
        summary: "Rename a week or choose its environment (applies to new starts; running servers are offered a restart)",
        params: WeekParams,
        body: UpdateWeekBody,
        response: { 200: WeekResponse },
      },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const week = await updateWeek(app.db, { course, week: request.params.week, ...request.body, actorId: actorOf(request).userId, ip: request.ip });
      return { week: await loadCourseWeek(app.db, week.id) };
    },
  );

  app.post(
    "/courses/:slug/weeks/:week/release",
    {
      onRequest: teachers,
      schema: {
        tags: ["courses"],
        summary: "Release the week now, or schedule it with { at } (must be in the future)",
        params: WeekParams,
        body: ReleaseWeekBody.nullish(),
        response: { 200: WeekResponse },
      },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const common = { course, week: request.params.week, actorId: actorOf(request).userId, ip: request.ip };
      const at = request.body?.at;
      const week = at ? await scheduleWeekRelease(app.db, { ...common, at: new Date(at) }) : await releaseWeekNow(app.db, common);
      return { week: await loadCourseWeek(app.db, week.id) };
    },
  );

  for (const [action, summary, run] of [
    ["close", "Close the week: students no longer see or start it (running servers keep running)", closeWeek],
    ["reopen", "Reopen a closed week", reopenWeek],
  ] as const) {
    app.post(
      `/courses/:slug/weeks/:week/${action}`,
      { onRequest: teachers, schema: { tags: ["courses"], summary, params: WeekParams, response: { 200: WeekResponse } } },
      async (request) => {
        const course = await managedCourse(app, request, request.params.slug);
        const week = await run(app.db, { course, week: request.params.week, actorId: actorOf(request).userId, ip: request.ip });
        return { week: await loadCourseWeek(app.db, week.id) };
      },
    );
  }
};

export default weeks;
