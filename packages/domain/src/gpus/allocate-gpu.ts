import { isUniqueViolation, type Db } from "@aula/db";
import { loadGpuSlots, pickGpuSlot } from "./gpu-capacity";

export type AllocateGpuResult =
  | { kind: "allocated"; allocationId: string; slot: number; gpu: { id: string; uuid: string; name: string; simulated: boolean } }
  /** Every compatible slot is held: the server stays QUEUED. */
  | { kind: "no-capacity" }
  /** The server is no longer QUEUED (cancelled, or another worker admitted it). */
  | { kind: "not-queued" };

// Thrown inside the transaction to roll it back with an answer (Prisma rolls back on throw).
class Outcome extends Error {
  constructor(readonly result: AllocateGpuResult) {
    super(result.kind);
  }
}
class SlotTaken extends Error {
  constructor(readonly key: string) {
    super(`slot ${key} taken`);
  }
}

/**
 * Admits a QUEUED server onto a GPU in one transaction: the server becomes STARTING with
 * usesGpu, and a ledger interval opens on a free (gpu, slot). Nothing is held in memory: the
 * partial unique index "GpuAllocation_one_holder_per_slot" refuses a second holder of a slot, so
 * two workers racing for the same slot end with one winner and one retry on another slot. The
 * GPU row is also locked (FOR UPDATE) for the few milliseconds of the insert, because one rule
 * no index can express — a GPU is never shared by exclusive and shared:N holders at once —
 * needs its holders read after every other insert on that GPU has committed.
 * With no slot free, the transaction rolls back and the server stays QUEUED, untouched.
 */
export async function allocateGpu(db: Db, opts: { serverId: string; now?: Date; maxAttempts?: number }): Promise<AllocateGpuResult> {
  const skip = new Set<string>();
  const maxAttempts = opts.maxAttempts ?? 16;
  for (let attempt = 1; ; attempt++) {
    let tried: string | null = null;
    try {
      return await db.$transaction(async (tx) => {
        const server = await tx.server.findUnique({
          where: { id: opts.serverId },
          select: { status: true, userId: true, courseId: true, environment: { select: { gpuShare: true } } },
        });
        if (!server || server.status !== "QUEUED") throw new Outcome({ kind: "not-queued" });
        const share = server.environment.gpuShare;
        const pick = pickGpuSlot(await loadGpuSlots(tx), share, skip);
        if (!pick) throw new Outcome({ kind: "no-capacity" });
        const key = `${pick.gpuId}:${pick.slot}`;
        tried = key;

        await tx.$queryRaw`SELECT "id" FROM "Gpu" WHERE "id" = ${pick.gpuId}::uuid FOR UPDATE`;
        const holders = await tx.gpuAllocation.findMany({
          where: { gpuId: pick.gpuId, releasedAt: null },
          select: { slot: true, server: { select: { environment: { select: { gpuShare: true } } } } },
        });
        if (holders.some((h) => h.slot === pick.slot || h.server.environment.gpuShare !== share)) throw new SlotTaken(key);
        // Stamped only now, after the previous holder's release is visible: a time taken before
        // waiting for the lock could precede that release and make ledger intervals overlap.
        const now = opts.now ?? new Date();

        const claimed = await tx.server.updateMany({ where: { id: opts.serverId, status: "QUEUED" }, data: { status: "STARTING", startedAt: now, usesGpu: true } });
        if (claimed.count === 0) throw new Outcome({ kind: "not-queued" });
        const allocation = await tx.gpuAllocation.create({
          data: { gpuId: pick.gpuId, slot: pick.slot, serverId: opts.serverId, userId: server.userId, courseId: server.courseId, allocatedAt: now },
          select: { id: true, slot: true, gpu: { select: { id: true, uuid: true, name: true, simulated: true } } },
        });
        return { kind: "allocated" as const, allocationId: allocation.id, slot: allocation.slot, gpu: allocation.gpu };
      });
    } catch (error) {
      if (error instanceof Outcome) return error.result;
      if (error instanceof SlotTaken) skip.add(error.key);
      // A unique violation: another worker committed that slot between our read and our insert.
      else if (isUniqueViolation(error) && tried) skip.add(tried);
      else throw error;
      if (attempt >= maxAttempts) throw new Error(`could not allocate a GPU slot after ${attempt} attempts`, { cause: error });
    }
  }
}

/** The devices a STARTING/RUNNING server holds (its open ledger intervals). */
export async function heldGpus(db: Db, serverId: string): Promise<{ uuid: string; name: string; simulated: boolean; present: boolean }[]> {
  const rows = await db.gpuAllocation.findMany({
    where: { serverId, releasedAt: null },
    select: { gpu: { select: { uuid: true, name: true, simulated: true, present: true } } },
  });
  return rows.map((r) => r.gpu);
}
