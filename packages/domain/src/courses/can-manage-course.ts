import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";
import type { DbClient } from "../audit/record-audit";

/** Who is asking: the parts of a Principal a course permission looks at. */
export interface CourseActor {
  userId: string;
  role: "ADMIN" | "INSTRUCTOR" | "STUDENT";
}

/**
 * The one rule for running a course: admins manage every course, instructors the courses they
 * teach (an active INSTRUCTOR enrollment). Being an instructor elsewhere gives nothing here.
 */
export async function canManageCourse(db: DbClient, actor: CourseActor, courseId: string): Promise<boolean> {
  if (actor.role === "ADMIN") return true;
  if (actor.role !== "INSTRUCTOR") return false;
  const enrollment = await db.enrollment.findUnique({
    where: { courseId_userId: { courseId, userId: actor.userId } },
    select: { role: true, removedAt: true },
  });
  return enrollment !== null && enrollment.removedAt === null && enrollment.role === "INSTRUCTOR";
}

export type ManagedCourse = Awaited<ReturnType<typeof findCourseOrThrow>>;

async function findCourseOrThrow(db: Db, slug: string) {
  const course = await db.course.findUnique({ where: { slug } });
  if (!course || course.archivedAt) throw new AppError("not_found", `There is no course "${slug.slice(0, 64)}".`);
  return course;
}

/**
 * The course at `slug` when the actor may manage it. Unknown courses are not_found; courses the
 * actor does not teach are forbidden (instructors know the course list, so its existence is no
 * secret worth a misleading 404).
 */
export async function requireManagedCourse(db: Db, actor: CourseActor, slug: string): Promise<ManagedCourse> {
  const course = await findCourseOrThrow(db, slug);
  if (!(await canManageCourse(db, actor, course.id))) {
    throw new AppError("forbidden", `Only the instructors of ${course.title} and administrators can manage it.`);
  }
  return course;
}
