import type { Db } from "@aula/db";
import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import type { Stack, TestUser } from "@aula/e2e/stack";
import { newestPythonImage } from "@aula/docker/testing";

export interface FaultCourse {
  slug: string;
  students: TestUser[];
}

/**
 * A course whose week 1 runs the published python image, with `students` enrolled students who
 * can sign in (created through the stack, so its teardown removes their containers and volumes).
 */
export async function createFaultCourse(stack: Pick<Stack, "db" | "createUser">, options: { students: number; gpu?: "NONE" | "REQUIRED"; db?: Db }): Promise<FaultCourse> {
  const db = options.db ?? stack.db;
  const environment = await createPublishedEnvironment(db, { image: newestPythonImage(), gpu: options.gpu ?? "NONE" });
  const course = await createCourseWithWeeks(db, { environmentId: environment.id, weeks: 1, released: 1 });
  const students: TestUser[] = [];
  for (let i = 0; i < options.students; i++) {
    const tag = Math.random().toString(36).slice(2, 8);
    const user = await stack.createUser({ username: `flt${tag}${i}`, role: "student" });
    const row = await db.user.findUniqueOrThrow({ where: { username: user.username } });
    await enrollTestUser(db, { courseId: course.id, userId: row.id });
    students.push(user);
  }
  return { slug: course.slug, students };
}
