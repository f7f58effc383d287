import type { Db } from "@aula/db";
import { isWeekReleased } from "../servers/week-visibility";
import { isServerOutdated } from "./week-state";

interface Row {
  role: "STUDENT" | "INSTRUCTOR";
  courseId: string;
  slug: string;
  courseTitle: string;
  weekId: string | null;
  number: number | null;
  weekTitle: string | null;
  environmentId: string | null;
  releaseAt: Date | null;
  releasedAt: Date | null;
  closedAt: Date | null;
  envName: string | null;
  envTitle: string | null;
  envGpu: "NONE" | "OPTIONAL" | "REQUIRED" | null;
  publishedImage: string | null;
  serverImage: string | null;
  serverEnvironmentId: string | null;
}

/**
 * The courses a user is enrolled in, with the weeks they may see: students only released weeks,
 * instructors every week (with its release state). The student dashboard loads this on every
 * visit, so it is one SQL statement: through Prisma's includes it was five queries (running
 * server, enrollments, courses, weeks, environments), and under load the api's CPU went mostly
 * to sending and interpreting queries (bench scenario 5).
 */
export async function listMyCourses(db: Db, opts: { userId: string }, now: Date = new Date()) {
  // The one server a user may run marks its week "restart to get the new environment" when the
  // week's environment no longer publishes the image it runs.
  const rows = await db.$queryRaw<Row[]>`
    SELECT e."role"::text AS "role", c."id" AS "courseId", c."slug", c."title" AS "courseTitle",
           w."id" AS "weekId", w."number", w."title" AS "weekTitle", w."environmentId",
           w."releaseAt", w."releasedAt", w."closedAt",
           v."name" AS "envName", v."title" AS "envTitle", v."gpu"::text AS "envGpu", v."publishedImage",
           s."image" AS "serverImage", s."environmentId" AS "serverEnvironmentId"
      FROM "Enrollment" e
      JOIN "Course" c ON c."id" = e."courseId" AND c."archivedAt" IS NULL
      LEFT JOIN "Week" w ON w."courseId" = c."id"
      LEFT JOIN "Environment" v ON v."id" = w."environmentId"
      LEFT JOIN LATERAL (
        SELECT "image", "environmentId" FROM "Server"
         WHERE "userId" = e."userId" AND "weekId" = w."id" AND "status" = 'RUNNING' LIMIT 1
      ) s ON true
     WHERE e."userId" = ${opts.userId}::uuid AND e."removedAt" IS NULL
     ORDER BY e."createdAt", e."id", w."number"`;

  const courses: {
    slug: string;
    title: string;
    role: "student" | "instructor";
    weeks: {
      number: number;
      title: string;
      released: boolean;
      releaseAt: string | null;
      environment: { name: string; title: string; gpu: "none" | "optional" | "required"; ready: boolean } | null;
      restartForNewEnvironment: boolean;
    }[];
  }[] = [];
  let current = null as { id: string; entry: (typeof courses)[number] } | null;
  for (const r of rows) {
    if (current?.id !== r.courseId) {
      current = { id: r.courseId, entry: { slug: r.slug, title: r.courseTitle, role: r.role.toLowerCase() as "student" | "instructor", weeks: [] } };
      courses.push(current.entry);
    }
    if (r.weekId === null || r.number === null || r.weekTitle === null) continue;
    const released = isWeekReleased(r, now);
    if (r.role !== "INSTRUCTOR" && !released) continue;
    const environment = r.envName !== null && r.envTitle !== null && r.envGpu !== null ? { publishedImage: r.publishedImage } : null;
    current.entry.weeks.push({
      number: r.number,
      title: r.weekTitle,
      released,
      releaseAt: r.releaseAt?.toISOString() ?? null,
      environment: environment
        ? { name: r.envName!, title: r.envTitle!, gpu: r.envGpu!.toLowerCase() as "none" | "optional" | "required", ready: r.publishedImage !== null }
        : null,
      restartForNewEnvironment:
        r.serverImage !== null && r.serverEnvironmentId !== null && isServerOutdated({ image: r.serverImage, environmentId: r.serverEnvironmentId }, { environmentId: r.environmentId, environment }),
    });
  }
  return courses;
}
