import type { Job } from "bullmq";
import { recordServerEnd } from "@aula/domain";
import { stopServerContainer } from "@aula/docker";
import { publishProgress, StopPayload } from "@aula/queue";
import { publishRouteRemove } from "@aula/queue/messages";
import type { ServerJobDeps } from "./spawn-processor";

/**
 * stop: drop the route first (no request reaches a container that is going away), stop with a
 * grace period, remove the container (the student's volumes stay), then record the end and
 * release GPUs in one transaction. Retried until it succeeds: a GPU is held until it does.
 */
export function createStopProcessor(deps: ServerJobDeps) {
  const { db, docker, publisher, prefix } = deps;
  return async (job: Job<StopPayload>): Promise<void> => {
    const { serverId } = StopPayload.parse(job.data);
    const server = await db.server.findUnique({ where: { id: serverId }, include: { user: { select: { username: true } } } });
    if (!server) return;
    const reason = server.stopReason ?? "Stopped.";
    await publishProgress(publisher, prefix, { serverId, phase: "stopping", message: "Stopping your server…", progress: 50 }).catch(() => {});
    await publishRouteRemove(publisher, prefix, { username: server.user.username, serverId }).catch(() => {});
    await stopServerContainer(docker, server.containerId ?? server.containerName);
    await recordServerEnd(db, { serverId, status: "STOPPED", reason, onlyFrom: ["QUEUED", "STARTING", "RUNNING", "STOPPING"] });
    await publisher.hdel(`${prefix}:activity`, serverId).catch(() => 0);
    await publishProgress(publisher, prefix, { serverId, phase: "stopped", message: reason, progress: 100 }).catch(() => {});
  };
}
