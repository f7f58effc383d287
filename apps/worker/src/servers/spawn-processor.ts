import { mkdir } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "@aula/db";
import { recordServerEnd } from "@aula/domain";
import { buildContainerSpec, containerLogTail, removeContainer, startServerContainer, waitForJupyter } from "@aula/docker";
import { publishProgress, SpawnPayload, type ServerPhase } from "@aula/queue";
import { publishRouteAdd } from "@aula/queue/messages";
import type { Logger } from "../log";

export interface ServerJobDeps {
  db: Db;
  docker: Docker;
  publisher: Redis;
  prefix: string;
  dataDir: string;
  log: Logger;
  readyTimeoutMs: number;
  /**
   * CPUs of the Docker host. A course policy written for a bigger server (the seed's 4 CPUs) is
   * capped to what the host has: Docker refuses NanoCpus above it, which would fail every spawn.
   */
  hostCpus?: number;
}

/** Host folder of a week's read-only materials (1-teoria), mounted into every server of that week. */
export function materialsDir(dataDir: string, courseSlug: string, week: number, part: "1-teoria" | "2-practicas"): string {
  return path.join(dataDir, "materials", courseSlug, `week-${String(week).padStart(2, "0")}`, part);
}

/**
 * spawn: QUEUED → STARTING → RUNNING (or FAILED with a reason the student can act on).
 * Idempotent: a second delivery (stalled job after a worker crash) finds STARTING, replaces any
 * half-made container and carries on; anything else is a no-op.
 */
export function createSpawnProcessor(deps: ServerJobDeps) {
  const { db, docker, publisher, prefix, log } = deps;
  return async (job: Job<SpawnPayload>): Promise<void> => {
    const { serverId } = SpawnPayload.parse(job.data);
    const progress = (phase: ServerPhase, message: string, pct: number) =>
      publishProgress(publisher, prefix, { serverId, phase, message, progress: pct }).catch((err: unknown) => log.warn("progress not published", { err }));

    const claimed = await db.server.updateMany({ where: { id: serverId, status: { in: ["QUEUED", "STARTING"] } }, data: { status: "STARTING", startedAt: new Date() } });
    if (claimed.count === 0) return;
    const server = await db.server.findUniqueOrThrow({
      where: { id: serverId },
      include: { user: { select: { username: true } }, environment: { select: { name: true } }, course: { select: { slug: true } }, week: { select: { number: true } } },
    });
    const username = server.user.username;
    try {
      await progress("creating", "Creating your container…", 30);
      const teoria = materialsDir(deps.dataDir, server.course.slug, server.week.number, "1-teoria");
      await mkdir(teoria, { recursive: true });
      const spec = buildContainerSpec({
        username,
        serverId,
        environment: server.environment.name,
        image: server.image,
        token: server.token,
        cpus: Math.min(server.cpus, deps.hostCpus ?? server.cpus),
        memoryMb: server.memoryMb,
        shmMb: server.shmMb,
        readOnlyMounts: [{ source: teoria, target: "/bootcamp/1-teoria" }],
        deployment: prefix,
      });
      await progress("starting", "Starting your environment…", 45);
      const { containerId, hostPort } = await startServerContainer(docker, spec);
      await db.server.update({ where: { id: serverId }, data: { containerId, hostPort } });
      await progress("waiting", "Waiting for Jupyter to answer…", 65);
      await waitForJupyter({
        port: hostPort,
        baseUrl: `/user/${username}/`,
        token: server.token,
        timeoutMs: deps.readyTimeoutMs,
        isAlive: async () => (await docker.getContainer(containerId).inspect()).State.Running,
      });
      const now = new Date();
      const ready = await db.server.updateMany({ where: { id: serverId, status: "STARTING" }, data: { status: "RUNNING", readyAt: now, lastActivityAt: now } });
      if (ready.count === 0) {
        // Stopped while starting: the stop job may have run before this container existed.
        const current = await db.server.findUnique({ where: { id: serverId }, select: { status: true } });
        if (current?.status !== "STOPPING") await removeContainer(docker, containerId);
        return;
      }
      await publishRouteAdd(publisher, prefix, { username, port: hostPort, token: server.token, serverId });
      await progress("ready", "Your server is ready.", 100);
      log.info("server ready", { serverId, username, ms: now.getTime() - server.queuedAt.getTime() });
    } catch (error) {
      const tail = await containerLogTail(docker, server.containerName);
      await removeContainer(docker, server.containerName).catch(() => {});
      const reason = `Your server could not start: ${(error as Error).message} Try again; if it keeps failing, tell your instructor.`;
      log.error("spawn failed", { serverId, username, err: error, containerLog: tail });
      await recordServerEnd(db, { serverId, status: "FAILED", reason, onlyFrom: ["STARTING"] });
      await progress("failed", reason, 100);
    }
  };
}
