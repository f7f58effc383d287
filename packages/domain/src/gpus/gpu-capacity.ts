import type { DbClient } from "../audit/record-audit";

/** One allocatable device (a whole GPU or a MIG slice) and who holds its slots now. */
export interface GpuSlots {
  gpuId: string;
  uuid: string;
  index: number;
  name: string;
  simulated: boolean;
  /** The gpuShare of the holders' environment (1 = exclusive); null while nobody holds it. */
  share: number | null;
  heldSlots: number[];
}

export interface SlotPick {
  gpuId: string;
  slot: number;
}

/**
 * Present devices that can be handed out, with their open allocations. A GPU split into MIG
 * slices is not itself allocatable (CUDA cannot use the parent while MIG mode is on); its
 * slices are.
 */
export async function loadGpuSlots(db: DbClient): Promise<GpuSlots[]> {
  const rows = await db.gpu.findMany({
    where: { present: true },
    orderBy: [{ index: "asc" }, { uuid: "asc" }],
    select: {
      id: true,
      uuid: true,
      index: true,
      name: true,
      simulated: true,
      parentUuid: true,
      allocations: { where: { releasedAt: null }, select: { slot: true, server: { select: { environment: { select: { gpuShare: true } } } } } },
    },
  });
  const parents = new Set(rows.flatMap((r) => (r.parentUuid ? [r.parentUuid] : [])));
  return rows
    .filter((r) => !parents.has(r.uuid))
    .map((r) => {
      const shares = new Set(r.allocations.map((a) => a.server.environment.gpuShare));
      // Mixed shares never happen through allocateGpu; if an admin changed an environment's
      // share under running servers, the GPU is treated as full until they leave.
      const share = shares.size === 0 ? null : shares.size === 1 ? [...shares][0]! : 0;
      return { gpuId: r.id, uuid: r.uuid, index: r.index, name: r.name, simulated: r.simulated, share, heldSlots: r.allocations.map((a) => a.slot).sort((a, b) => a - b) };
    });
}

/**
 * The slot a request with `share` (1 = exclusive, N = shared:N) should take, or null. Shared
 * requests fill GPUs already shared in the same mode first, keeping whole GPUs free for
 * exclusive requests; a GPU never mixes exclusive and shared holders. `skip` holds "gpuId:slot"
 * keys lost to another worker in this round.
 */
export function pickGpuSlot(gpus: readonly GpuSlots[], share: number, skip: ReadonlySet<string> = new Set()): SlotPick | null {
  let best: { pick: SlotPick; free: number; busy: boolean; order: number } | null = null;
  for (const [order, g] of gpus.entries()) {
    if (g.share !== null && g.share !== share) continue;
    const held = new Set(g.heldSlots);
    let slot = -1;
    let free = 0;
    for (let s = 0; s < share; s++) {
      if (held.has(s)) continue;
      free++;
      if (slot < 0 && !skip.has(`${g.gpuId}:${s}`)) slot = s;
    }
    if (slot < 0) continue;
    const busy = g.heldSlots.length > 0;
    const better = !best || (busy && !best.busy) || (busy === best.busy && free < best.free) || (busy === best.busy && free === best.free && order < best.order);
    if (better) best = { pick: { gpuId: g.gpuId, slot }, free, busy, order };
  }
  return best?.pick ?? null;
}

/** Marks a pick as held in a copy-on-write way, for planning without touching the database. */
export function withSlotHeld(gpus: readonly GpuSlots[], pick: SlotPick, share: number): GpuSlots[] {
  return gpus.map((g) => (g.gpuId === pick.gpuId ? { ...g, share, heldSlots: [...g.heldSlots, pick.slot].sort((a, b) => a - b) } : g));
}
