import Docker from "dockerode";
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "@aula/db";
import { syncEnvironments } from "@aula/domain";
import { checkStudentDiskSupport, removeStaleSmokeContainers, type RecipePreference } from "@aula/docker";
import {
  closeRedis,
  createImageBuildQueue,
  createRedis,
  queueNames,
  type ImageBuildPayload,
  type ImageBuildQueue,
  type MaintenanceJobResult,
  type MaintenancePayload,
} from "@aula/queue";
import { createMaintenanceProcessor } from "./processors/maintenance";
import type { Logger } from "./log";
import { startServerWorkers } from "./servers/start-server-workers";
import { startCollectWorker } from "./collect/start-collect-worker";
import { studentDiskSettings } from "./servers/student-disks";
import type { GpuTaskOptions } from "./gpus/start-gpu-tasks";
import { createImageBuildProcessor, onImageBuildJobFailed, recoverImageBuilds, type ImageBuildDeps } from "./processors/image-build";

/** What one worker process runs; a machine can dedicate a worker to builds. */
export type WorkerRole = "image-builds" | "servers";

export interface StartWorkerOptions {
  /** Defaults to every role. */
  roles?: readonly WorkerRole[];
  db: Db;
  redisUrl: string;
  prefix: string;
  environmentsDir: string;
  dockerSocket?: string;
  recipePreference?: RecipePreference;
  buildConcurrency?: number;
  /** Host folder for course materials (AULA_DATA_DIR); required with the "servers" role. */
  dataDir?: string;
  spawnConcurrency?: number;
  spawnTimeoutMs?: number;
  /** BullMQ lock of spawn/stop jobs: how soon a dead worker's job is taken over. */
  spawnLockMs?: number;
  reconcileEveryMs?: number;
  cullEveryMs?: number;
  /** GPU inventory (AULA_GPUS) and the meter and admission periods. */
  gpus?: GpuTaskOptions;
  /** AULA_VOLUME_MODE=disk: the default size of a student's disk (AULA_STUDENT_DISK_MB). */
  studentDiskMb?: number;
  log: Logger;
  /** BullMQ's lock and stalled-check timings; tests shorten them. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface RunningWorker {
  imageBuilds: Worker<ImageBuildPayload>;
  imageBuildQueue: ImageBuildQueue;
  /** Null when this worker does not have the "servers" role. */
  servers: Awaited<ReturnType<typeof startServerWorkers>> | null;
  /** Idempotent. Waits up to graceMs for running jobs, then leaves them to the next worker. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Wires the processors to their queues. Connections: one blocking connection per BullMQ worker
 * (BullMQ duplicates the one it is given), one producer connection for publishing and
 * re-enqueueing; each with an error listener.
 */
export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  const { db, log, prefix } = opts;
  const roles = new Set<WorkerRole>(opts.roles ?? ["image-builds", "servers"]);
  if (roles.has("servers") && !opts.dataDir) throw new Error("the servers role needs dataDir (AULA_DATA_DIR)");
  const onError = (role: string) => (err: Error) => log.warn("redis connection error", { role, err });
  const workerRedis = createRedis({ url: opts.redisUrl, role: "worker", name: "aula-worker", onError: onError("worker") });
  const publisher = createRedis({ url: opts.redisUrl, role: "producer", name: "aula-worker:producer", onError: onError("producer") });
  const docker = new Docker({ socketPath: opts.dockerSocket ?? "/var/run/docker.sock" });

  await docker.ping().catch((err: unknown) => {
    throw new Error(`Docker Engine is not answering on ${opts.dockerSocket ?? "/var/run/docker.sock"}: ${(err as Error).message}`);
  });
  const synced = await syncEnvironments({ db, environmentsDir: opts.environmentsDir });
  log.info("environments synced", { ...synced });
  const stale = await removeStaleSmokeContainers(docker);
  if (stale) log.warn("removed smoke-test containers left by a previous worker", { count: stale });

  const deps: ImageBuildDeps = {
    db,
    docker,
    publisher,
    prefix,
    environmentsDir: opts.environmentsDir,
    recipePreference: opts.recipePreference ?? "auto",
    log,
  };
  const imageBuildQueue = createImageBuildQueue(publisher, prefix);
  imageBuildQueue.on("error", (err) => log.warn("image-build queue error", { err }));

  const imageBuilds = new Worker<ImageBuildPayload>(queueNames.imageBuilds, createImageBuildProcessor(deps), {
    connection: workerRedis,
    prefix,
    concurrency: opts.buildConcurrency ?? 1,
    lockDuration: opts.lockDurationMs ?? 60_000,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: 1,
    // Created either way so close() and the queue handle stay uniform; it only takes jobs with
    // the role.
    autorun: roles.has("image-builds"),
  });
  imageBuilds.on("error", (err) => log.error("image-build worker error", { err }));
  // Cleanup shares the daemon with builds, so it runs with the builds role, one at a time.
  const maintenance = roles.has("image-builds")
    ? new Worker<MaintenancePayload, MaintenanceJobResult>(queueNames.maintenance, createMaintenanceProcessor({ db, docker }), { connection: workerRedis, prefix, concurrency: 1 })
    : null;
  maintenance?.on("error", (err) => log.error("maintenance worker error", { err }));
  imageBuilds.on("failed", (job: Job<ImageBuildPayload> | undefined, err: Error) => {
    void onImageBuildJobFailed(deps, job, err).catch((e: unknown) => log.error("could not record a failed build", { err: e }));
  });
  await imageBuilds.waitUntilReady();
  if (roles.has("image-builds")) await recoverImageBuilds(deps, imageBuildQueue);
  const dataDir = opts.dataDir;
  const studentDisks = dataDir && opts.studentDiskMb !== undefined ? studentDiskSettings(dataDir, opts.studentDiskMb) : undefined;
  if (studentDisks && roles.has("servers")) await checkStudentDiskSupport();
  const servers =
    roles.has("servers") && dataDir
      ? await startServerWorkers({
          db,
          docker,
          publisher,
          prefix,
          log,
          workerRedis,
          dataDir,
          readyTimeoutMs: opts.spawnTimeoutMs ?? 90_000,
          spawnConcurrency: opts.spawnConcurrency ?? 8,
          reconcileEveryMs: opts.reconcileEveryMs ?? 30_000,
          cullEveryMs: opts.cullEveryMs ?? 60_000,
          lockMs: opts.spawnLockMs ?? 30_000,
          ...(opts.gpus ? { gpus: opts.gpus } : {}),
          ...(studentDisks ? { studentDisks } : {}),
        })
      : null;
  // Collecting students' work reads their volumes: the servers role's machine has them.
  const collect = roles.has("servers") && dataDir ? await startCollectWorker({ db, docker, dataDir, prefix, log, workerRedis, ...(studentDisks ? { studentDisks } : {}) }) : null;
  log.info("worker ready", { roles: [...roles], prefix });

  let closing: Promise<void> | undefined;
  return {
    imageBuilds,
    imageBuildQueue,
    servers,
    close(graceMs = 20_000) {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const drained = imageBuilds.close().then(() => true);
        const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
        if (!(await Promise.race([drained, late]))) {
          log.warn("a build is still running; leaving it to BullMQ's stalled-job check", { graceMs });
          await imageBuilds.close(true);
        }
        clearTimeout(timer);
        await servers?.close();
        await collect?.close();
        await maintenance?.close();
        await imageBuildQueue.close().catch(() => {});
        await closeRedis(workerRedis, publisher);
      })();
      return closing;
    },
  };
}

export type { Redis };
