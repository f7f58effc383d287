import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";

/** The course's week `number`, or a not_found that names the weeks the course has. */
export async function findCourseWeek(db: Db, course: { id: string; title: string }, number: number) {
  const week = await db.week.findUnique({ where: { courseId_number: { courseId: course.id, number } } });
  if (week) return week;
  const range = await db.week.aggregate({ where: { courseId: course.id }, _min: { number: true }, _max: { number: true } });
  const has = range._min.number === null ? "it has no weeks yet" : `its weeks are ${range._min.number}–${range._max.number}`;
  throw new AppError("not_found", `${course.title} has no week ${number}; ${has}.`);
}
