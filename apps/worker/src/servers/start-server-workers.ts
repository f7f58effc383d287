import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { ensureStudentNetwork } from "@aula/docker";
import { createSpawnQueue, createStopQueue, queueNames, type SpawnPayload, type StopPayload } from "@aula/queue";
import { cullIdleServers } from "./culler";
import { watchDocker } from "./docker-watch";
import { reconcileServers } from "./reconciler";
import { createSpawnProcessor, type ServerJobDeps } from "./spawn-processor";
import { createStopProcessor } from "./stop-processor";
import { startGpuTasks, type GpuTaskOptions } from "../gpus/start-gpu-tasks";

export interface ServerWorkersOptions extends ServerJobDeps {
  workerRedis: Redis;
  /** The global concurrent-spawn limit that protects the machine at class start. */
  spawnConcurrency: number;
  reconcileEveryMs: number;
  cullEveryMs: number;
  /** BullMQ lock duration; a job whose worker died is re-run after about this long. */
  lockMs?: number;
  /** GPU inventory (AULA_GPUS), meter and admission timings. */
  gpus?: GpuTaskOptions;
}

/** Spawn and stop processors plus the periodic reconciler and idle culler. */
export async function startServerWorkers(options: ServerWorkersOptions) {
  const { log } = options;
  const opts: ServerWorkersOptions = { ...options, hostCpus: options.hostCpus ?? (await options.docker.info() as { NCPU: number }).NCPU };
  // Before any spawn: every student server joins this network (no inter-container traffic).
  const network = await ensureStudentNetwork(opts.docker);
  if (network.created) log.info("created the student network", { network: network.name });
  const spawns = createSpawnQueue(opts.publisher, opts.prefix);
  const stops = createStopQueue(opts.publisher, opts.prefix);
  spawns.on("error", (err) => log.warn("spawn queue error", { err }));
  stops.on("error", (err) => log.warn("stop queue error", { err }));
  // Before any spawn runs: admission needs the inventory.
  const gpus = await startGpuTasks({ ...opts, spawns, stops }, opts.gpus);

  const common = { connection: opts.workerRedis, prefix: opts.prefix, lockDuration: opts.lockMs ?? 30_000, stalledInterval: Math.min(15_000, opts.lockMs ?? 30_000), maxStalledCount: 1 };
  const spawnWorker = new Worker<SpawnPayload>(queueNames.spawns, createSpawnProcessor({ ...opts, kickAdmission: () => void gpus.kick() }), { ...common, concurrency: opts.spawnConcurrency });
  const stopWorker = new Worker<StopPayload>(queueNames.stops, createStopProcessor(opts), { ...common, concurrency: 8 });
  for (const [name, w] of [["spawn", spawnWorker], ["stop", stopWorker]] as const) {
    w.on("error", (err) => log.error(`${name} worker error`, { err }));
    w.on("failed", (job, err) => log.warn(`${name} job failed`, { jobId: job?.id, err }));
  }
  // A finished stop has released its GPU: the next in line starts now.
  stopWorker.on("completed", () => void gpus.kick());
  await Promise.all([spawnWorker.waitUntilReady(), stopWorker.waitUntilReady()]);

  const deps = { ...opts, spawns, stops };
  const reconcile = async () => {
    try {
      const r = await reconcileServers(deps);
      if (r.orphans || r.vanished) log.info("reconciled servers", r);
      if (r.vanished) void gpus.kick();
    } catch (err) {
      log.warn("reconcile failed; will retry", { err });
    }
  };
  const cull = async () => {
    try {
      const r = await cullIdleServers(deps);
      if (r.warned || r.stopped) log.info("idle culler", r);
    } catch (err) {
      log.warn("idle culler failed; will retry", { err });
    }
  };
  // One reconcile at a time; a request during one runs once more after it (events come in bursts).
  let running: Promise<void> | null = null;
  let again = false;
  const reconcileSoon = () => {
    if (running) {
      again = true;
      return;
    }
    running = reconcile().finally(() => {
      running = null;
      if (again) {
        again = false;
        reconcileSoon();
      }
    });
  };
  await reconcile();
  const timers = [setInterval(reconcileSoon, opts.reconcileEveryMs), setInterval(() => void cull(), opts.cullEveryMs)];
  const dockerWatch = watchDocker({ docker: opts.docker, prefix: opts.prefix, log, onChange: reconcileSoon });

  return {
    spawns,
    stops,
    gpus,
    reconcile,
    cull,
    async close(force = false) {
      for (const t of timers) clearInterval(t);
      dockerWatch.close();
      await gpus.close();
      await Promise.allSettled([spawnWorker.close(force), stopWorker.close(force)]);
      await Promise.allSettled([spawns.close(), stops.close()]);
    },
  };
}
