import { AppError, GpuBoard, GpuUsage, GpuUsageQuery, QueuePositionResponse, UserParams } from "@aula/contracts";
import { Role } from "@aula/db";
import { gpuHoursByCourseDay, loadGpuQueue } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireRole, requireSelfOrAdmin, requireUser } from "../../plugins/app/auth";
import { BoardHub, readGpuBoard } from "./board-hub";
import { useMetricsSource } from "./metrics";

const HEARTBEAT_MS = 15_000;
const BOARD_EVERY_MS = 2_000;

// The admins' GPU board (devices, holders, queue, usage) and a student's place in the queue.
const gpus: FastifyPluginAsyncZod = async (app) => {
  const hub = new BoardHub(() => readGpuBoard(app.db, app.redis, app.config.redisPrefix), BOARD_EVERY_MS, (err) => app.log.warn({ err }, "GPU board read failed"));
  const stopMetrics = useMetricsSource(app.db);
  app.addHook("onClose", async () => {
    hub.close();
    stopMetrics();
  });
  const admins = [requireUser, requireRole(Role.ADMIN)];

  app.get(
    "/gpus",
    { onRequest: admins, schema: { tags: ["gpus"], summary: "Every GPU with its holders, the admission queue and totals", response: { 200: GpuBoard } } },
    async () => readGpuBoard(app.db, app.redis, app.config.redisPrefix),
  );

  app.get(
    "/gpus/stream",
    { onRequest: admins, schema: { tags: ["gpus"], summary: "The GPU board as server-sent events (event: board, every 2 s)" } },
    async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": request.id,
      });
      let stop: () => void = () => {};
      let ended = false;
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        stop();
        res.end();
      };
      request.raw.on("close", end);
      try {
        stop = await hub.listen((board) => {
          if (!ended) res.write(`event: board\ndata: ${JSON.stringify(board)}\n\n`);
        });
        if (ended) stop();
      } catch (err) {
        request.log.warn({ err }, "GPU board stream failed");
        res.write(`event: error\ndata: ${JSON.stringify({ message: "The GPU board could not be read. Reload the page." })}\n\n`);
        end();
      }
    },
  );

  app.get(
    "/gpus/usage",
    { onRequest: admins, schema: { tags: ["gpus"], summary: "GPU-hours per course per UTC day, from the ledger", querystring: GpuUsageQuery, response: { 200: GpuUsage } } },
    async (request) => gpuHoursByCourseDay(app.db, { days: request.query.days }),
  );

  app.get(
    "/users/:name/server/queue",
    {
      onRequest: requireUser,
      schema: { tags: ["gpus"], summary: "Where the user's GPU request stands in the admission queue", params: UserParams, response: { 200: QueuePositionResponse } },
    },
    async (request) => {
      requireSelfOrAdmin(request, request.params.name);
      const user = await app.db.user.findUnique({ where: { username: request.params.name }, select: { id: true } });
      if (!user) throw new AppError("not_found", `There is no user "${request.params.name}".`);
      const queue = await loadGpuQueue(app.db);
      const entry = queue.entries.find((e) => e.userId === user.id);
      return {
        queued: entry !== undefined,
        serverId: entry?.serverId ?? null,
        position: entry?.position ?? null,
        length: queue.entries.length,
        etaSeconds: entry?.etaSeconds ?? null,
        etaBasis: entry?.etaBasis ?? null,
        queuedAt: entry ? entry.queuedAt.toISOString() : null,
      };
    },
  );
};

export default gpus;
