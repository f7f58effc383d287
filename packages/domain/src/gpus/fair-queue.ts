import { pickGpuSlot, withSlotHeld, type GpuSlots } from "./gpu-capacity";

export interface QueuedGpuRequest {
  serverId: string;
  courseId: string;
  queuedAt: Date;
  /** The environment's gpuShare: 1 = exclusive. */
  share: number;
}

/**
 * The admission order: first come, first served within a course, and courses take turns. Each
 * request's key is (GPUs its course was given since the oldest waiting request arrived) + (its
 * place in its course's line); ties go to whoever asked first. Serving a course's head raises
 * its count by one and moves each of its requests up by one, so every key stays put: a request
 * never loses its place to a later one, and a class of 40 starting at once cannot push a class
 * of 5 to the back.
 */
export function fairOrder<T extends QueuedGpuRequest>(requests: readonly T[], servedByCourse: ReadonlyMap<string, number>): T[] {
  const byCourse = new Map<string, T[]>();
  for (const r of [...requests].sort(byArrival)) {
    const line = byCourse.get(r.courseId) ?? [];
    line.push(r);
    byCourse.set(r.courseId, line);
  }
  const keyed: { r: T; key: number }[] = [];
  for (const [courseId, line] of byCourse) {
    const served = servedByCourse.get(courseId) ?? 0;
    line.forEach((r, i) => keyed.push({ r, key: served + i }));
  }
  keyed.sort((a, b) => a.key - b.key || byArrival(a.r, b.r));
  return keyed.map((k) => k.r);
}

function byArrival(a: QueuedGpuRequest, b: QueuedGpuRequest): number {
  return a.queuedAt.getTime() - b.queuedAt.getTime() || (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0);
}

export interface AdmissionPlanEntry {
  /** 1 = next in line. */
  position: number;
  /** A slot is free for this request once everyone before it who fits has taken theirs. */
  admissible: boolean;
}

/**
 * Walks the line in order over the free slots. A request that cannot fit anywhere (say, an
 * exclusive one while every GPU is shared) does not block the ones behind it that can.
 */
export function planAdmission(order: readonly QueuedGpuRequest[], gpus: readonly GpuSlots[]): Map<string, AdmissionPlanEntry> {
  const plan = new Map<string, AdmissionPlanEntry>();
  let free = gpus;
  for (const [i, r] of order.entries()) {
    const pick = pickGpuSlot(free, r.share);
    if (pick) free = withSlotHeld(free, pick, r.share);
    plan.set(r.serverId, { position: i + 1, admissible: pick !== null });
  }
  return plan;
}
