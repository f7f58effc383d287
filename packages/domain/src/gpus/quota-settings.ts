import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";
import { recordAudit } from "../audit/record-audit";

// Course quota policy and per-student overrides. Null in a policy means "no limit" (GPU-hours)
// or "the environment's default" (CPUs, memory), or the deployment's AULA_STUDENT_DISK_MB (disk);
// null in an override means "as the course".

export interface QuotaFields {
  maxServers: number | null;
  cpus: number | null;
  memoryMb: number | null;
  diskMb: number | null;
  gpuHoursPerWeek: number | null;
  idleTimeoutS: number | null;
  maxAgeS: number | null;
}

/** A course policy: counts and durations always have a value. */
export interface QuotaPolicyFields extends QuotaFields {
  maxServers: number;
  idleTimeoutS: number;
  maxAgeS: number;
}

const POLICY_DEFAULTS: QuotaPolicyFields = { maxServers: 1, cpus: null, memoryMb: null, diskMb: null, gpuHoursPerWeek: null, idleTimeoutS: 3600, maxAgeS: 28800 };

function pick<T extends QuotaFields>(row: T): Pick<T, keyof QuotaFields> {
  return { maxServers: row.maxServers, cpus: row.cpus, memoryMb: row.memoryMb, diskMb: row.diskMb, gpuHoursPerWeek: row.gpuHoursPerWeek, idleTimeoutS: row.idleTimeoutS, maxAgeS: row.maxAgeS };
}

export async function getQuotaPolicy(db: Db, courseId: string): Promise<QuotaPolicyFields & { updatedAt: Date | null }> {
  const row = await db.quotaPolicy.findUnique({ where: { courseId } });
  return row ? { ...pick(row), updatedAt: row.updatedAt } : { ...POLICY_DEFAULTS, updatedAt: null };
}

export type QuotaPolicyPatch = Partial<{
  maxServers: number;
  cpus: number | null;
  memoryMb: number | null;
  diskMb: number | null;
  gpuHoursPerWeek: number | null;
  idleTimeoutS: number;
  maxAgeS: number;
}>;

export async function updateQuotaPolicy(db: Db, opts: { courseId: string; courseSlug: string; patch: QuotaPolicyPatch; actorId: string; ip?: string | null }) {
  return db.$transaction(async (tx) => {
    const row = await tx.quotaPolicy.upsert({ where: { courseId: opts.courseId }, create: { courseId: opts.courseId, ...opts.patch }, update: opts.patch });
    await recordAudit(tx, { actorId: opts.actorId, action: "quota.policy.update", targetType: "course", targetId: opts.courseSlug, data: { ...opts.patch }, ip: opts.ip ?? null });
    return { ...pick(row), updatedAt: row.updatedAt };
  });
}

async function enrolledUser(db: Db, courseId: string, username: string) {
  const user = await db.user.findUnique({ where: { username }, select: { id: true, username: true } });
  const enrollment = user ? await db.enrollment.findUnique({ where: { courseId_userId: { courseId, userId: user.id } }, select: { removedAt: true } }) : null;
  if (!user || !enrollment || enrollment.removedAt) throw new AppError("not_found", `"${username}" is not enrolled in this course.`);
  return user;
}

export async function listQuotaOverrides(db: Db, courseId: string) {
  const rows = await db.quotaOverride.findMany({ where: { courseId }, include: { user: { select: { username: true } } }, orderBy: { user: { username: "asc" } } });
  return rows.map((r) => ({ username: r.user.username, ...pick(r), updatedAt: r.updatedAt }));
}

export async function getQuotaOverride(db: Db, opts: { courseId: string; username: string }) {
  const user = await enrolledUser(db, opts.courseId, opts.username);
  const row = await db.quotaOverride.findUnique({ where: { courseId_userId: { courseId: opts.courseId, userId: user.id } } });
  return row ? { username: user.username, ...pick(row), updatedAt: row.updatedAt } : null;
}

/** Replaces a student's override (every field; null inherits the course's value). */
export async function setQuotaOverride(db: Db, opts: { courseId: string; courseSlug: string; username: string; fields: QuotaFields; actorId: string; ip?: string | null }) {
  const user = await enrolledUser(db, opts.courseId, opts.username);
  return db.$transaction(async (tx) => {
    const row = await tx.quotaOverride.upsert({
      where: { courseId_userId: { courseId: opts.courseId, userId: user.id } },
      create: { courseId: opts.courseId, userId: user.id, ...opts.fields },
      update: opts.fields,
    });
    await recordAudit(tx, { actorId: opts.actorId, action: "quota.override.set", targetType: "user", targetId: user.username, data: { course: opts.courseSlug, ...opts.fields }, ip: opts.ip ?? null });
    return { username: user.username, ...pick(row), updatedAt: row.updatedAt };
  });
}

export async function clearQuotaOverride(db: Db, opts: { courseId: string; courseSlug: string; username: string; actorId: string; ip?: string | null }): Promise<boolean> {
  const user = await enrolledUser(db, opts.courseId, opts.username);
  return db.$transaction(async (tx) => {
    const deleted = await tx.quotaOverride.deleteMany({ where: { courseId: opts.courseId, userId: user.id } });
    if (deleted.count > 0) {
      await recordAudit(tx, { actorId: opts.actorId, action: "quota.override.clear", targetType: "user", targetId: user.username, data: { course: opts.courseSlug }, ip: opts.ip ?? null });
    }
    return deleted.count > 0;
  });
}
