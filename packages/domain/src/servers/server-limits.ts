import type { Db } from "@aula/db";

export interface ServerLimits {
  maxServers: number;
  cpus: number;
  memoryMb: number;
  shmMb: number;
  /** The student's disk (AULA_VOLUME_MODE=disk); null: the deployment's default size. */
  diskMb: number | null;
  gpuHoursPerWeek: number | null;
  idleTimeoutS: number;
  maxAgeS: number;
}

// Seed defaults (compose service): 4 CPUs, 8 GB; PyTorch's DataLoader needs far more than
// Docker's 64 MB of /dev/shm.
const FALLBACK = { maxServers: 1, idleTimeoutS: 3600, maxAgeS: 8 * 3600 };

/**
 * The limits that apply to one user in one course: the user's override, else the course
 * policy, else the environment's defaults.
 */
export async function resolveServerLimits(
  db: Db,
  opts: { courseId: string; userId: string; environment: { defaultCpus: number; defaultMemoryMb: number; defaultShmMb: number } },
): Promise<ServerLimits> {
  const [policy, override] = await Promise.all([
    db.quotaPolicy.findUnique({ where: { courseId: opts.courseId } }),
    db.quotaOverride.findUnique({ where: { courseId_userId: { courseId: opts.courseId, userId: opts.userId } } }),
  ]);
  return {
    maxServers: override?.maxServers ?? policy?.maxServers ?? FALLBACK.maxServers,
    cpus: override?.cpus ?? policy?.cpus ?? opts.environment.defaultCpus,
    memoryMb: override?.memoryMb ?? policy?.memoryMb ?? opts.environment.defaultMemoryMb,
    shmMb: opts.environment.defaultShmMb,
    diskMb: override?.diskMb ?? policy?.diskMb ?? null,
    gpuHoursPerWeek: override?.gpuHoursPerWeek ?? policy?.gpuHoursPerWeek ?? null,
    idleTimeoutS: override?.idleTimeoutS ?? policy?.idleTimeoutS ?? FALLBACK.idleTimeoutS,
    maxAgeS: override?.maxAgeS ?? policy?.maxAgeS ?? FALLBACK.maxAgeS,
  };
}
