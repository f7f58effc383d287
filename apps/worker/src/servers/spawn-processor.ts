import { mkdir } from "node:fs/promises";
import type Docker from "dockerode";
import { DelayedError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { isDatabaseUnavailable, type Db } from "@aula/db";
import { allocateGpu, heldGpus, loadGpuQueue, materialsDir, recordServerEnd } from "@aula/domain";
import { buildContainerSpec, containerLogTail, removeContainer, startServerContainer, waitForJupyter, type ContainerSpecOptions, type StudentDiskDirs } from "@aula/docker";
import { publishProgress, SpawnPayload, type ServerPhase } from "@aula/queue";
import { publishRouteAdd } from "@aula/queue/messages";
import type { Logger } from "../log";
import { seedWorkspace } from "./seed-workspace";
import { prepareStudentDisk, type StudentDiskSettings } from "./student-disks";

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
  /** How long a queued GPU request's job stays parked before it looks again by itself. */
  admissionRecheckMs?: number;
  /**
   * Asks the admission tick for a pass now: this worker released a GPU (a failed spawn), so the
   * next in line starts, or parked a request, which is then told its place.
   */
  kickAdmission?: () => void;
  /** AULA_VOLUME_MODE=disk; absent: plain Docker volumes without a size limit. */
  studentDisks?: StudentDiskSettings;
}

/**
 * The devices a container gets: exactly the allocated real GPUs (or MIG slices), by uuid.
 * Simulated GPUs are ledger entries only; their servers get no device request at all.
 */
export function deviceUuidsFor(held: readonly { uuid: string; simulated: boolean }[]): string[] {
  return held.filter((g) => !g.simulated).map((g) => g.uuid);
}

/** The container spec of a claimed server (pure apart from its inputs). */
export function serverContainerSpec(
  server: { id: string; image: string; token: string; cpus: number; memoryMb: number; shmMb: number; user: { username: string }; environment: { name: string } },
  opts: { teoria: string; prefix: string; gpuUuids: readonly string[]; hostCpus?: number; volumeDirs?: StudentDiskDirs },
) {
  const spec: ContainerSpecOptions = {
    username: server.user.username,
    serverId: server.id,
    environment: server.environment.name,
    image: server.image,
    token: server.token,
    cpus: Math.min(server.cpus, opts.hostCpus ?? server.cpus),
    memoryMb: server.memoryMb,
    shmMb: server.shmMb,
    readOnlyMounts: [{ source: opts.teoria, target: "/bootcamp/1-teoria" }],
    deployment: opts.prefix,
    gpuUuids: opts.gpuUuids,
    ...(opts.volumeDirs ? { volumeDirs: opts.volumeDirs } : {}),
  };
  return buildContainerSpec(spec);
}

/** How soon a spawn interrupted by an unreachable database is tried again. */
const DATABASE_RETRY_MS = 2_000;

type Admitted = { admitted: true; gpuName: string | null } | { admitted: false };

/**
 * spawn: QUEUED → (GPU admission) → STARTING → RUNNING, or FAILED with a reason the student can
 * act on. A GPU request is admitted only when its turn has come (loadGpuQueue's fair order) and
 * a slot is free; otherwise the job parks itself as delayed under the same id and the admission
 * tick wakes it. Idempotent: a second delivery (stalled job after a worker crash) finds
 * STARTING, keeps the allocation it already holds, replaces any half-made container and
 * carries on; anything else is a no-op.
 */
export function createSpawnProcessor(deps: ServerJobDeps) {
  const { db, docker, publisher, prefix, log } = deps;
  const recheckMs = deps.admissionRecheckMs ?? 60_000;
  const spawnOnce = async (job: Job<SpawnPayload>, token?: string): Promise<void> => {
    const { serverId } = SpawnPayload.parse(job.data);
    const progress = (phase: ServerPhase, message: string, pct: number) =>
      publishProgress(publisher, prefix, { serverId, phase, message, progress: pct }).catch((err: unknown) => log.warn("progress not published", { err }));

    const row = await db.server.findUnique({ where: { id: serverId }, select: { status: true, gpuRequest: true, cpuFallback: true } });
    if (!row || (row.status !== "QUEUED" && row.status !== "STARTING")) return;

    let admittedGpu: string | null = null;
    let claimedAt: Date | null = null;
    if (row.status === "QUEUED" && row.gpuRequest !== "NONE") {
      const admission = await admitGpu(serverId, row.gpuRequest === "PREFERRED" && row.cpuFallback);
      if (admission === "gone") return;
      if (admission === "wait") {
        if (!token) throw new Error("a spawn job cannot wait for a GPU without its lock token");
        await job.moveToDelayed(Date.now() + recheckMs, token);
        throw new DelayedError();
      }
      if (admission.admitted) admittedGpu = admission.gpuName;
    } else {
      claimedAt = new Date();
      const claimed = await db.server.updateMany({ where: { id: serverId, status: { in: ["QUEUED", "STARTING"] } }, data: { status: "STARTING", startedAt: claimedAt } });
      if (claimed.count === 0) return;
    }

    const server = await db.server.findUniqueOrThrow({
      where: { id: serverId },
      include: { user: { select: { username: true } }, environment: { select: { name: true } }, course: { select: { slug: true } }, week: { select: { number: true } } },
    });
    const username = server.user.username;
    // The claim's startedAt fences this delivery. A worker that loses its job lock (Redis down
    // for longer than the lock, found by the fault suite) keeps running while BullMQ hands the
    // same job to another delivery, which claims the row again with a new startedAt. From then
    // on that one owns the spawn: this one must neither finish it nor undo it — before the fence
    // each removed the other's container by name, leaving a RUNNING row with no container.
    const fence = claimedAt ?? server.startedAt;
    const stillMine = async () => (await db.server.count({ where: { id: serverId, status: "STARTING", startedAt: fence } })) === 1;
    let createdId: string | null = null;
    try {
      let gpuUuids: string[] = [];
      if (server.usesGpu) {
        await progress("allocating", admittedGpu ? `GPU assigned: ${admittedGpu}.` : "Checking your GPU…", 20);
        const held = await heldGpus(db, serverId);
        if (held.length === 0 || held.some((g) => !g.present)) throw new Error("The GPU assigned to your server is no longer available.");
        gpuUuids = deviceUuidsFor(held);
      }
      await progress("creating", "Creating your container…", 30);
      const teoria = materialsDir(deps.dataDir, server.course.slug, server.week.number, "1-teoria");
      await mkdir(teoria, { recursive: true });
      const volumeDirs = deps.studentDisks ? await prepareStudentDisk({ docker, log, disks: deps.studentDisks }, username, server.diskMb) : undefined;
      const spec = serverContainerSpec(server, { teoria, prefix, gpuUuids, ...(deps.hostCpus !== undefined ? { hostCpus: deps.hostCpus } : {}), ...(volumeDirs ? { volumeDirs } : {}) });
      await progress("starting", "Starting your environment…", 45);
      // startServerContainer replaces a container of the same name: never the new owner's.
      if (!(await stillMine())) return;
      const { containerId, hostPort } = await startServerContainer(docker, spec);
      createdId = containerId;
      const recorded = await db.server.updateMany({ where: { id: serverId, startedAt: fence }, data: { containerId, hostPort } });
      if (recorded.count === 0) {
        await removeContainer(docker, containerId);
        return;
      }
      // The copy of 2-practicas overlaps Jupyter's boot: the student needs both before "ready",
      // not one after the other (under a class start each Docker archive call waits its turn).
      // seedWorkspace never rejects.
      const seeding = seedWorkspace({ docker, containerId, dataDir: deps.dataDir, course: server.course.slug, week: server.week.number, log });
      await progress("waiting", "Waiting for Jupyter to answer…", 65);
      await Promise.all([
        seeding,
        waitForJupyter({
          port: hostPort,
          baseUrl: `/user/${username}/`,
          token: server.token,
          timeoutMs: deps.readyTimeoutMs,
          container: docker.getContainer(containerId),
        }),
      ]);
      const now = new Date();
      const ready = await db.server.updateMany({ where: { id: serverId, status: "STARTING", startedAt: fence }, data: { status: "RUNNING", readyAt: now, lastActivityAt: now } });
      if (ready.count === 0) {
        // Stopped while starting (the stop job may have run before this container existed), or
        // superseded by another delivery: either way this container is not the server's.
        const current = await db.server.findUnique({ where: { id: serverId }, select: { status: true } });
        if (current?.status !== "STOPPING") await removeContainer(docker, containerId);
        return;
      }
      // RUNNING is recorded: from here a Redis failure must not undo the spawn. The gateway
      // reloads its routes from the database when its Redis connection comes back.
      await publishRouteAdd(publisher, prefix, { username, port: hostPort, token: server.token, serverId }).catch((err: unknown) => log.warn("route not published; the gateway resyncs from the database", { serverId, err }));
      await progress("ready", "Your server is ready.", 100);
      log.info("server ready", { serverId, username, gpu: server.usesGpu, ms: now.getTime() - server.queuedAt.getTime() });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        // Not the student's failure, and nothing can be recorded now: undo this attempt and let
        // the retry below (a new delivery re-claims the STARTING row) finish the spawn.
        if (createdId) await removeContainer(docker, createdId).catch(() => {});
        throw error;
      }
      if (!(await stillMine().catch(() => true))) {
        // Superseded (or stopped meanwhile): clean up only what this delivery made, unless it is
        // the container the row now records.
        const current = await db.server.findUnique({ where: { id: serverId }, select: { containerId: true } }).catch(() => null);
        if (createdId && current?.containerId !== createdId) await removeContainer(docker, createdId).catch(() => {});
        log.warn("spawn delivery superseded; leaving the server to its current owner", { serverId, err: error });
        return;
      }
      const tail = await containerLogTail(docker, server.containerName);
      await removeContainer(docker, server.containerName).catch(() => {});
      const reason = `Your server could not start: ${(error as Error).message} Try again; if it keeps failing, tell your instructor.`;
      log.error("spawn failed", { serverId, username, err: error, containerLog: tail });
      await recordServerEnd(db, { serverId, status: "FAILED", reason, onlyFrom: ["STARTING"] });
      if (server.usesGpu) deps.kickAdmission?.();
      await progress("failed", reason, 100);
    }
  };

  // PostgreSQL restarting under a spawn (found by the fault suite): the job failed (one attempt)
  // with the row stuck STARTING until the reconciler gave up on it two minutes later, so an
  // accepted start was lost. Park the job instead and try again until the database answers.
  return async (job: Job<SpawnPayload>, token?: string): Promise<void> => {
    try {
      await spawnOnce(job, token);
    } catch (error) {
      if (error instanceof DelayedError || !token || !isDatabaseUnavailable(error)) throw error;
      log.warn("the database is unavailable; the spawn will be retried", { jobId: job.id, err: error });
      await job.moveToDelayed(Date.now() + DATABASE_RETRY_MS, token);
      throw new DelayedError();
    }
  };

  /**
   * "wait": not this request's turn, or no slot (it stays QUEUED, told its place);
   * "gone": no longer QUEUED (cancelled); otherwise claimed STARTING, on a GPU or on CPU.
   */
  async function admitGpu(serverId: string, cpuFallback: boolean): Promise<Admitted | "wait" | "gone"> {
    const queue = await loadGpuQueue(db);
    const entry = queue.entries.find((e) => e.serverId === serverId);
    if (!entry) return "gone";
    if (entry.admissible) {
      const result = await allocateGpu(db, { serverId });
      if (result.kind === "allocated") {
        log.info("gpu allocated", { serverId, gpu: result.gpu.uuid, slot: result.slot, simulated: result.gpu.simulated });
        return { admitted: true, gpuName: `${result.gpu.name}${result.gpu.simulated ? " (simulated)" : ""}` };
      }
      if (result.kind === "not-queued") return "gone";
    }
    if (cpuFallback) {
      const claimed = await db.server.updateMany({ where: { id: serverId, status: "QUEUED" }, data: { status: "STARTING", startedAt: new Date(), usesGpu: false } });
      if (claimed.count === 0) return "gone";
      await publishProgress(publisher, prefix, { serverId, phase: "allocating", message: "No GPU is free right now: starting on CPU, as you allowed.", progress: 20 }).catch(() => {});
      return { admitted: false };
    }
    // The admission tick announces the place: one announcer at a time keeps positions in order.
    deps.kickAdmission?.();
    return "wait";
  }
}
