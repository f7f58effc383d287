import { AppError, ServerResponse, StartServerBody, UserParams } from "@aula/contracts";
import { findLatestServer, requestServerStart, requestServerStop, serverView, userSubdomains } from "@aula/domain";
import { enqueueSpawn, enqueueStop, parseProgressEvent, progressChannel, publishProgress } from "@aula/queue";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireSelfOrAdmin, requireUser } from "../../plugins/app/auth";
import { ChannelHub } from "../../lib/channel-hub";
import authorize from "./authorize";
import { streamProgress } from "./progress-stream";

// A student's Jupyter server: start (preflight + queue), look, stop, and watch the spawn.
// The api never talks to Docker; the worker does the rest.
const servers: FastifyPluginAsyncZod = async (app) => {
  const hub = new ChannelHub(app.redis, (serverId) => progressChannel(app.config.redisPrefix, serverId), parseProgressEvent);
  app.addHook("onClose", async () => hub.close());
  // In per-user subdomain mode the server's url is its own origin, so the portal links there directly.
  const subdomains = userSubdomains(app.config.publicUrl, app.config.userDomain);
  await app.register(authorize);

  app.post(
    "/users/:name/server",
    {
      onRequest: requireUser,
      schema: {
        tags: ["servers"],
        summary: "Start the user's server for a course week (202; progress at …/server/progress)",
        params: UserParams,
        body: StartServerBody,
        response: { 202: ServerResponse },
      },
    },
    async (request, reply) => {
      requireSelfOrAdmin(request, request.params.name);
      const body = request.body;
      const created = await requestServerStart(app.db, {
        username: request.params.name,
        course: body.course,
        week: body.week,
        gpu: body.gpu,
        ...(body.cpuFallback !== undefined ? { cpuFallback: body.cpuFallback } : {}),
      });
      // The row is the durable record of the request: if Redis is down right now, the worker's
      // reconciler enqueues QUEUED servers it finds without a job, so nothing is lost.
      try {
        await publishProgress(app.redis, app.config.redisPrefix, { serverId: created.id, phase: "queued", message: "Waiting for a free slot…", progress: 5 });
        await enqueueSpawn(app.queues.spawns, { serverId: created.id });
      } catch (error) {
        request.log.warn({ err: error, serverId: created.id }, "spawn not enqueued now; the reconciler will enqueue it");
      }
      const server = await findLatestServer(app.db, request.params.name);
      return reply.status(202).send({ server: server ? serverView(server, subdomains) : null });
    },
  );

  app.get(
    "/users/:name/server",
    {
      onRequest: requireUser,
      schema: { tags: ["servers"], summary: "The user's current (or last) server", params: UserParams, response: { 200: ServerResponse } },
    },
    async (request) => {
      requireSelfOrAdmin(request, request.params.name);
      const server = await findLatestServer(app.db, request.params.name);
      return { server: server ? serverView(server, subdomains) : null };
    },
  );

  app.delete(
    "/users/:name/server",
    {
      onRequest: requireUser,
      schema: { tags: ["servers"], summary: "Stop the user's server (files are kept)", params: UserParams, response: { 202: ServerResponse } },
    },
    async (request, reply) => {
      const actor = requireSelfOrAdmin(request, request.params.name);
      const reason = actor.username === request.params.name ? "Stopped by you." : `Stopped by an administrator (${actor.username}).`;
      const { server, needsJob } = await requestServerStop(app.db, { username: request.params.name, reason });
      if (needsJob) {
        try {
          await enqueueStop(app.queues.stops, { serverId: server.id });
        } catch (error) {
          request.log.warn({ err: error, serverId: server.id }, "stop not enqueued now; the reconciler will enqueue it");
        }
      } else {
        await publishProgress(app.redis, app.config.redisPrefix, { serverId: server.id, phase: "stopped", message: reason, progress: 100 }).catch(() => {});
      }
      const latest = await findLatestServer(app.db, request.params.name);
      return reply.status(202).send({ server: latest ? serverView(latest, subdomains) : null });
    },
  );

  app.get(
    "/users/:name/server/progress",
    {
      onRequest: requireUser,
      schema: { tags: ["servers"], summary: "Spawn progress as server-sent events (event: progress), ending at ready/failed/stopped", params: UserParams },
    },
    async (request, reply) => {
      requireSelfOrAdmin(request, request.params.name);
      const server = await findLatestServer(app.db, request.params.name);
      if (!server) throw new AppError("not_found", "You have not started a server yet.");
      await streamProgress(app, hub, request, reply, server);
    },
  );
};

export default servers;
