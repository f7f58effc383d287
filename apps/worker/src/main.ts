import { createDb } from "@aula/db";
import { findEnvironmentsDir } from "@aula/docker";
import { loadEnv } from "./env";
import { createLogger } from "./log";
import { startWorker } from "./worker";

// The only file that reads the environment, starts the processors and handles signals.
const env = loadEnv();
const log = createLogger(env.LOG_LEVEL);
const environmentsDir = env.AULA_ENVIRONMENTS_DIR ?? findEnvironmentsDir();
if (!environmentsDir) {
  log.fatal("docker/environments not found; set AULA_ENVIRONMENTS_DIR");
  process.exit(1);
}
const db = createDb({ url: env.DATABASE_URL, max: 5 });

let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
let closing: Promise<void> | undefined;

/** Idempotent: a second signal waits for the first close. */
function shutdown(signal: string): Promise<void> {
  closing ??= (async () => {
    log.info("shutting down", { signal });
    try {
      await worker?.close(env.AULA_WORKER_GRACE_S * 1000);
      await db.$disconnect();
      process.exitCode = 0;
    } catch (err) {
      log.error("error during shutdown", { err });
      process.exitCode = 1;
    }
  })();
  return closing;
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

try {
  worker = await startWorker({
    roles: env.AULA_WORKER_ROLES,
    db,
    redisUrl: env.REDIS_URL,
    prefix: env.AULA_REDIS_PREFIX,
    environmentsDir,
    dockerSocket: env.AULA_DOCKER_SOCKET,
    recipePreference: env.AULA_IMAGE_RECIPE,
    buildConcurrency: env.AULA_BUILD_CONCURRENCY,
    lockDurationMs: env.AULA_BUILD_LOCK_S * 1000,
    spawnLockMs: env.AULA_SPAWN_LOCK_S * 1000,
    stalledIntervalMs: Math.min(30_000, env.AULA_BUILD_LOCK_S * 1000),
    dataDir: env.AULA_DATA_DIR,
    spawnConcurrency: env.AULA_SPAWN_CONCURRENCY,
    spawnTimeoutMs: env.AULA_SPAWN_TIMEOUT_S * 1000,
    reconcileEveryMs: env.AULA_RECONCILE_EVERY_S * 1000,
    cullEveryMs: env.AULA_CULL_EVERY_S * 1000,
    ...(env.AULA_VOLUME_MODE === "disk" ? { studentDiskMb: env.AULA_STUDENT_DISK_MB } : {}),
    gpus: { spec: env.AULA_GPUS, meterEveryMs: env.AULA_GPU_METER_EVERY_S * 1000, admissionEveryMs: env.AULA_ADMISSION_EVERY_S * 1000 },
    log,
  });
} catch (err) {
  log.fatal("could not start the worker", { err });
  await db.$disconnect().catch(() => {});
  process.exit(1);
}
