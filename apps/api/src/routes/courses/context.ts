import { AppError } from "@aula/contracts";
import { requireManagedCourse, type CourseActor, type ManagedCourse } from "@aula/domain";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { principalOf } from "../../plugins/app/auth";

/** The caller as the course permission sees it. */
export function actorOf(request: FastifyRequest): CourseActor & { username: string } {
  const p = principalOf(request);
  return { userId: p.userId, role: p.role, username: p.username };
}

/** The course in the path, when the caller is one of its instructors or an admin (canManageCourse). */
export function managedCourse(app: FastifyInstance, request: FastifyRequest, slug: string): Promise<ManagedCourse> {
  return requireManagedCourse(app.db, actorOf(request), slug);
}

/** AULA_DATA_DIR; a deployment without it cannot store materials, and says so. */
export function dataDirOf(app: FastifyInstance): string {
  const dir = app.config.dataDir;
  if (!dir) throw new AppError("service_unavailable", "This installation has no data folder (AULA_DATA_DIR) configured, so course files cannot be stored.");
  return dir;
}

export const DEFAULT_MATERIAL_MAX_BYTES = 200 * 1024 * 1024;

export function materialMaxBytes(app: FastifyInstance): number {
  return app.config.materialMaxBytes ?? DEFAULT_MATERIAL_MAX_BYTES;
}
