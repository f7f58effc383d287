import { AppError, BuildIdParam, BuildResponse } from "@aula/contracts";
import { Role } from "@aula/db";
import { findBuildView } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireRole, requireUser } from "../../plugins/app/auth";
import { buildLogChannel, parseBuildLogMessage } from "@aula/queue";
import { ChannelHub } from "../../lib/channel-hub";
import { streamBuildLog } from "./log-stream";

// Image builds: state and live log. Instructors may watch (a course's image is theirs to care
// about); starting one is an admin action under /environments/{name}/builds.
const builds: FastifyPluginAsyncZod = async (app) => {
  const hub = new ChannelHub(app.redis, (buildId) => buildLogChannel(app.config.redisPrefix, buildId), parseBuildLogMessage);
  app.addHook("onClose", async () => hub.close());

  app.get(
    "/builds/:id",
    {
      onRequest: [requireUser, requireRole(Role.INSTRUCTOR)],
      schema: { tags: ["builds"], summary: "One image build", params: BuildIdParam, response: { 200: BuildResponse } },
    },
    async (request) => {
      const build = await findBuildView(app.db, request.params.id);
      if (!build) throw new AppError("not_found", "There is no such build.");
      return { build };
    },
  );

  app.get(
    "/builds/:id/logs",
    {
      onRequest: [requireUser, requireRole(Role.INSTRUCTOR)],
      schema: {
        tags: ["builds"],
        summary: "The build's log as server-sent events: stored lines, then live ones (event: line), then event: end",
        params: BuildIdParam,
      },
    },
    async (request, reply) => {
      const exists = await app.db.imageBuild.findUnique({ where: { id: request.params.id }, select: { id: true } });
      if (!exists) throw new AppError("not_found", "There is no such build.");
      await streamBuildLog(app.db, hub, request, reply, request.params.id);
    },
  );
};

export default builds;
