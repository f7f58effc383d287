import { dataEnv, databaseEnv, gpuEnv, logEnv, parseEnv, redisEnv } from "@aula/config";
import { gpuInventoryMode, parseSimulatedGpus } from "@aula/docker";
import { availableParallelism } from "node:os";
import { z } from "zod";

const workerEnv = databaseEnv
  .extend(redisEnv.shape)
  .extend(logEnv.shape)
  .extend(dataEnv.shape)
  .extend({
    /** Comma-separated: image-builds, servers. A machine can run a worker dedicated to builds. */
    AULA_WORKER_ROLES: z
      .string()
      .default("image-builds,servers")
      .transform((v) => v.split(",").map((r) => r.trim()).filter(Boolean))
      .pipe(z.array(z.enum(["image-builds", "servers"])).min(1)),
    /** docker/environments; found by walking up from the working directory when unset. */
    AULA_ENVIRONMENTS_DIR: z.string().optional(),
    /** auto: online when the seed's base image is present locally; online/offline is an operator's decision. */
    AULA_IMAGE_RECIPE: z.enum(["auto", "online", "offline"]).default("auto"),
    AULA_DOCKER_SOCKET: z.string().default("/var/run/docker.sock"),
    /** Builds share one daemon and two cores; more than one at a time only slows each down. */
    AULA_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(4).default(1),
    /**
     * Global concurrent-spawn limit: more starts at once only queue on the CPU and the daemon.
     * Default two per CPU (2..16): booting Jupyter is CPU work, and on this 2-core machine a plain
     * script starting the same containers was fastest at 4 at once, slower at 8 and 30 (bench
     * scenario 2); the old fixed 8 made every start of a class wait on the others.
     */
    AULA_SPAWN_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(Math.min(16, Math.max(2, 2 * availableParallelism()))),
    /** How long a spawn waits for Jupyter to answer before it fails with a reason. */
    AULA_SPAWN_TIMEOUT_S: z.coerce.number().int().min(5).max(600).default(90),
    AULA_RECONCILE_EVERY_S: z.coerce.number().int().min(1).max(3600).default(30),
    AULA_CULL_EVERY_S: z.coerce.number().int().min(1).max(3600).default(60),
    /**
     * BullMQ lock of a running build, renewed while the worker lives. A killed worker's build is
     * handed to another worker once it expires; tests shorten it.
     */
    /** A spawn job's lock: after a worker dies, its spawn is taken over within about this long. */
    AULA_SPAWN_LOCK_S: z.coerce.number().int().min(1).max(600).default(30),
    AULA_BUILD_LOCK_S: z.coerce.number().int().min(1).max(600).default(60),
    /** How long SIGTERM waits for a running build before leaving it to the next worker. */
    AULA_WORKER_GRACE_S: z.coerce.number().int().min(0).max(3600).default(20),
    /** "sim:4xH100-80GB" (simulated, no driver), "none", or empty to detect with nvidia-smi. */
    AULA_GPUS: gpuEnv.shape.AULA_GPUS.superRefine((spec, ctx) => {
      try {
        if (gpuInventoryMode(spec) === "simulated") parseSimulatedGpus(spec);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
    /** The GPU-hour meter's period: warnings at 80% and 95%, stop at 100%. */
    AULA_GPU_METER_EVERY_S: z.coerce.number().int().min(1).max(3600).default(30),
    /**
     * Where students' volumes live. "docker": plain local volumes, no size limit. "disk": a
     * loop-mounted ext4 image per student under AULA_DATA_DIR/disks, so filling it fills only
     * that student's volumes (needs root and loop devices; see ARCHITECTURE.md).
     */
    AULA_VOLUME_MODE: z.enum(["docker", "disk"]).default("docker"),
    /** A student's disk when their course and override set none (AULA_VOLUME_MODE=disk). */
    AULA_STUDENT_DISK_MB: z.coerce.number().int().min(32).max(4 * 1024 * 1024).default(10240),
    /** How often waiting GPU requests are told their place and the heads of the line woken. */
    AULA_ADMISSION_EVERY_S: z.coerce.number().int().min(1).max(600).default(5),
  });

export type WorkerEnv = z.infer<typeof workerEnv>;

/** Parsed once, at boot, by main.ts; nothing else in the worker reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(workerEnv, source);
}
