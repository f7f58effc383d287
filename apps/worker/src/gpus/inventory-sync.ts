import { gpuSamplesKey, requestServerStop, syncGpus, type GpuSample } from "@aula/domain";
import { detectGpus, sampleGpus, type GpuInventoryMode, type RunCommand } from "@aula/docker";
import { enqueueStop, type StopQueue } from "@aula/queue";
import type { Redis } from "ioredis";
import type { Db } from "@aula/db";
import type { Logger } from "../log";

export interface GpuInventoryDeps {
  db: Db;
  publisher: Redis;
  prefix: string;
  log: Logger;
  stops: StopQueue;
  /** AULA_GPUS: "sim:4xH100-80GB", "none", or "" to ask nvidia-smi. */
  spec: string;
  run?: RunCommand;
}

/**
 * Detects the node's GPUs and records them. A GPU that disappeared (driver reset, card fallen off
 * the bus, MIG re-partitioned) is marked absent and never allocated again; a server holding one
 * is stopped with a reason, which releases its ledger interval.
 */
export async function syncGpuInventory(deps: GpuInventoryDeps): Promise<{ mode: GpuInventoryMode; present: number; vanished: number; stopped: number }> {
  const { mode, gpus } = await detectGpus({ spec: deps.spec, ...(deps.run ? { run: deps.run } : {}) });
  const result = await syncGpus(deps.db, { detected: gpus });
  if (result.vanished.length > 0) deps.log.warn("GPUs disappeared from the inventory", { uuids: result.vanished });
  let stopped = 0;
  for (const holder of result.holdersToStop) {
    const reason = `Stopped: the GPU your server used (${holder.gpuName}) is no longer available on this machine. Your files are kept; start again to get another GPU.`;
    try {
      const { server, needsJob } = await requestServerStop(deps.db, { username: holder.username, reason });
      if (server.id !== holder.serverId) continue;
      if (needsJob) await enqueueStop(deps.stops, { serverId: holder.serverId });
      stopped++;
    } catch (err) {
      deps.log.warn("could not stop a server on a vanished GPU", { err, serverId: holder.serverId });
    }
  }
  return { mode, present: result.present, vanished: result.vanished.length, stopped };
}

/** Writes each real GPU's utilisation and memory used to Redis for the admins' board. */
export async function sampleGpuUsage(deps: Pick<GpuInventoryDeps, "publisher" | "prefix" | "run">, now: Date = new Date()): Promise<number> {
  const readings = await sampleGpus(deps.run);
  if (readings.length === 0) return 0;
  const key = gpuSamplesKey(deps.prefix);
  const at = now.toISOString();
  const fields = Object.fromEntries(readings.map((r) => [r.uuid, JSON.stringify({ utilizationPct: r.utilizationPct, memoryUsedMb: r.memoryUsedMb, at } satisfies GpuSample)]));
  await deps.publisher.multi().hset(key, fields).expire(key, 120).exec();
  return readings.length;
}
