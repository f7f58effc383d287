import type { Db } from "@aula/db";
import { loadGpuQueue } from "./gpu-queue";

/** The latest nvidia-smi reading of one device, kept in Redis by the worker's sampler. */
export interface GpuSample {
  utilizationPct: number | null;
  memoryUsedMb: number | null;
  at: string;
}

/** Redis hash (uuid → JSON GpuSample) the worker's sampler writes and the api reads. */
export const gpuSamplesKey = (prefix: string) => `${prefix}:gpu-samples`;

/** The sampler's hash as a map, skipping unreadable or stale entries. */
export function decodeGpuSamples(hash: Record<string, string>, opts: { now?: Date; maxAgeMs?: number } = {}): Map<string, GpuSample> {
  const now = (opts.now ?? new Date()).getTime();
  const out = new Map<string, GpuSample>();
  for (const [uuid, json] of Object.entries(hash)) {
    try {
      const s = JSON.parse(json) as GpuSample;
      if (now - Date.parse(s.at) <= (opts.maxAgeMs ?? 60_000)) out.set(uuid, s);
    } catch {
      // A half-written entry is simply not shown.
    }
  }
  return out;
}

const iso = (d: Date) => d.toISOString();

/**
 * The admins' GPU board: every device with its holders, the admission queue, and totals.
 * Samples (utilisation, memory used) exist only for real GPUs.
 */
export async function loadGpuBoard(db: Db, opts: { now?: Date; samples?: ReadonlyMap<string, GpuSample> } = {}) {
  const now = opts.now ?? new Date();
  const [rows, queue, running] = await Promise.all([
    db.gpu.findMany({
      where: { OR: [{ present: true }, { allocations: { some: { releasedAt: null } } }] },
      orderBy: [{ index: "asc" }, { uuid: "asc" }],
      include: {
        allocations: {
          where: { releasedAt: null },
          orderBy: { slot: "asc" },
          include: {
            user: { select: { username: true, displayName: true } },
            course: { select: { slug: true, title: true } },
            server: { select: { id: true, status: true, week: { select: { number: true } }, environment: { select: { name: true, gpuShare: true } } } },
          },
        },
      },
    }),
    loadGpuQueue(db, { now }),
    db.server.count({ where: { status: "RUNNING" } }),
  ]);
  const allocatable = new Set(queue.gpus.map((g) => g.gpuId));
  const parents = new Set(rows.flatMap((r) => (r.parentUuid ? [r.parentUuid] : [])));
  const gpus = rows.map((g) => {
    const sample = opts.samples?.get(g.uuid) ?? null;
    const share = g.allocations[0]?.server.environment.gpuShare ?? null;
    return {
      id: g.id,
      uuid: g.uuid,
      index: g.index,
      name: g.name,
      memoryMb: g.memoryMb,
      simulated: g.simulated,
      present: g.present,
      parentUuid: g.parentUuid,
      /** A GPU split into MIG slices is shown, but only its slices are handed out. */
      migParent: parents.has(g.uuid),
      allocatable: allocatable.has(g.id),
      lastSeenAt: iso(g.lastSeenAt),
      share,
      holders: g.allocations.map((a) => ({
        slot: a.slot,
        serverId: a.server.id,
        serverStatus: a.server.status.toLowerCase(),
        username: a.user.username,
        displayName: a.user.displayName,
        course: a.course,
        week: a.server.week.number,
        environment: a.server.environment.name,
        since: iso(a.allocatedAt),
        heldSeconds: Math.max(0, Math.round((now.getTime() - a.allocatedAt.getTime()) / 1000)),
      })),
      utilizationPct: g.simulated ? null : (sample?.utilizationPct ?? null),
      memoryUsedMb: g.simulated ? null : (sample?.memoryUsedMb ?? null),
      sampledAt: g.simulated ? null : (sample?.at ?? null),
    };
  });
  const devices = gpus.filter((g) => g.allocatable);
  return {
    generatedAt: iso(now),
    simulated: devices.length > 0 && devices.every((g) => g.simulated),
    gpus,
    queue: queue.entries.map((e) => ({
      position: e.position,
      serverId: e.serverId,
      username: e.username,
      course: { slug: e.courseSlug, title: e.courseTitle },
      week: e.week,
      gpuRequest: e.gpuRequest === "REQUIRED" ? ("required" as const) : ("preferred" as const),
      cpuFallback: e.cpuFallback,
      share: e.share,
      queuedAt: iso(e.queuedAt),
      waitingSeconds: Math.max(0, Math.round((now.getTime() - e.queuedAt.getTime()) / 1000)),
      admissible: e.admissible,
      etaSeconds: e.etaSeconds,
      etaBasis: e.etaBasis,
    })),
    totals: {
      devices: devices.length,
      allocated: devices.reduce((n, g) => n + g.holders.length, 0),
      freeDevices: queue.freeDevices,
      queued: queue.entries.length,
      runningServers: running,
    },
  };
}

export type GpuBoardData = Awaited<ReturnType<typeof loadGpuBoard>>;
