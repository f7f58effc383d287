import type { Db } from "@aula/db";
import type { DetectedGpu } from "./detected-gpu";

export interface GpuHolderToStop {
  serverId: string;
  username: string;
  gpuName: string;
  gpuUuid: string;
}

export interface SyncGpusResult {
  present: number;
  added: number;
  /** GPUs that were present and are gone now: never allocated again until they come back. */
  vanished: string[];
  /** Servers still holding a vanished GPU; the worker stops them with a reason. */
  holdersToStop: GpuHolderToStop[];
}

/**
 * Brings the Gpu table in line with what the node reports. Rows are never deleted: the ledger
 * keeps pointing at them, and a GPU that comes back (driver reload, MIG re-partition with the
 * same uuids) is simply present again. Idempotent, so every worker may run it.
 */
export async function syncGpus(db: Db, opts: { detected: readonly DetectedGpu[]; now?: Date }): Promise<SyncGpusResult> {
  const now = opts.now ?? new Date();
  const uuids = opts.detected.map((g) => g.uuid);
  if (new Set(uuids).size !== uuids.length) throw new Error("the GPU inventory lists a uuid twice");
  const existing = new Set((await db.gpu.findMany({ where: { uuid: { in: uuids } }, select: { uuid: true } })).map((g) => g.uuid));
  for (const g of opts.detected) {
    const data = { index: g.index, name: g.name, memoryMb: g.memoryMb, simulated: g.simulated, parentUuid: g.parentUuid, present: true, lastSeenAt: now };
    await db.gpu.upsert({ where: { uuid: g.uuid }, create: { uuid: g.uuid, ...data }, update: data });
  }
  const gone = await db.gpu.findMany({ where: { present: true, uuid: { notIn: uuids } }, select: { id: true, uuid: true } });
  if (gone.length > 0) await db.gpu.updateMany({ where: { id: { in: gone.map((g) => g.id) } }, data: { present: false } });

  const held = await db.gpuAllocation.findMany({
    where: { releasedAt: null, gpu: { present: false } },
    select: { serverId: true, gpu: { select: { name: true, uuid: true } }, server: { select: { status: true, user: { select: { username: true } } } } },
  });
  return {
    present: uuids.length,
    added: uuids.filter((u) => !existing.has(u)).length,
    vanished: gone.map((g) => g.uuid),
    holdersToStop: held
      .filter((a) => a.server.status !== "STOPPED" && a.server.status !== "FAILED")
      .map((a) => ({ serverId: a.serverId, username: a.server.user.username, gpuName: a.gpu.name, gpuUuid: a.gpu.uuid })),
  };
}
