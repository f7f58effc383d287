import {
  AppError,
  CourseParams,
  CourseUserParams,
  GrantBody,
  GrantList,
  GrantListQuery,
  GrantResponse,
  QuotaOverrideBody,
  QuotaOverrideList,
  QuotaOverrideResponse,
  QuotaPolicyPatch,
  QuotaPolicyResponse,
  QuotaQuery,
  QuotaResponse,
  UserParams,
} from "@aula/contracts";
import { Role } from "@aula/db";
import {
  canManageCourse,
  clearQuotaOverride,
  getQuotaOverride,
  getQuotaPolicy,
  gpuQuotaStatus,
  grantGpuHours,
  listGpuHourGrants,
  listQuotaOverrides,
  requireManagedCourse,
  setQuotaOverride,
  updateQuotaPolicy,
  type CourseActor,
} from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { FastifyRequest } from "fastify";
import { principalOf, requireRole, requireUser } from "../../plugins/app/auth";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function actorOf(request: FastifyRequest): CourseActor {
  const p = principalOf(request);
  return { userId: p.userId, role: p.role };
}

// GPU-hour quotas: a student's weekly meter, admins' extra-hour grants, and the course policy
// and per-student overrides its instructors (and admins) edit. Every change is audited.
const quotas: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/users/:name/quota",
    {
      onRequest: requireUser,
      schema: {
        tags: ["quotas"],
        summary: "This week's GPU-hours of a student in a course: used, granted, allowed, left (the student, the course's instructors, admins)",
        params: UserParams,
        querystring: QuotaQuery,
        response: { 200: QuotaResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const [user, course] = await Promise.all([
        app.db.user.findUnique({ where: { username: request.params.name }, select: { id: true, username: true } }),
        app.db.course.findUnique({ where: { slug: request.query.course }, select: { id: true, slug: true, title: true } }),
      ]);
      const self = principal.username === request.params.name;
      if (!self && principal.role !== Role.ADMIN && !(course && (await canManageCourse(app.db, actorOf(request), course.id)))) {
        throw new AppError("forbidden", "You can only see your own GPU-hours, or those of students in a course you teach.");
      }
      if (!user) throw new AppError("not_found", `There is no user "${request.params.name}".`);
      if (!course) throw new AppError("not_found", `There is no course "${request.query.course}".`);
      const enrollment = await app.db.enrollment.findUnique({ where: { courseId_userId: { courseId: course.id, userId: user.id } }, select: { removedAt: true } });
      if (!enrollment || enrollment.removedAt) throw new AppError("not_enrolled", `${user.username} is not enrolled in ${course.title}.`);
      const [status, holding] = await Promise.all([
        gpuQuotaStatus(app.db, { userId: user.id, courseId: course.id }),
        app.db.gpuAllocation.count({ where: { userId: user.id, courseId: course.id, releasedAt: null, server: { status: { in: ["STARTING", "RUNNING"] } } } }),
      ]);
      return {
        username: user.username,
        course: { slug: course.slug, title: course.title },
        weekStart: status.weekStart.toISOString(),
        resetsAt: status.resetsAt.toISOString(),
        usedHours: status.usedHours,
        weeklyHours: status.weeklyHours,
        grantedHours: status.grantedHours,
        allowedHours: status.allowedHours,
        remainingHours: status.remainingHours,
        level: status.level,
        holdingGpu: holding > 0,
      };
    },
  );

  app.post(
    "/quotas/grants",
    {
      onRequest: [requireUser, requireRole(Role.ADMIN)],
      schema: { tags: ["quotas"], summary: "Grant a student extra GPU-hours for one week (admins; audited)", body: GrantBody, response: { 201: GrantResponse } },
    },
    async (request, reply) => {
      const body = request.body;
      const grant = await grantGpuHours(app.db, {
        username: body.username,
        course: body.course,
        hours: body.hours,
        reason: body.reason,
        ...(body.week ? { week: new Date(body.week) } : {}),
        actorId: principalOf(request).userId,
        ip: request.ip,
      });
      return reply.status(201).send({
        grant: {
          id: grant.id,
          username: grant.username,
          course: grant.course,
          weekStart: grant.weekStart.toISOString(),
          hours: grant.hours,
          reason: grant.reason,
          grantedBy: principalOf(request).username,
          createdAt: grant.createdAt.toISOString(),
        },
      });
    },
  );

  app.get(
    "/quotas/grants",
    {
      onRequest: requireUser,
      schema: { tags: ["quotas"], summary: "Extra GPU-hours granted in a course (its instructors, admins)", querystring: GrantListQuery, response: { 200: GrantList } },
    },
    async (request) => {
      const course = await requireManagedCourse(app.db, actorOf(request), request.query.course);
      let userId: string | undefined;
      if (request.query.username) {
        const user = await app.db.user.findUnique({ where: { username: request.query.username }, select: { id: true } });
        if (!user) throw new AppError("not_found", `There is no user "${request.query.username}".`);
        userId = user.id;
      }
      return { grants: await listGpuHourGrants(app.db, { courseId: course.id, ...(userId ? { userId } : {}) }) };
    },
  );

  app.get(
    "/quotas/courses/:slug",
    {
      onRequest: requireUser,
      schema: { tags: ["quotas"], summary: "A course's quota policy (its instructors, admins)", params: CourseParams, response: { 200: QuotaPolicyResponse } },
    },
    async (request) => {
      const course = await requireManagedCourse(app.db, actorOf(request), request.params.slug);
      const policy = await getQuotaPolicy(app.db, course.id);
      return { course: course.slug, policy: { ...policy, updatedAt: iso(policy.updatedAt) } };
    },
  );

  app.patch(
    "/quotas/courses/:slug",
    {
      onRequest: requireUser,
      schema: {
        tags: ["quotas"],
        summary: "Change a course's quota policy: servers, CPUs, memory, GPU-hours per week, idle timeout, maximum session (audited)",
        params: CourseParams,
        body: QuotaPolicyPatch,
        response: { 200: QuotaPolicyResponse },
      },
    },
    async (request) => {
      const course = await requireManagedCourse(app.db, actorOf(request), request.params.slug);
      const patch = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined));
      const policy = await updateQuotaPolicy(app.db, { courseId: course.id, courseSlug: course.slug, patch, actorId: principalOf(request).userId, ip: request.ip });
      return { course: course.slug, policy: { ...policy, updatedAt: iso(policy.updatedAt) } };
    },
  );

  app.get(
    "/quotas/courses/:slug/overrides",
    {
      onRequest: requireUser,
      schema: { tags: ["quotas"], summary: "Per-student overrides of a course's policy", params: CourseParams, response: { 200: QuotaOverrideList } },
    },
    async (request) => {
      const course = await requireManagedCourse(app.db, actorOf(request), request.params.slug);
      const overrides = await listQuotaOverrides(app.db, course.id);
      return { course: course.slug, overrides: overrides.map((o) => ({ ...o, updatedAt: o.updatedAt.toISOString() })) };
    },
  );

  app.get(
    "/quotas/courses/:slug/users/:name",
    {
      onRequest: requireUser,
      schema: { tags: ["quotas"], summary: "One student's override (null: the course policy applies)", params: CourseUserParams, response: { 200: QuotaOverrideResponse } },
    },
    async (request) => {
      const course = await requireManagedCourse(app.db, actorOf(request), request.params.slug);
      const override = await getQuotaOverride(app.db, { courseId: course.id, username: request.params.name });
      return { course: course.slug, override: override ? { ...override, updatedAt: override.updatedAt.toISOString() } : null };
    },
  );

  app.put(
    "/quotas/courses/:slug/users/:name",
    {
      onRequest: requireUser,
      schema: {
        tags: ["quotas"],
        summary: "Set a student's override (every field; null = as the course policy; audited)",
        params: CourseUserParams,
        body: QuotaOverrideBody,
        response: { 200: QuotaOverrideResponse },
      },
    },
    async (request) => {
      const course = await requireManagedCourse(app.db, actorOf(request), request.params.slug);
      const override = await setQuotaOverride(app.db, {
        courseId: course.id,
        courseSlug: course.slug,
        username: request.params.name,
        fields: request.body,
        actorId: principalOf(request).userId,
        ip: request.ip,
      });
      return { course: course.slug, override: { ...override, updatedAt: override.updatedAt.toISOString() } };
    },
  );

  app.delete(
    "/quotas/courses/:slug/users/:name",
    {
      onRequest: requireUser,
      schema: { tags: ["quotas"], summary: "Remove a student's override (audited)", params: CourseUserParams, response: { 204: z.undefined() } },
    },
    async (request, reply) => {
      const course = await requireManagedCourse(app.db, actorOf(request), request.params.slug);
      const removed = await clearQuotaOverride(app.db, { courseId: course.id, courseSlug: course.slug, username: request.params.name, actorId: principalOf(request).userId, ip: request.ip });
      if (!removed) throw new AppError("not_found", `${request.params.name} has no override in ${course.title}.`);
      return reply.status(204).send();
    },
  );
};

export default quotas;
