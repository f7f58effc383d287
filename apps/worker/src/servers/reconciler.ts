import { ACTIVE_SERVER_STATUSES, recordServerEnd } from "@aula/domain";
import { listServerContainers, removeContainer } from "@aula/docker";
import { enqueueSpawn, enqueueStop, publishProgress, type SpawnQueue, type StopQueue } from "@aula/queue";
import { publishRouteRemove } from "@aula/queue/messages";
import type { Redis } from "ioredis";
import type { ServerJobDeps } from "./spawn-processor";

const VANISHED = "Your server stopped unexpectedly (its container is gone). Start it again; your files are kept.";

/**
 * Brings the database in line with Docker, on worker start and periodically:
 * - a container whose server row is missing or ended is an orphan: removed;
 * - a RUNNING server whose container is gone or dead: STOPPED with the reason, GPUs released;
 * - a QUEUED or STOPPING server whose job was lost (api crash, Redis outage): re-enqueued
 *   (job ids are deterministic, so this never duplicates work).
 */
export async function reconcileServers(deps: ServerJobDeps & { spawns: SpawnQueue; stops: StopQueue }): Promise<{ orphans: number; vanished: number; requeued: number }> {
  const { db, docker, log } = deps;
  const containers = await listServerContainers(docker, deps.prefix);
  const rows = await db.server.findMany({
    where: { OR: [{ status: { in: ACTIVE_SERVER_STATUSES } }, { id: { in: containers.map((c) => c.serverId).filter((id) => /^[0-9a-f-]{36}$/.test(id)) } }] },
    include: { user: { select: { username: true } } },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  let orphans = 0;
  for (const c of containers) {
    const row = byId.get(c.serverId);
    if (!row || row.status === "STOPPED" || row.status === "FAILED") {
      await removeContainer(docker, c.id);
      orphans++;
      log.warn("removed orphan container", { container: c.name, serverId: c.serverId });
    }
  }
  const live = new Map(containers.map((c) => [c.serverId, c]));
  const lostJobs = await jobsMissing(deps.publisher, deps.spawns, rows.filter((r) => r.status === "QUEUED").map((r) => r.id));
  let vanished = 0;
  let requeued = 0;
  const stalenessMs = 2 * 60_000;
  for (const row of rows) {
    if (row.status === "RUNNING" && !live.get(row.id)?.running) {
      if (await recordServerEnd(db, { serverId: row.id, status: "STOPPED", reason: VANISHED, onlyFrom: ["RUNNING"] })) {
        vanished++;
        await publishRouteRemove(deps.publisher, deps.prefix, { username: row.user.username, serverId: row.id }).catch(() => {});
        await publishProgress(deps.publisher, deps.prefix, { serverId: row.id, phase: "stopped", message: VANISHED, progress: 100 }).catch(() => {});
        await removeContainer(docker, row.containerName).catch(() => {});
      }
    } else if (row.status === "QUEUED" && lostJobs.has(row.id)) {
      await enqueueSpawn(deps.spawns, { serverId: row.id });
      requeued++;
    } else if (row.status === "STOPPING") {
      await enqueueStop(deps.stops, { serverId: row.id });
      requeued++;
    } else if (row.status === "STARTING" && Date.now() - (row.startedAt ?? row.queuedAt).getTime() > stalenessMs) {
      // A spawn job lost with its worker and no longer retried: give up cleanly.
      const state = await deps.spawns.getJobState(row.id);
      if (state !== "active" && state !== "waiting" && state !== "delayed") {
        await removeContainer(docker, row.containerName).catch(() => {});
        await recordServerEnd(db, { serverId: row.id, status: "FAILED", reason: "Your server did not finish starting (the worker restarted). Start it again.", onlyFrom: ["STARTING"] });
      }
    }
  }
  return { orphans, vanished, requeued };
}

/**
 * Which of these job ids have no job in the queue: one pipelined EXISTS per id. Adding a job
 * whose id exists is a no-op anyway, but each add runs BullMQ's Lua script: with a class of 100
 * waiting, every tick (and every container death) ran 100 of them on the worker's CPU.
 */
async function jobsMissing(redis: Redis, queue: SpawnQueue, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.exists(queue.toKey(id));
  const replies = (await pipeline.exec()) ?? [];
  return new Set(ids.filter((_, i) => replies[i]?.[0] !== null || replies[i]?.[1] !== 1));
}
