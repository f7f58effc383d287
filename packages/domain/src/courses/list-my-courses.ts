import type { Db } from "@aula/db";
import { isWeekReleased } from "../servers/week-visibility";

/**
 * The courses a user is enrolled in, with the weeks they may see: students only released weeks,
 * instructors every week (with its release state). One query for the whole dashboard.
 */
export async function listMyCourses(db: Db, opts: { userId: string }, now: Date = new Date()) {
  const enrollments = await db.enrollment.findMany({
    where: { userId: opts.userId, removedAt: null, course: { archivedAt: null } },
    orderBy: { createdAt: "asc" },
    include: {
      course: {
        include: {
          weeks: {
            orderBy: { number: "asc" },
            include: { environment: { select: { name: true, title: true, gpu: true, publishedImage: true } } },
          },
        },
      },
    },
  });
  return enrollments.map(({ course, role }) => ({
    slug: course.slug,
    title: course.title,
    role: role.toLowerCase() as "student" | "instructor",
    weeks: course.weeks
      .filter((w) => role === "INSTRUCTOR" || isWeekReleased(w, now))
      .map((w) => ({
        number: w.number,
        title: w.title,
        released: isWeekReleased(w, now),
        releaseAt: (w.releaseAt ?? null)?.toISOString() ?? null,
        environment: w.environment
          ? { name: w.environment.name, title: w.environment.title, gpu: w.environment.gpu.toLowerCase() as "none" | "optional" | "required", ready: w.environment.publishedImage !== null }
          : null,
      })),
  }));
}
