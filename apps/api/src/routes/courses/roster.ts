import {
  CourseParams,
  CourseStudents,
  CourseUserParams,
  IMPORT_CSV_MAX_BYTES,
  ImportUsersBody,
  RemoveStudentResponse,
  RosterImportReport,
  ServerAccessResponse,
  StudentPasswordResponse,
} from "@aula/contracts";
import { Role } from "@aula/db";
import { activeCourseServerIds, grantServerAccess, importRoster, listCourseStudents, removeStudent, resetStudentPassword, serverUrl, userSubdomains } from "@aula/domain";
import { enqueueStop, publishProgress } from "@aula/queue";
import { accessKey, activityKey } from "@aula/queue/messages";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireRole, requireUser } from "../../plugins/app/auth";
import { actorOf, managedCourse } from "./context";

const teachers = [requireUser, requireRole(Role.INSTRUCTOR)];

// The class: who takes the course, how far each student got, and the instructor's levers on one
// student (remove, new password, open their server under an audited grant).
const roster: FastifyPluginAsyncZod = async (app) => {
  const subdomains = userSubdomains(app.config.publicUrl, app.config.userDomain);
  // Its own plugin (like /users/import) so text/csv is accepted only here.
  app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => done(null, body));

  app.post(
    "/courses/:slug/roster/import",
    {
      onRequest: teachers,
      bodyLimit: IMPORT_CSV_MAX_BYTES,
      schema: {
        tags: ["roster"],
        summary: "Import the class list from CSV (text/csv or JSON { csv }): new students get generated passwords (shown once), existing ones are enrolled",
        description: "Header: username,display name,email (role and course columns are allowed; role must be student, course this course or empty).",
        params: CourseParams,
        body: z.union([z.string().max(IMPORT_CSV_MAX_BYTES), ImportUsersBody]),
        response: { 200: RosterImportReport },
      },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const csv = typeof request.body === "string" ? request.body : request.body.csv;
      return importRoster(app.db, { course, csv, actorId: actorOf(request).userId, ip: request.ip });
    },
  );

  app.get(
    "/courses/:slug/students",
    {
      onRequest: teachers,
      schema: { tags: ["roster"], summary: "Students × weeks: running, last active, GPU-hours, starts", params: CourseParams, response: { 200: CourseStudents } },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      // The gateway records activity in Redis without a DB write per request; it is fresher than
      // Server.lastActivityAt for running servers.
      const ids = await activeCourseServerIds(app.db, course.id);
      const activity = new Map<string, number>();
      if (ids.length > 0) {
        const values = await app.redis.hmget(activityKey(app.config.redisPrefix), ...ids).catch(() => [] as (string | null)[]);
        ids.forEach((id, i) => {
          const v = Number(values[i] ?? NaN);
          if (Number.isFinite(v)) activity.set(id, v);
        });
      }
      return listCourseStudents(app.db, { courseId: course.id, activity });
    },
  );

  app.delete(
    "/courses/:slug/students/:name",
    {
      onRequest: teachers,
      schema: { tags: ["roster"], summary: "Remove a student: their server for this course stops with a reason, their files are kept", params: CourseUserParams, response: { 200: RemoveStudentResponse } },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const { stop } = await removeStudent(app.db, { course, username: request.params.name, actorId: actorOf(request).userId, ip: request.ip });
      if (stop?.needsJob) {
        await enqueueStop(app.queues.stops, { serverId: stop.serverId }).catch((error: unknown) => request.log.warn({ err: error, serverId: stop.serverId }, "stop not enqueued now; the reconciler will enqueue it"));
      } else if (stop) {
        await publishProgress(app.redis, app.config.redisPrefix, { serverId: stop.serverId, phase: "stopped", message: "Stopped: you were removed from the course.", progress: 100 }).catch(() => {});
      }
      return { username: request.params.name, serverStopped: stop !== null };
    },
  );

  app.post(
    "/courses/:slug/students/:name/password",
    {
      onRequest: teachers,
      schema: { tags: ["roster"], summary: "Give a student a new generated password (shown once); their sessions end", params: CourseUserParams, response: { 200: StudentPasswordResponse } },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const { userId, password } = await resetStudentPassword(app.db, { course, username: request.params.name, actorId: actorOf(request).userId, ip: request.ip });
      await app.revokeUser(userId);
      return { username: request.params.name, password };
    },
  );

  app.post(
    "/courses/:slug/students/:name/access",
    {
      onRequest: teachers,
      schema: {
        tags: ["roster"],
        summary: "Open a student's running server: recorded in the audit log, valid for 30 minutes",
        params: CourseUserParams,
        response: { 200: ServerAccessResponse },
      },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const actor = actorOf(request);
      const grant = await grantServerAccess(app.db, { course, username: request.params.name, actorId: actor.userId, ip: request.ip });
      await app.redis.set(accessKey(app.config.redisPrefix, grant.serverId, actor.userId), JSON.stringify({ by: actor.username, course: course.slug }), "EX", grant.ttlSeconds);
      // In per-user subdomain mode the student's server is on its own origin; the instructor's
      // browser signs in there through the one-time code flow (routes/servers/authorize.ts).
      return { serverId: grant.serverId, url: serverUrl(request.params.name, subdomains), expiresAt: grant.expiresAt.toISOString() };
    },
  );
};

export default roster;
