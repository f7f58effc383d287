import type { Db } from "@aula/db";
import { AppError } from "@aula/contracts";
import { isUniqueViolation } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { BOOTCAMP_WEEKS, type TemplateWeek } from "./bootcamp-template";

export interface CreateCourseOptions {
  slug: string;
  title: string;
  description?: string;
  /** "bootcamp": the 24 weeks with the seed's stage → environment mapping; "empty": no weeks. */
  template: "bootcamp" | "empty";
  /** Weeks 1..releasedThrough are released at creation (0 = none). */
  releasedThrough?: number;
  /** With "empty": create this many draft weeks without an environment (default 0). */
  emptyWeeks?: number;
  /** Enrolled as the course's instructor in the same transaction (an instructor creating a course). */
  instructorId?: string | null;
  /** Recorded as "course.create" when given (null: the operator's CLI). */
  actorId?: string | null;
  ip?: string | null;
}

/**
 * Creates a course, its quota policy and (for the bootcamp template) its 24 weeks in one
 * transaction. Weeks point at environments by name; an environment not defined yet leaves the
 * week without one (instructors choose later) rather than failing the course.
 */
export async function createCourse(db: Db, opts: CreateCourseOptions, now: Date = new Date()) {
  const environments = await db.environment.findMany({ select: { id: true, name: true } });
  const envId = new Map(environments.map((e) => [e.name, e.id]));
  const weeks: readonly TemplateWeek[] =
    opts.template === "bootcamp"
      ? BOOTCAMP_WEEKS
      : Array.from({ length: opts.emptyWeeks ?? 0 }, (_, i) => ({ number: i + 1, title: `Week ${i + 1}`, environment: "" }));
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
      if (opts.instructorId) {
        await tx.enrollment.create({ data: { courseId: course.id, userId: opts.instructorId, role: "INSTRUCTOR" } });
      }
      if (opts.actorId !== undefined) {
        await recordAudit(tx, {
          actorId: opts.actorId,
          action: "course.create",
          targetType: "course",
          targetId: course.id,
          data: { slug: course.slug, template: opts.template, weeks: weeks.length },
          ip: opts.ip ?? null,
        });
      }
      return course;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `A course with the address "${opts.slug}" already exists. Choose another slug.`);
    throw error;
  }
}
