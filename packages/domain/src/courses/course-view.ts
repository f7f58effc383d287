import type { CourseDetail, CourseSummary, CourseWeek } from "@aula/contracts";
import type { Db, Prisma } from "@aula/db";
import { isWeekReleased } from "../servers/week-visibility";
import type { CourseActor } from "./can-manage-course";
import { weekState } from "./week-state";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const weekInclude = {
  environment: { select: { name: true, title: true, gpu: true, publishedImage: true } },
} satisfies Prisma.WeekInclude;

type WeekRow = Prisma.WeekGetPayload<{ include: typeof weekInclude }>;

export function courseWeekView(week: WeekRow, materials: { teoria: number; practicas: number }, now: Date): CourseWeek {
  const env = week.environment;
  return {
    number: week.number,
    title: week.title,
    state: weekState(week, now),
    released: isWeekReleased(week, now),
    releaseAt: iso(week.releaseAt),
    releasedAt: iso(week.releasedAt),
    closedAt: iso(week.closedAt),
    environment: env
      ? { name: env.name, title: env.title, gpu: env.gpu.toLowerCase() as "none" | "optional" | "required", ready: env.publishedImage !== null, image: env.publishedImage }
      : null,
    materials,
  };
}

/** One week with its material counts, for answers to week actions. */
export async function loadCourseWeek(db: Db, weekId: string, now: Date = new Date()): Promise<CourseWeek> {
  const week = await db.week.findUniqueOrThrow({ where: { id: weekId }, include: weekInclude });
  const counts = await db.weekMaterial.groupBy({ by: ["kind"], where: { weekId }, _count: { _all: true } });
  const count = (kind: "TEORIA" | "PRACTICAS") => counts.find((c) => c.kind === kind)?._count._all ?? 0;
  return courseWeekView(week, { teoria: count("TEORIA"), practicas: count("PRACTICAS") }, now);
}

const summaryInclude = {
  weeks: { select: { releasedAt: true, releaseAt: true, closedAt: true } },
  enrollments: {
    where: { removedAt: null },
    select: { role: true, user: { select: { username: true, displayName: true } } },
  },
} satisfies Prisma.CourseInclude;

type SummaryRow = Prisma.CourseGetPayload<{ include: typeof summaryInclude }>;

function summary(course: SummaryRow, now: Date): CourseSummary {
  return {
    slug: course.slug,
    title: course.title,
    description: course.description,
    weeks: course.weeks.length,
    releasedWeeks: course.weeks.filter((w) => isWeekReleased(w, now)).length,
    students: course.enrollments.filter((e) => e.role === "STUDENT").length,
    instructors: course.enrollments
      .filter((e) => e.role === "INSTRUCTOR")
      .map((e) => ({ username: e.user.username, displayName: e.user.displayName }))
      .sort((a, b) => a.username.localeCompare(b.username)),
    createdAt: course.createdAt.toISOString(),
  };
}

/** The courses the actor manages: every open course for admins, the ones they teach for instructors. */
export async function listManagedCourses(db: Db, actor: CourseActor, now: Date = new Date()): Promise<CourseSummary[]> {
  if (actor.role === "STUDENT") return [];
  const where: Prisma.CourseWhereInput = { archivedAt: null };
  if (actor.role !== "ADMIN") where.enrollments = { some: { userId: actor.userId, role: "INSTRUCTOR", removedAt: null } };
  const courses = await db.course.findMany({ where, orderBy: { createdAt: "asc" }, include: summaryInclude });
  return courses.map((c) => summary(c, now));
}

/** Everything the course page shows at the top: weeks with release state, environment and material counts. */
export async function getCourseDetail(db: Db, courseId: string, now: Date = new Date()): Promise<CourseDetail> {
  const course = await db.course.findUniqueOrThrow({
    where: { id: courseId },
    include: { ...summaryInclude, weeks: { orderBy: { number: "asc" }, include: weekInclude } },
  });
  const counts = await db.weekMaterial.groupBy({ by: ["weekId", "kind"], where: { week: { courseId } }, _count: { _all: true } });
  const count = (weekId: string, kind: "TEORIA" | "PRACTICAS") => counts.find((c) => c.weekId === weekId && c.kind === kind)?._count._all ?? 0;
  return {
    ...summary(course, now),
    weekList: course.weeks.map((w) => courseWeekView(w, { teoria: count(w.id, "TEORIA"), practicas: count(w.id, "PRACTICAS") }, now)),
  };
}
