import type { Db } from "@aula/db";

/** Monday 00:00 UTC of the week containing `now`: GPU-hour budgets reset then. */
export function weekStartUtc(now: Date): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - sinceMonday);
  return d;
}

/**
 * GPU-hours used this week, from the allocation ledger: the part of every interval that falls
 * inside the week, open intervals counted up to `now`.
 */
export async function gpuHoursUsedThisWeek(db: Db, opts: { userId: string; courseId: string; now: Date }): Promise<{ used: number; granted: number; weekStart: Date }> {
  const weekStart = weekStartUtc(opts.now);
  const [intervals, grants] = await Promise.all([
    db.gpuAllocation.findMany({
      where: { userId: opts.userId, courseId: opts.courseId, OR: [{ releasedAt: null }, { releasedAt: { gt: weekStart } }] },
      select: { allocatedAt: true, releasedAt: true },
    }),
    db.gpuHourGrant.aggregate({ where: { userId: opts.userId, courseId: opts.courseId, weekStart }, _sum: { hours: true } }),
  ]);
  let ms = 0;
  for (const i of intervals) {
    const from = Math.max(i.allocatedAt.getTime(), weekStart.getTime());
    const to = (i.releasedAt ?? opts.now).getTime();
    if (to > from) ms += to - from;
  }
  return { used: ms / 3_600_000, granted: grants._sum.hours ?? 0, weekStart };
}
