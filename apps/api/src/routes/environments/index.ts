import { AppError, EnvironmentListResponse, EnvironmentNameParam, EnvironmentResponse, RequestBuildResponse } from "@aula/contracts";
import { Role } from "@aula/db";
import { findBuildView, findEnvironmentView, listEnvironmentViews, recordAudit, requestBuild } from "@aula/domain";
import { createImageBuildQueue, enqueueImageBuild } from "@aula/queue";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { principalOf, requireRole, requireUser } from "../../plugins/app/auth";

// Student images: what each stage runs, what is published, and a way for admins to rebuild.
// Builds run in the worker; the api only records the request and enqueues it.
const environments: FastifyPluginAsyncZod = async (app) => {
  const queue = createImageBuildQueue(app.redis, app.config.redisPrefix);
  app.addHook("onClose", async () => queue.close());

  app.get(
    "/environments",
    {
      onRequest: requireUser,
      schema: { tags: ["environments"], summary: "Every environment: stage, weeks, recipe, published image, size against target, last build", response: { 200: EnvironmentListResponse } },
    },
    async () => ({ environments: await listEnvironmentViews(app.db) }),
  );

  app.get(
    "/environments/:name",
    {
      onRequest: requireUser,
      schema: { tags: ["environments"], summary: "One environment", params: EnvironmentNameParam, response: { 200: EnvironmentResponse } },
    },
    async (request) => {
      const environment = await findEnvironmentView(app.db, request.params.name);
      if (!environment) throw new AppError("not_found", `There is no environment named "${request.params.name}".`);
      return { environment };
    },
  );

  app.post(
    "/environments/:name/builds",
    {
      onRequest: [requireUser, requireRole(Role.ADMIN)],
      schema: {
        tags: ["environments"],
        summary: "Build, smoke-test and publish the environment's image (202; joins a build already queued or running)",
        params: EnvironmentNameParam,
        response: { 202: RequestBuildResponse },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { build, joined } = await requestBuild({ db: app.db, environmentName: request.params.name, requestedById: principal.userId });
      await recordAudit(app.db, {
        actorId: principal.userId,
        action: "environment.build",
        targetType: "environment",
        targetId: request.params.name,
        data: { buildId: build.id, joined },
        ip: request.ip,
      });
      // The row is the durable request: if Redis is down now, the worker enqueues QUEUED builds
      // without a job when it starts (recoverImageBuilds). jobId = build id, so a joined request
      // adds nothing.
      try {
        await enqueueImageBuild(queue, { buildId: build.id });
      } catch (error) {
        request.log.warn({ err: error, buildId: build.id }, "build not enqueued now; the worker enqueues it at start");
      }
      const view = await findBuildView(app.db, build.id);
      return reply.status(202).send({ build: view!, joined });
    },
  );
};

export default environments;
