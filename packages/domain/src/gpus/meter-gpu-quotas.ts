import type { Db } from "@aula/db";
import { gpuQuotaStatus, type GpuQuotaStatus } from "./gpu-quota";

export interface MeteredServer {
  serverId: string;
  userId: string;
  username: string;
  courseId: string;
  quota: GpuQuotaStatus;
}

/** The quota standing of every server holding a GPU now, for the worker's usage meter. */
export async function meterGpuQuotas(db: Db, opts: { now?: Date } = {}): Promise<MeteredServer[]> {
  const now = opts.now ?? new Date();
  const holders = await db.gpuAllocation.findMany({
    where: { releasedAt: null, server: { status: { in: ["STARTING", "RUNNING"] } } },
    select: { serverId: true, userId: true, courseId: true, user: { select: { username: true } } },
  });
  const result: MeteredServer[] = [];
  for (const h of holders) {
    result.push({ serverId: h.serverId, userId: h.userId, username: h.user.username, courseId: h.courseId, quota: await gpuQuotaStatus(db, { userId: h.userId, courseId: h.courseId, now }) });
  }
  return result;
}

export function formatHours(hours: number): string {
  if (hours >= 10) return `${Math.round(hours)} h`;
  if (hours >= 1) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.max(1, Math.round(hours * 60))} min`;
}

/** What the student reads when the meter stops the server at 100%. */
export function quotaStopReason(quota: GpuQuotaStatus): string {
  const allowed = quota.allowedHours ?? 0;
  return `Stopped: you have used your ${formatHours(allowed)} of GPU time for this week. Your files are kept. Start again on CPU, or ask an administrator for more GPU-hours.`;
}

/** The 80% / 95% warnings. */
export function quotaWarning(quota: GpuQuotaStatus): string {
  const left = formatHours(quota.remainingHours ?? 0);
  return quota.level === "critical"
    ? `Only ${left} of GPU time left this week: your server stops when it runs out. Save your work now.`
    : `You have used 80% of this week's GPU time (${left} left). Your server stops when it runs out; save your work regularly.`;
}
