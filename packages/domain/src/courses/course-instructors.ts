import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";
import { recordAudit } from "../audit/record-audit";

export interface CoursePeopleOptions {
  course: { id: string; slug: string; title: string };
  username: string;
  actorId: string | null;
  ip?: string | null;
  now?: Date;
}

/** Makes an instructor (or admin) account an instructor of the course. Idempotent. */
export async function addCourseInstructor(db: Db, opts: CoursePeopleOptions) {
  const user = await db.user.findUnique({ where: { username: opts.username } });
  if (!user || user.disabledAt) throw new AppError("not_found", `There is no active user called "${opts.username.slice(0, 32)}".`);
  if (user.role === "STUDENT") {
    throw new AppError("validation_failed", `${user.username} has a student account. Only instructor or admin accounts can teach a course; an admin can change the role.`);
  }
  await db.$transaction(async (tx) => {
    await tx.enrollment.upsert({
      where: { courseId_userId: { courseId: opts.course.id, userId: user.id } },
      create: { courseId: opts.course.id, userId: user.id, role: "INSTRUCTOR" },
      update: { role: "INSTRUCTOR", removedAt: null },
    });
    await recordAudit(tx, { actorId: opts.actorId, action: "course.instructor_add", targetType: "course", targetId: opts.course.id, data: { course: opts.course.slug, username: user.username }, ip: opts.ip ?? null });
  });
  return user;
}

/** Removes an instructor from the course; the last one stays (admins can still manage any course). */
export async function removeCourseInstructor(db: Db, opts: CoursePeopleOptions) {
  const now = opts.now ?? new Date();
  const enrollment = await db.enrollment.findFirst({
    where: { courseId: opts.course.id, user: { username: opts.username }, role: "INSTRUCTOR", removedAt: null },
  });
  if (!enrollment) throw new AppError("not_found", `${opts.username.slice(0, 32)} is not an instructor of ${opts.course.title}.`);
  const others = await db.enrollment.count({ where: { courseId: opts.course.id, role: "INSTRUCTOR", removedAt: null, id: { not: enrollment.id } } });
  if (others === 0) throw new AppError("conflict", `${opts.username} is the only instructor of ${opts.course.title}. Add another instructor first.`);
  await db.$transaction(async (tx) => {
    await tx.enrollment.update({ where: { id: enrollment.id }, data: { removedAt: now } });
    await recordAudit(tx, { actorId: opts.actorId, action: "course.instructor_remove", targetType: "course", targetId: opts.course.id, data: { course: opts.course.slug, username: opts.username }, ip: opts.ip ?? null });
  });
}

/**
 * Enrolls existing student accounts. Each username is enrolled or refused with a reason; a
 * removed student is enrolled again (their files were kept). Instructor and admin accounts are
 * refused here: they join a course as instructors.
 */
export async function enrollStudents(db: Db, opts: { course: { id: string; slug: string }; usernames: string[]; actorId: string | null; ip?: string | null }) {
  const wanted = [...new Set(opts.usernames.map((u) => u.trim().toLowerCase()).filter(Boolean))];
  const users = await db.user.findMany({ where: { username: { in: wanted } } });
  const byName = new Map(users.map((u) => [u.username, u]));
  const enrolled: string[] = [];
  const refused: { username: string; reason: string }[] = [];
  for (const username of wanted) {
    const user = byName.get(username);
    if (!user || user.disabledAt) refused.push({ username, reason: "There is no active account with this username. Create it first, or import the roster from CSV." });
    else if (user.role !== "STUDENT") refused.push({ username, reason: "This is an instructor or admin account; add it as an instructor instead." });
    else {
      const existing = await db.enrollment.findUnique({ where: { courseId_userId: { courseId: opts.course.id, userId: user.id } } });
      if (existing && existing.role === "INSTRUCTOR" && !existing.removedAt) {
        refused.push({ username, reason: "Already an instructor of this course." });
        continue;
      }
      await db.enrollment.upsert({
        where: { courseId_userId: { courseId: opts.course.id, userId: user.id } },
        create: { courseId: opts.course.id, userId: user.id, role: "STUDENT" },
        update: { role: "STUDENT", removedAt: null },
      });
      enrolled.push(username);
    }
  }
  if (enrolled.length > 0) {
    await recordAudit(db, { actorId: opts.actorId, action: "course.enroll", targetType: "course", targetId: opts.course.id, data: { course: opts.course.slug, usernames: enrolled }, ip: opts.ip ?? null });
  }
  return { enrolled, refused };
}
