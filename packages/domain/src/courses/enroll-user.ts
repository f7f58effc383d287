import type { CourseRole, Db } from "@aula/db";

/** Enrolls (or re-enrolls) a user in a course with the given course role. Idempotent. */
export async function enrollUser(db: Db, opts: { courseId: string; userId: string; role: CourseRole }) {
  return db.enrollment.upsert({
    where: { courseId_userId: { courseId: opts.courseId, userId: opts.userId } },
    create: { courseId: opts.courseId, userId: opts.userId, role: opts.role },
    update: { role: opts.role, removedAt: null },
  });
}
