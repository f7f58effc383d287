import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { requestServerStop } from "../servers/request-server-stop";
import { resetPassword } from "../users/reset-password";

export interface CourseStudentOptions {
  course: { id: string; slug: string; title: string };
  username: string;
  actorId: string | null;
  ip?: string | null;
  now?: Date;
}

/** The active student enrollment of `username` in the course, or not_found. */
export async function findCourseStudent(db: Db, course: { id: string; title: string }, username: string) {
  const enrollment = await db.enrollment.findFirst({
    where: { courseId: course.id, role: "STUDENT", removedAt: null, user: { username } },
    include: { user: true },
  });
  if (!enrollment) throw new AppError("not_found", `${username.slice(0, 32)} is not a student of ${course.title}.`);
  return enrollment;
}

/**
 * Takes a student off the course: the enrollment is marked removed (so re-enrolling restores
 * it), a server they run for this course is stopped with a reason they will read, and their files
 * (volumes) are kept. The caller enqueues the stop job when `stop.needsJob`.
 */
export async function removeStudent(db: Db, opts: CourseStudentOptions) {
  const now = opts.now ?? new Date();
  const enrollment = await findCourseStudent(db, opts.course, opts.username);
  await db.$transaction(async (tx) => {
    await tx.enrollment.update({ where: { id: enrollment.id }, data: { removedAt: now } });
    await recordAudit(tx, { actorId: opts.actorId, action: "course.student_remove", targetType: "user", targetId: enrollment.userId, data: { course: opts.course.slug, username: opts.username }, ip: opts.ip ?? null });
  });
  const active = await db.server.findFirst({ where: { userId: enrollment.userId, courseId: opts.course.id, status: { in: ["QUEUED", "STARTING", "RUNNING", "STOPPING"] } }, select: { id: true } });
  if (!active) return { userId: enrollment.userId, stop: null };
  const reason = `You were removed from ${opts.course.title}, so your server was stopped. Your files are kept; ask your instructor if this is a mistake.`;
  const { server, needsJob } = await requestServerStop(db, { username: opts.username, reason }, now);
  return { userId: enrollment.userId, stop: { serverId: server.id, needsJob } };
}

/**
 * An instructor sets a new generated password for a student of their course; the student's
 * sessions end. Only student accounts: an instructor never resets another instructor's or an
 * admin's password this way.
 */
export async function resetStudentPassword(db: Db, opts: CourseStudentOptions) {
  const enrollment = await findCourseStudent(db, opts.course, opts.username);
  if (enrollment.user.role !== "STUDENT") throw new AppError("forbidden", "Only an administrator can reset the password of an instructor or admin account.");
  const { user, password } = await resetPassword(db, { username: opts.username, actorId: opts.actorId, ip: opts.ip ?? null, ...(opts.now ? { now: opts.now } : {}) });
  return { userId: user.id, password };
}

/** How long an "open student server" grant lasts. */
export const SERVER_ACCESS_TTL_S = 30 * 60;

/**
 * The audited permission for an instructor (or admin) to open a student's running server of this
 * course. Records the AuditEvent; the caller sets the Redis grant the gateway checks
 * (accessKey(prefix, serverId, actorId)) with the returned TTL.
 */
export async function grantServerAccess(db: Db, opts: CourseStudentOptions & { ttlSeconds?: number }) {
  const now = opts.now ?? new Date();
  const ttl = opts.ttlSeconds ?? SERVER_ACCESS_TTL_S;
  const enrollment = await findCourseStudent(db, opts.course, opts.username);
  const server = await db.server.findFirst({ where: { userId: enrollment.userId, courseId: opts.course.id, status: "RUNNING" }, select: { id: true } });
  if (!server) throw new AppError("conflict", `${opts.username} has no running server in ${opts.course.title}; there is nothing to open.`);
  await recordAudit(db, {
    actorId: opts.actorId,
    action: "server.access_grant",
    targetType: "server",
    targetId: server.id,
    data: { course: opts.course.slug, username: opts.username, ttlSeconds: ttl },
    ip: opts.ip ?? null,
  });
  return { serverId: server.id, url: `/user/${opts.username}/`, ttlSeconds: ttl, expiresAt: new Date(now.getTime() + ttl * 1000) };
}
