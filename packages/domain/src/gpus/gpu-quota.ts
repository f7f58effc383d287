import type { Db } from "@aula/db";
import { gpuHoursUsedThisWeek, weekStartUtc } from "../servers/gpu-hours";

/** The meter's thresholds: warn at 80% and 95% of the week's GPU-hours, stop at 100%. */
export const GPU_QUOTA_WARNING = 0.8;
export const GPU_QUOTA_CRITICAL = 0.95;

export type GpuQuotaLevel = "unlimited" | "ok" | "warning" | "critical" | "exhausted";

export function gpuQuotaLevel(usedHours: number, allowedHours: number | null): GpuQuotaLevel {
  if (allowedHours === null) return "unlimited";
  if (allowedHours <= 0 || usedHours >= allowedHours) return "exhausted";
  const fraction = usedHours / allowedHours;
  if (fraction >= GPU_QUOTA_CRITICAL) return "critical";
  if (fraction >= GPU_QUOTA_WARNING) return "warning";
  return "ok";
}

export interface GpuQuotaStatus {
  weekStart: Date;
  /** Next Monday 00:00 UTC. */
  resetsAt: Date;
  usedHours: number;
  /** From the course policy or the user's override; null = no weekly limit. */
  weeklyHours: number | null;
  grantedHours: number;
  /** weeklyHours + grantedHours, or null when unlimited. */
  allowedHours: number | null;
  remainingHours: number | null;
  level: GpuQuotaLevel;
}

/** The weekly GPU-hour allowance of a user in a course: the override wins over the policy. */
export async function weeklyGpuHours(db: Db, opts: { userId: string; courseId: string }): Promise<number | null> {
  const [policy, override] = await Promise.all([
    db.quotaPolicy.findUnique({ where: { courseId: opts.courseId }, select: { gpuHoursPerWeek: true } }),
    db.quotaOverride.findUnique({ where: { courseId_userId: { courseId: opts.courseId, userId: opts.userId } }, select: { gpuHoursPerWeek: true } }),
  ]);
  return override?.gpuHoursPerWeek ?? policy?.gpuHoursPerWeek ?? null;
}

/** Used, granted and left this week, straight from the ledger (open intervals up to `now`). */
export async function gpuQuotaStatus(db: Db, opts: { userId: string; courseId: string; now?: Date }): Promise<GpuQuotaStatus> {
  const now = opts.now ?? new Date();
  const [weekly, balance] = await Promise.all([weeklyGpuHours(db, opts), gpuHoursUsedThisWeek(db, { userId: opts.userId, courseId: opts.courseId, now })]);
  const allowed = weekly === null ? null : weekly + balance.granted;
  const weekStart = weekStartUtc(now);
  return {
    weekStart,
    resetsAt: new Date(weekStart.getTime() + 7 * 24 * 3600 * 1000),
    usedHours: balance.used,
    weeklyHours: weekly,
    grantedHours: balance.granted,
    allowedHours: allowed,
    remainingHours: allowed === null ? null : Math.max(0, allowed - balance.used),
    level: gpuQuotaLevel(balance.used, allowed),
  };
}
