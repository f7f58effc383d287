import { AppError } from "@aula/contracts";
import { Role } from "@aula/db";
import { recordAudit } from "@aula/domain";
import { createMaintenanceQueue, enqueueMaintenance, MaintenanceAction, MaintenanceJobResult } from "@aula/queue";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireRole, requireUser } from "../../plugins/app/auth";

const MaintenanceJobView = z.object({
  id: z.string(),
  action: MaintenanceAction,
  status: z.enum(["queued", "running", "done", "failed"]),
  result: MaintenanceJobResult.nullable(),
  error: z.string().nullable(),
});

// The seed's cleanup commands as confirmed admin actions; the worker runs them (the api never
// talks to Docker) and never removes a published image or one under a container.
const maintenance: FastifyPluginAsyncZod = async (app) => {
  const queue = createMaintenanceQueue(app.redis, app.config.redisPrefix);
  app.addHook("onClose", async () => queue.close());

  app.post(
    "/maintenance/:action",
    {
      onRequest: [requireUser, requireRole(Role.ADMIN)],
      schema: {
        tags: ["environments"],
        summary: "Prune Docker's build cache or remove unused environment images (admin; needs confirm: true)",
        params: z.object({ action: MaintenanceAction }),
        body: z.strictObject({ confirm: z.literal(true, "Confirm the cleanup with confirm: true.") }),
        response: { 202: z.object({ job: MaintenanceJobView }) },
      },
    },
    async (request, reply) => {
      const actor = principalOf(request);
      const id = await enqueueMaintenance(queue, { action: request.params.action, requestedById: actor.userId });
      await recordAudit(app.db, { actorId: actor.userId, action: `maintenance.requested`, targetType: "docker", targetId: id, data: { action: request.params.action }, ip: request.ip });
      return reply.status(202).send({ job: { id, action: request.params.action, status: "queued", result: null, error: null } });
    },
  );

  app.get(
    "/maintenance/jobs/:id",
    {
      onRequest: [requireUser, requireRole(Role.ADMIN)],
      schema: { tags: ["environments"], summary: "A cleanup's state and the space it freed", params: z.object({ id: z.uuid() }), response: { 200: z.object({ job: MaintenanceJobView }) } },
    },
    async (request) => {
      const job = await queue.getJob(request.params.id);
      if (!job) throw new AppError("not_found", "There is no such cleanup (they are kept for 30 days).");
      const state = await job.getState();
      const status: z.infer<typeof MaintenanceJobView>["status"] = state === "completed" ? "done" : state === "failed" ? "failed" : state === "active" ? "running" : "queued";
      const result = MaintenanceJobResult.safeParse(job.returnvalue);
      return { job: { id: request.params.id, action: job.data.action, status, result: result.success ? result.data : null, error: job.failedReason || null } };
    },
  );
};

export default maintenance;
