import type { Db } from "@aula/db";

const DAY_MS = 24 * 3600 * 1000;

/** Splits [from, to) at UTC midnights: hours per "YYYY-MM-DD". */
export function hoursByUtcDay(from: Date, to: Date): Map<string, number> {
  const out = new Map<string, number>();
  let t = from.getTime();
  const end = to.getTime();
  while (t < end) {
    const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    const next = Math.min(end, dayStart + DAY_MS);
    const day = new Date(dayStart).toISOString().slice(0, 10);
    out.set(day, (out.get(day) ?? 0) + (next - t) / 3_600_000);
    t = next;
  }
  return out;
}

/**
 * GPU-hours per course per UTC day over the last `days` days, from the ledger (open intervals
 * counted up to `now`).
 */
export async function gpuHoursByCourseDay(db: Db, opts: { days?: number; now?: Date } = {}) {
  const now = opts.now ?? new Date();
  const days = opts.days ?? 14;
  const from = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS);
  const rows = await db.gpuAllocation.findMany({
    where: { OR: [{ releasedAt: null }, { releasedAt: { gt: from } }], allocatedAt: { lt: now } },
    select: { allocatedAt: true, releasedAt: true, course: { select: { slug: true, title: true } } },
  });
  const totals = new Map<string, Map<string, number>>();
  const courses = new Map<string, string>();
  for (const r of rows) {
    const start = r.allocatedAt < from ? from : r.allocatedAt;
    const end = r.releasedAt ?? now;
    if (end <= start) continue;
    courses.set(r.course.slug, r.course.title);
    const perDay = totals.get(r.course.slug) ?? new Map<string, number>();
    for (const [day, h] of hoursByUtcDay(start, end)) perDay.set(day, (perDay.get(day) ?? 0) + h);
    totals.set(r.course.slug, perDay);
  }
  const dayList = Array.from({ length: days }, (_, i) => new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10));
  return {
    days: dayList,
    courses: [...courses].sort(([a], [b]) => a.localeCompare(b)).map(([slug, title]) => ({
      slug,
      title,
      hours: dayList.map((d) => Math.round((totals.get(slug)?.get(d) ?? 0) * 1000) / 1000),
    })),
  };
}
