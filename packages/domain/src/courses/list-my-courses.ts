import type { Db } from "@aula/db";
import { isWeekReleased } from "../servers/week-visibility";
import { isServerOutdated } from "./week-state";

/**
 * The courses a user is enrolled in, with the weeks they may see: students only released weeks,
 * instructors every week (with its release state). One query for the whole dashboard.
 */
export async function listMyCourses(db: Db, opts: { userId: string }, now: Date = new Date()) {
  // The one server a user may run: its week gets "restart to get the new environment" when the
  // week's environment no longer publishes the image it runs.
  const running = await db.server.findFirst({ where: { userId: opts.userId, status: "RUNNING" }, select: { weekId: true, image: true, environmentId: true } });
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
        restartForNewEnvironment: running !== null && running.weekId === w.id && isServerOutdated(running, w),
      })),
  }));
}
