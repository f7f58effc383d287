import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { findCourseWeek } from "./find-course-week";

export interface WeekActionOptions {
  course: { id: string; title: string; slug: string };
  week: number;
  actorId: string | null;
  ip?: string | null;
  now?: Date;
}

// Visibility is decided by isWeekReleased from (releasedAt, releaseAt, closedAt) at read time, so a
// scheduled release needs no worker: the week opens the moment releaseAt passes, in the portal and
// in the start preflight alike.

/** Opens the week to students now (also un-closes it and drops any schedule). */
export async function releaseWeekNow(db: Db, opts: WeekActionOptions) {
  const now = opts.now ?? new Date();
  const week = await findCourseWeek(db, opts.course, opts.week);
  return db.$transaction(async (tx) => {
    const updated = await tx.week.update({ where: { id: week.id }, data: { releasedAt: now, releaseAt: null, closedAt: null } });
    await audit(tx, opts, "week.release", week.id, {});
    return updated;
  });
}

/**
 * Schedules the release at `at`, which must be in the future. The week is hidden until then even
 * if it was open: a schedule is the instructor saying "not before".
 */
export async function scheduleWeekRelease(db: Db, opts: WeekActionOptions & { at: Date }) {
  const now = opts.now ?? new Date();
  if (Number.isNaN(opts.at.getTime())) throw new AppError("validation_failed", "The release time is not a valid date.");
  if (opts.at <= now) {
    throw new AppError("validation_failed", `The release time ${opts.at.toISOString()} is not in the future. Choose a later time, or use "Release now".`, {
      fields: [{ path: "body.at", message: "Must be in the future." }],
    });
  }
  const week = await findCourseWeek(db, opts.course, opts.week);
  return db.$transaction(async (tx) => {
    const updated = await tx.week.update({ where: { id: week.id }, data: { releaseAt: opts.at, releasedAt: null, closedAt: null } });
    await audit(tx, opts, "week.schedule", week.id, { at: opts.at.toISOString() });
    return updated;
  });
}

/** Hides the week from students. Running servers keep running; new starts are refused. */
export async function closeWeek(db: Db, opts: WeekActionOptions) {
  const now = opts.now ?? new Date();
  const week = await findCourseWeek(db, opts.course, opts.week);
  if (week.closedAt && week.closedAt <= now) return week;
  return db.$transaction(async (tx) => {
    const updated = await tx.week.update({ where: { id: week.id }, data: { closedAt: now } });
    await audit(tx, opts, "week.close", week.id, {});
    return updated;
  });
}

/** Undoes a close. A week that was never released (nor scheduled) is released now. */
export async function reopenWeek(db: Db, opts: WeekActionOptions) {
  const now = opts.now ?? new Date();
  const week = await findCourseWeek(db, opts.course, opts.week);
  const neverOpened = week.releasedAt === null && week.releaseAt === null;
  return db.$transaction(async (tx) => {
    const updated = await tx.week.update({ where: { id: week.id }, data: { closedAt: null, ...(neverOpened ? { releasedAt: now } : {}) } });
    await audit(tx, opts, "week.reopen", week.id, {});
    return updated;
  });
}

export interface UpdateWeekOptions extends WeekActionOptions {
  title?: string;
  /** An environment name; null leaves the week without one. */
  environment?: string | null;
}

/**
 * Renames the week or points it at another environment. The change applies to new starts; a
 * running server keeps its image and the portal offers a restart (isServerOutdated).
 */
export async function updateWeek(db: Db, opts: UpdateWeekOptions) {
  const week = await findCourseWeek(db, opts.course, opts.week);
  let environmentId: string | null | undefined;
  if (opts.environment !== undefined) {
    if (opts.environment === null) environmentId = null;
    else {
      const env = await db.environment.findUnique({ where: { name: opts.environment }, select: { id: true } });
      if (!env) {
        const names = (await db.environment.findMany({ select: { name: true }, orderBy: { name: "asc" } })).map((e) => e.name);
        throw new AppError("validation_failed", `There is no environment "${opts.environment.slice(0, 64)}". Choose one of: ${names.join(", ") || "(none defined yet)"}.`, {
          fields: [{ path: "body.environment", message: "Unknown environment." }],
        });
      }
      environmentId = env.id;
    }
  }
  return db.$transaction(async (tx) => {
    const updated = await tx.week.update({
      where: { id: week.id },
      data: { ...(opts.title !== undefined ? { title: opts.title } : {}), ...(environmentId !== undefined ? { environmentId } : {}) },
    });
    await audit(tx, opts, "week.update", week.id, {
      ...(opts.title !== undefined ? { title: opts.title } : {}),
      ...(opts.environment !== undefined ? { environment: opts.environment } : {}),
    });
    return updated;
  });
}

async function audit(tx: Parameters<typeof recordAudit>[0], opts: WeekActionOptions, action: string, weekId: string, data: Record<string, string | null>) {
  await recordAudit(tx, { actorId: opts.actorId, action, targetType: "week", targetId: weekId, data: { course: opts.course.slug, week: opts.week, ...data }, ip: opts.ip ?? null });
}
