import type { Redis } from "ioredis";
import type { Db } from "@aula/db";
import type { RunCommand } from "@aula/docker";
import type { SpawnQueue, StopQueue } from "@aula/queue";
import type { Logger } from "../log";
import { createAdmission } from "../servers/admission";
import { sampleGpuUsage, syncGpuInventory } from "./inventory-sync";
import { meterGpuUsage } from "./usage-meter";

export interface GpuTaskOptions {
  /** AULA_GPUS. */
  spec?: string;
  syncEveryMs?: number;
  sampleEveryMs?: number;
  meterEveryMs?: number;
  admissionEveryMs?: number;
  /** nvidia-smi runner; tests pass recorded output. */
  run?: RunCommand;
}

export interface GpuTaskDeps {
  db: Db;
  publisher: Redis;
  prefix: string;
  log: Logger;
  spawns: SpawnQueue;
  stops: StopQueue;
}

/**
 * The worker's periodic GPU work: inventory sync (now and every minute), the nvidia-smi sampler
 * for the admins' board (real GPUs only), the GPU-hour meter, and the admission tick that starts
 * the next in line. Every step is idempotent, so several workers may run them side by side.
 */
export async function startGpuTasks(deps: GpuTaskDeps, opts: GpuTaskOptions = {}) {
  const { log } = deps;
  const inventory = { ...deps, spec: opts.spec ?? "", ...(opts.run ? { run: opts.run } : {}) };
  const sync = async () => {
    try {
      const r = await syncGpuInventory(inventory);
      return r;
    } catch (err) {
      log.warn("GPU inventory sync failed; will retry", { err });
      return null;
    }
  };
  const first = await sync();
  if (first) log.info("GPU inventory", { mode: first.mode, present: first.present });

  const admission = createAdmission(deps, opts.admissionEveryMs ?? 5_000);
  const meter = async () => {
    try {
      const r = await meterGpuUsage(deps);
      if (r.warned || r.stopped) log.info("GPU-hour meter", { ...r });
      if (r.stopped) void admission.kick();
    } catch (err) {
      log.warn("GPU-hour meter failed; will retry", { err });
    }
  };
  const sample = async () => {
    try {
      await sampleGpuUsage(inventory);
    } catch (err) {
      log.debug("GPU sample failed", { err });
    }
  };
  const timers = [
    setInterval(() => {
      void sync().then((r) => {
        if (r && (r.vanished || r.stopped)) void admission.kick();
      });
    }, opts.syncEveryMs ?? 60_000),
    setInterval(() => void meter(), opts.meterEveryMs ?? 30_000),
  ];
  if (first?.mode === "nvidia-smi") {
    await sample();
    timers.push(setInterval(() => void sample(), opts.sampleEveryMs ?? 5_000));
  }
  void admission.kick();

  return {
    mode: first?.mode ?? null,
    /** A GPU was released somewhere: start the next in line now rather than at the next tick. */
    kick: admission.kick,
    meter,
    sync,
    async close() {
      for (const t of timers) clearInterval(t);
      await admission.close();
    },
  };
}

export type GpuTasks = Awaited<ReturnType<typeof startGpuTasks>>;
