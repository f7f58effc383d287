import { Prisma, type Db } from "@aula/db";
import { fairOrder, planAdmission, type QueuedGpuRequest } from "./fair-queue";
import { loadGpuSlots, type GpuSlots } from "./gpu-capacity";
import { estimateWaits, typicalHoldSeconds, type EtaBasis, type HolderEstimate } from "./estimate-wait";
import { gpuQuotaStatus } from "./gpu-quota";

// The course policy's default maximum session when none is set (server-limits.ts agrees).
const DEFAULT_MAX_AGE_S = 8 * 3600;
const TYPICAL_WINDOW_MS = 7 * 24 * 3600 * 1000;

export interface GpuQueueEntry extends QueuedGpuRequest {
  userId: string;
  username: string;
  courseSlug: string;
  courseTitle: string;
  week: number;
  gpuRequest: "REQUIRED" | "PREFERRED";
  cpuFallback: boolean;
  position: number;
  admissible: boolean;
  etaSeconds: number | null;
  etaBasis: EtaBasis | null;
}

export interface GpuQueue {
  entries: GpuQueueEntry[];
  gpus: GpuSlots[];
  /** Free slots right now, counted per device in its current mode (idle devices count one). */
  freeDevices: number;
}

/**
 * Everyone waiting for a GPU, in admission order, with who may take a slot now and an honest
 * wait estimate. Read-only: the worker's admission tick and spawn processor act on it, the api
 * shows it.
 */
export async function loadGpuQueue(db: Db, opts: { now?: Date } = {}): Promise<GpuQueue> {
  const now = opts.now ?? new Date();
  // One snapshot for the line, the devices and the per-course counts: read apart, a spawn
  // committing in between shows up as "served" while still in the line, which pushes every other
  // course's students back one place for one announcement.
  const { rows, gpus, served } = await db.$transaction(
    async (tx) => {
      const rows = await tx.server.findMany({
        where: { status: "QUEUED", gpuRequest: { in: ["REQUIRED", "PREFERRED"] } },
        orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
        select: {
          id: true,
          userId: true,
          courseId: true,
          queuedAt: true,
          gpuRequest: true,
          cpuFallback: true,
          user: { select: { username: true } },
          course: { select: { slug: true, title: true } },
          week: { select: { number: true } },
          environment: { select: { gpuShare: true } },
        },
      });
      const gpus = await loadGpuSlots(tx);
      const windowStart = rows[0]?.queuedAt;
      const served = windowStart
        ? await tx.gpuAllocation.groupBy({ by: ["courseId"], where: { allocatedAt: { gte: windowStart } }, _count: { _all: true } })
        : [];
      return { rows, gpus, served };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
  );
  const freeDevices = gpus.filter((g) => g.heldSlots.length === 0 || (g.share !== null && g.share > g.heldSlots.length)).length;
  if (rows.length === 0) return { entries: [], gpus, freeDevices };

  const requests = rows.map((r) => ({ serverId: r.id, courseId: r.courseId, userId: r.userId, queuedAt: r.queuedAt, share: r.environment.gpuShare }));
  const order = fairOrder(requests, new Map(served.map((s) => [s.courseId, s._count._all])));
  const plan = planAdmission(order, gpus);

  const { holders, holdS, basis } = await holdEstimates(db, rows, now);
  const waits = estimateWaits({ order, gpus, holders, holdS, basis });

  const byId = new Map(rows.map((r) => [r.id, r]));
  const entries = order.map((q): GpuQueueEntry => {
    const r = byId.get(q.serverId)!;
    const p = plan.get(q.serverId)!;
    const w = waits.get(q.serverId) ?? { etaSeconds: null, basis: null };
    return {
      ...q,
      userId: r.userId,
      username: r.user.username,
      courseSlug: r.course.slug,
      courseTitle: r.course.title,
      week: r.week.number,
      gpuRequest: r.gpuRequest as "REQUIRED" | "PREFERRED",
      cpuFallback: r.cpuFallback,
      position: p.position,
      admissible: p.admissible,
      etaSeconds: p.admissible ? 0 : w.etaSeconds,
      etaBasis: w.basis,
    };
  });
  return { entries, gpus, freeDevices };
}

/**
 * How long current holders keep their slots, and how long a newcomer will. With enough recent
 * history, the median hold (capped by each holder's limits); otherwise only the limits: maximum
 * session age and GPU-hours left, which are upper bounds the culler and the meter enforce.
 */
async function holdEstimates(db: Db, queued: { userId: string; courseId: string }[], now: Date) {
  const open = await db.gpuAllocation.findMany({
    where: { releasedAt: null, gpu: { present: true } },
    select: { gpuId: true, userId: true, courseId: true, allocatedAt: true, server: { select: { readyAt: true } } },
  });
  const recent = await db.gpuAllocation.findMany({
    where: { releasedAt: { not: null, gte: new Date(now.getTime() - TYPICAL_WINDOW_MS) } },
    orderBy: { releasedAt: "desc" },
    take: 500,
    select: { allocatedAt: true, releasedAt: true },
  });
  const typical = typicalHoldSeconds(recent.map((r) => ({ allocatedAt: r.allocatedAt, releasedAt: r.releasedAt! })));
  const maxAge = await maxAgesFor(db, [...open, ...queued]);

  const holders: HolderEstimate[] = [];
  for (const a of open) {
    const heldS = (now.getTime() - a.allocatedAt.getTime()) / 1000;
    const ageS = (now.getTime() - (a.server.readyAt ?? a.allocatedAt).getTime()) / 1000;
    let bound = (maxAge.get(`${a.courseId}:${a.userId}`) ?? DEFAULT_MAX_AGE_S) - ageS;
    const quota = await gpuQuotaStatus(db, { userId: a.userId, courseId: a.courseId, now });
    if (quota.remainingHours !== null) bound = Math.min(bound, quota.remainingHours * 3600);
    bound = Math.max(0, bound);
    // Someone already past the typical hold is expected to leave soon, not at once.
    holders.push({ gpuId: a.gpuId, remainingS: typical === null ? bound : Math.min(bound, Math.max(typical - heldS, 60)) });
  }
  const holdS = (r: QueuedGpuRequest & { userId: string }) => {
    const limit = maxAge.get(`${r.courseId}:${r.userId}`) ?? DEFAULT_MAX_AGE_S;
    return typical === null ? limit : Math.min(typical, limit);
  };
  const basis: EtaBasis = typical === null ? "at-most" : "typical";
  return { holders, holdS, basis };
}

/** Max session age per course and user in two queries (override, else policy, else default). */
async function maxAgesFor(db: Db, who: { userId: string; courseId: string }[]): Promise<Map<string, number>> {
  const courseIds = [...new Set(who.map((w) => w.courseId))];
  const userIds = [...new Set(who.map((w) => w.userId))];
  const [policies, overrides] = await Promise.all([
    db.quotaPolicy.findMany({ where: { courseId: { in: courseIds } }, select: { courseId: true, maxAgeS: true } }),
    db.quotaOverride.findMany({ where: { courseId: { in: courseIds }, userId: { in: userIds } }, select: { courseId: true, userId: true, maxAgeS: true } }),
  ]);
  const policy = new Map(policies.map((p) => [p.courseId, p.maxAgeS]));
  const override = new Map(overrides.map((o) => [`${o.courseId}:${o.userId}`, o.maxAgeS]));
  const result = new Map<string, number>();
  for (const w of who) result.set(`${w.courseId}:${w.userId}`, override.get(`${w.courseId}:${w.userId}`) ?? policy.get(w.courseId) ?? DEFAULT_MAX_AGE_S);
  return result;
}
