import { AppError } from "@aula/contracts";
import { isUniqueViolation, type Db, type GpuRequest } from "@aula/db";
import { newServerToken } from "../auth/tokens";
import { ACTIVE_SERVER_STATUSES, containerNameFor } from "./active-statuses";
import { resolveServerLimits } from "./server-limits";
import { isWeekReleased } from "./week-visibility";
import { gpuHoursUsedThisWeek } from "./gpu-hours";

export interface RequestServerStartOptions {
  username: string;
  course: string;
  week: number;
  gpu: "none" | "required" | "preferred";
  /** With gpu "preferred": start on the CPU variant when no GPU (or GPU-hours) is available. */
  cpuFallback?: boolean;
}

/**
 * Preflight + creation of a QUEUED server. Everything that would make the spawn fail is checked
 * here, in a few indexed queries, so the student hears why in well under a second instead of
 * after a timeout. The caller enqueues the spawn job with jobId = server.id.
 */
export async function requestServerStart(db: Db, opts: RequestServerStartOptions, now: Date = new Date()) {
  const user = await db.user.findUnique({ where: { username: opts.username }, select: { id: true, username: true, disabledAt: true } });
  if (!user || user.disabledAt) throw new AppError("not_found", `There is no user "${opts.username}".`);

  const course = await db.course.findUnique({ where: { slug: opts.course }, select: { id: true, title: true, archivedAt: true } });
  if (!course || course.archivedAt) throw new AppError("not_found", `There is no course "${opts.course}".`);

  const enrollment = await db.enrollment.findUnique({ where: { courseId_userId: { courseId: course.id, userId: user.id } } });
  if (!enrollment || enrollment.removedAt) {
    throw new AppError("not_enrolled", `You are not enrolled in ${course.title}. Ask your instructor to add you.`);
  }

  const week = await db.week.findUnique({ where: { courseId_number: { courseId: course.id, number: opts.week } }, include: { environment: true } });
  if (!week) throw new AppError("not_found", `${course.title} has no week ${opts.week}.`);
  if (!isWeekReleased(week, now)) throw new AppError("week_not_released", `Week ${opts.week} is not open yet. Your instructor releases it.`);

  const env = week.environment;
  if (!env) throw new AppError("environment_not_ready", `Week ${opts.week} has no environment yet. Your instructor chooses one.`);
  if (!env.publishedImage) {
    throw new AppError("environment_not_ready", `The "${env.title}" environment is still being prepared. Try again in a few minutes.`);
  }

  const active = await db.server.findFirst({ where: { userId: user.id, status: { in: ACTIVE_SERVER_STATUSES } }, select: { id: true, status: true } });
  if (active) throw new AppError("server_already_running", "Your server is already running or starting. Open it, or stop it first.", { serverId: active.id, status: active.status.toLowerCase() });

  const limits = await resolveServerLimits(db, { courseId: course.id, userId: user.id, environment: env });
  if (limits.maxServers < 1) throw new AppError("server_limit_reached", "Your course does not allow servers right now. Ask your instructor.");

  let gpuRequest: GpuRequest = opts.gpu === "required" ? "REQUIRED" : opts.gpu === "preferred" ? "PREFERRED" : "NONE";
  if (env.gpu === "REQUIRED" && gpuRequest === "NONE") gpuRequest = "REQUIRED";
  if (env.gpu === "NONE" && gpuRequest === "REQUIRED") {
    throw new AppError("validation_failed", `The "${env.title}" environment runs on CPU only; start it without a GPU.`);
  }
  if (env.gpu === "NONE") gpuRequest = "NONE";
  const cpuFallback = gpuRequest === "PREFERRED" && opts.cpuFallback === true;

  if (gpuRequest !== "NONE" && limits.gpuHoursPerWeek !== null) {
    const balance = await gpuHoursUsedThisWeek(db, { userId: user.id, courseId: course.id, now });
    const allowed = limits.gpuHoursPerWeek + balance.granted;
    if (balance.used >= allowed) {
      if (cpuFallback) gpuRequest = "NONE";
      else {
        throw new AppError("quota_exceeded", `You have used your ${allowed} GPU-hours for this week. Start on CPU, or ask an admin for more hours.`, {
          usedHours: balance.used,
          allowedHours: allowed,
        });
      }
    }
  }

  try {
    return await db.server.create({
      data: {
        userId: user.id,
        courseId: course.id,
        weekId: week.id,
        environmentId: env.id,
        image: env.publishedImage,
        status: "QUEUED",
        gpuRequest,
        cpuFallback,
        containerName: containerNameFor(user.username),
        token: newServerToken(),
        cpus: limits.cpus,
        memoryMb: limits.memoryMb,
        shmMb: limits.shmMb,
        diskMb: limits.diskMb,
        queuedAt: now,
      },
    });
  } catch (error) {
    // Two Start presses at once: the partial unique index lets exactly one through.
    if (isUniqueViolation(error)) throw new AppError("server_already_running", "Your server is already starting.");
    throw error;
  }
}
