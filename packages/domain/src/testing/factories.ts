import { randomBytes } from "node:crypto";
import type { Db, Role } from "@aula/db";

// Small named factories for tests: each creates exactly what its name says, with unique names
// so tests sharing a database never collide.

const suffix = () => randomBytes(3).toString("hex");

export async function createTestUser(db: Db, opts: { role?: Role; username?: string } = {}) {
  const role = opts.role ?? "STUDENT";
  return db.user.create({
    data: { username: opts.username ?? `${role.toLowerCase().slice(0, 3)}${suffix()}`, displayName: "Test User", role },
  });
}

export async function createPublishedEnvironment(db: Db, opts: { name?: string; image?: string; gpu?: "NONE" | "OPTIONAL" | "REQUIRED"; gpuShare?: number } = {}) {
  const name = opts.name ?? `env-${suffix()}`;
  return db.environment.create({
    data: {
      name,
      title: `Environment ${name}`,
      stage: "test",
      gpu: opts.gpu ?? "NONE",
      gpuShare: opts.gpuShare ?? 1,
      defaultCpus: 1,
      defaultMemoryMb: 512,
      defaultShmMb: 64,
      publishedImage: opts.image ?? `aula-env/${name}:test`,
      publishedAt: new Date(),
    },
  });
}

/** A course with `weeks` weeks on one environment; weeks 1..released are open. */
export async function createCourseWithWeeks(db: Db, opts: { environmentId: string | null; weeks?: number; released?: number; slug?: string }) {
  const course = await db.course.create({ data: { slug: opts.slug ?? `course-${suffix()}`, title: "Test Course", quotaPolicy: { create: {} } } });
  const n = opts.weeks ?? 3;
  await db.week.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      courseId: course.id,
      number: i + 1,
      title: `Week ${i + 1}`,
      environmentId: opts.environmentId,
      releasedAt: i + 1 <= (opts.released ?? 1) ? new Date(Date.now() - 60_000) : null,
    })),
  });
  return course;
}

export async function enrollTestUser(db: Db, opts: { courseId: string; userId: string; role?: "STUDENT" | "INSTRUCTOR" }) {
  return db.enrollment.create({ data: { courseId: opts.courseId, userId: opts.userId, role: opts.role ?? "STUDENT" } });
}

/** A student enrolled in a fresh course whose week 1 is released on a published environment. */
export async function createReadyStudent(db: Db, opts: { image?: string; gpu?: "NONE" | "OPTIONAL" | "REQUIRED" } = {}) {
  const environment = await createPublishedEnvironment(db, opts);
  const course = await createCourseWithWeeks(db, { environmentId: environment.id });
  const student = await createTestUser(db);
  await enrollTestUser(db, { courseId: course.id, userId: student.id });
  return { student, course, environment };
}
