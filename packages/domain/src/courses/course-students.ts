import type { CourseStudents } from "@aula/contracts";
import type { Db } from "@aula/db";
import { ACTIVE_SERVER_STATUSES } from "../servers/active-statuses";
import { weekStartUtc } from "../servers/gpu-hours";
import { isServerOutdated } from "./week-state";

const HOUR_MS = 3_600_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

export interface CourseStudentsOptions {
  courseId: string;
  /** Latest activity per server id (epoch ms) from the gateway's Redis hash; fresher than the DB. */
  activity?: ReadonlyMap<string, number>;
  now?: Date;
}

/** Server ids whose live activity the caller may look up (the course's active servers). */
export async function activeCourseServerIds(db: Db, courseId: string): Promise<string[]> {
  const rows = await db.server.findMany({ where: { courseId, status: { in: ACTIVE_SERVER_STATUSES } }, select: { id: true } });
  return rows.map((r) => r.id);
}

/**
 * The students × weeks grid: for every active student, each week's running state, last activity,
 * GPU-hours and number of starts, plus totals. Four queries whatever the class size; the rest is
 * arithmetic over the course's server rows and GPU ledger.
 */
export async function listCourseStudents(db: Db, opts: CourseStudentsOptions): Promise<CourseStudents> {
  const now = opts.now ?? new Date();
  const [enrollments, weeks, servers, allocations] = await Promise.all([
    db.enrollment.findMany({
      where: { courseId: opts.courseId, role: "STUDENT", removedAt: null },
      include: { user: { select: { id: true, username: true, displayName: true } } },
      orderBy: { user: { username: "asc" } },
    }),
    db.week.findMany({ where: { courseId: opts.courseId }, orderBy: { number: "asc" }, include: { environment: { select: { publishedImage: true } } } }),
    db.server.findMany({
      where: { courseId: opts.courseId },
      select: { id: true, userId: true, weekId: true, status: true, image: true, environmentId: true, lastActivityAt: true, readyAt: true, stoppedAt: true, queuedAt: true },
    }),
    db.gpuAllocation.findMany({ where: { courseId: opts.courseId }, select: { serverId: true, userId: true, allocatedAt: true, releasedAt: true } }),
  ]);
  const weekById = new Map(weeks.map((w) => [w.id, w]));
  const serverById = new Map(servers.map((s) => [s.id, s]));
  const weekStart = weekStartUtc(now).getTime();

  const gpuByServer = new Map<string, number>();
  const gpuThisWeekByUser = new Map<string, number>();
  for (const a of allocations) {
    const from = a.allocatedAt.getTime();
    const to = (a.releasedAt ?? now).getTime();
    if (to <= from) continue;
    gpuByServer.set(a.serverId, (gpuByServer.get(a.serverId) ?? 0) + (to - from));
    const inWeek = to - Math.max(from, weekStart);
    if (inWeek > 0) gpuThisWeekByUser.set(a.userId, (gpuThisWeekByUser.get(a.userId) ?? 0) + inWeek);
  }

  const lastActive = (s: (typeof servers)[number]): number | null => {
    const live = opts.activity?.get(s.id);
    const stored = (s.lastActivityAt ?? s.stoppedAt ?? s.readyAt)?.getTime() ?? null;
    if (live === undefined) return stored;
    return stored === null ? live : Math.max(live, stored);
  };

  return {
    weeks: weeks.map((w) => w.number),
    students: enrollments.map((e) => {
      const mine = servers.filter((s) => s.userId === e.userId);
      const active = mine.find((s) => ACTIVE_SERVER_STATUSES.includes(s.status));
      const activeWeek = active ? weekById.get(active.weekId) : undefined;
      let latest: number | null = null;
      let totalMs = 0;
      const cells = weeks.map((w) => {
        const ofWeek = mine.filter((s) => s.weekId === w.id);
        let cellLatest: number | null = null;
        let ms = 0;
        for (const s of ofWeek) {
          const t = lastActive(s);
          if (t !== null && (cellLatest === null || t > cellLatest)) cellLatest = t;
          ms += gpuByServer.get(s.id) ?? 0;
        }
        if (cellLatest !== null && (latest === null || cellLatest > latest)) latest = cellLatest;
        totalMs += ms;
        return {
          week: w.number,
          running: active?.weekId === w.id,
          lastActiveAt: cellLatest === null ? null : new Date(cellLatest).toISOString(),
          gpuHours: round2(ms / HOUR_MS),
          starts: ofWeek.length,
        };
      });
      return {
        username: e.user.username,
        displayName: e.user.displayName,
        enrolledAt: e.createdAt.toISOString(),
        server:
          active && activeWeek
            ? {
                id: active.id,
                status: active.status.toLowerCase() as "queued" | "starting" | "running" | "stopping",
                week: activeWeek.number,
                restartForNewEnvironment: active.status === "RUNNING" && isServerOutdated(serverById.get(active.id) ?? active, activeWeek),
              }
            : null,
        lastActiveAt: latest === null ? null : new Date(latest).toISOString(),
        gpuHoursThisWeek: round2((gpuThisWeekByUser.get(e.userId) ?? 0) / HOUR_MS),
        gpuHoursTotal: round2(totalMs / HOUR_MS),
        weeks: cells,
      };
    }),
  };
}
