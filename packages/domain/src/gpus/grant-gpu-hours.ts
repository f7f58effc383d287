import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { weekStartUtc } from "../servers/gpu-hours";

export interface GrantGpuHoursOptions {
  username: string;
  course: string;
  hours: number;
  reason: string;
  /** Any moment in the week the hours are for; default: this week. */
  week?: Date;
  actorId: string;
  ip?: string | null;
  now?: Date;
}

/** Extra GPU-hours for one student in one course for one week, audited in the same transaction. */
export async function grantGpuHours(db: Db, opts: GrantGpuHoursOptions) {
  const now = opts.now ?? new Date();
  if (!(opts.hours > 0 && opts.hours <= 1000)) throw new AppError("validation_failed", "Grant between 0 and 1000 GPU-hours.");
  const user = await db.user.findUnique({ where: { username: opts.username }, select: { id: true, username: true } });
  if (!user) throw new AppError("not_found", `There is no user "${opts.username}".`);
  const course = await db.course.findUnique({ where: { slug: opts.course }, select: { id: true, slug: true, title: true } });
  if (!course) throw new AppError("not_found", `There is no course "${opts.course}".`);
  const enrollment = await db.enrollment.findUnique({ where: { courseId_userId: { courseId: course.id, userId: user.id } }, select: { removedAt: true } });
  if (!enrollment || enrollment.removedAt) throw new AppError("not_enrolled", `${user.username} is not enrolled in ${course.title}.`);
  const weekStart = weekStartUtc(opts.week ?? now);
  return db.$transaction(async (tx) => {
    const grant = await tx.gpuHourGrant.create({
      data: { userId: user.id, courseId: course.id, weekStart, hours: opts.hours, reason: opts.reason, grantedById: opts.actorId, createdAt: now },
    });
    await recordAudit(tx, {
      actorId: opts.actorId,
      action: "quota.grant",
      targetType: "user",
      targetId: user.username,
      data: { grantId: grant.id, course: course.slug, hours: opts.hours, weekStart: weekStart.toISOString(), reason: opts.reason },
      ip: opts.ip ?? null,
    });
    return { ...grant, username: user.username, course: course.slug };
  });
}

/** Grants of a course (optionally one student), newest first. */
export async function listGpuHourGrants(db: Db, opts: { courseId: string; userId?: string; take?: number }) {
  const rows = await db.gpuHourGrant.findMany({
    where: { courseId: opts.courseId, ...(opts.userId ? { userId: opts.userId } : {}) },
    orderBy: { createdAt: "desc" },
    take: opts.take ?? 200,
    include: { user: { select: { username: true } }, grantedBy: { select: { username: true } }, course: { select: { slug: true } } },
  });
  return rows.map((g) => ({
    id: g.id,
    username: g.user.username,
    course: g.course.slug,
    weekStart: g.weekStart.toISOString(),
    hours: g.hours,
    reason: g.reason,
    grantedBy: g.grantedBy?.username ?? null,
    createdAt: g.createdAt.toISOString(),
  }));
}
