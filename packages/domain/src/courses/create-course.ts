import type { Db } from "@aula/db";
import { AppError } from "@aula/contracts";
import { isUniqueViolation } from "@aula/db";
import { BOOTCAMP_WEEKS } from "./bootcamp-template";

export interface CreateCourseOptions {
  slug: string;
  title: string;
  description?: string;
  /** "bootcamp": the 24 weeks with the seed's stage → environment mapping; "empty": no weeks. */
  template: "bootcamp" | "empty";
  /** Weeks 1..releasedThrough are released at creation (0 = none). */
  releasedThrough?: number;
}

/**
 * Creates a course, its quota policy and (for the bootcamp template) its 24 weeks in one
 * transaction. Weeks point at environments by name; an environment not defined yet leaves the
 * week without one (instructors choose later) rather than failing the course.
 */
export async function createCourse(db: Db, opts: CreateCourseOptions, now: Date = new Date()) {
  const environments = await db.environment.findMany({ select: { id: true, name: true } });
  const envId = new Map(environments.map((e) => [e.name, e.id]));
  const weeks = opts.template === "bootcamp" ? BOOTCAMP_WEEKS : [];
  try {
    return await db.$transaction(async (tx) => {
      const course = await tx.course.create({
        data: { slug: opts.slug, title: opts.title, description: opts.description ?? "", quotaPolicy: { create: {} } },
      });
      if (weeks.length > 0) {
        await tx.week.createMany({
          data: weeks.map((w) => ({
            courseId: course.id,
            number: w.number,
            title: w.title,
            environmentId: envId.get(w.environment) ?? null,
            releasedAt: w.number <= (opts.releasedThrough ?? 0) ? now : null,
          })),
        });
      }
      return course;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `A course with the address "${opts.slug}" already exists. Choose another slug.`);
    throw error;
  }
}
