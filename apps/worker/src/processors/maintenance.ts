import type Docker from "dockerode";
import type { Job } from "bullmq";
import type { Db } from "@aula/db";
import { recordAudit } from "@aula/domain";
import { pruneBuildCache, removeUnusedEnvironmentImages } from "@aula/docker";
import { MaintenancePayload, type MaintenanceJobResult } from "@aula/queue";

/** Runs an admin's cleanup; published images and images under any container are never removed. */
export function createMaintenanceProcessor(deps: { db: Db; docker: Docker }) {
  return async (job: Job<MaintenancePayload>): Promise<MaintenanceJobResult> => {
    const { action, requestedById } = MaintenancePayload.parse(job.data);
    let result: MaintenanceJobResult;
    if (action === "prune-build-cache") {
      result = await pruneBuildCache(deps.docker);
    } else {
      const published = await deps.db.environment.findMany({ select: { publishedImage: true, publishedImageId: true } });
      result = await removeUnusedEnvironmentImages(deps.docker, { published: published.map((p) => ({ image: p.publishedImage, imageId: p.publishedImageId })) });
    }
    await recordAudit(deps.db, {
      actorId: requestedById,
      action: `maintenance.${action}`,
      targetType: "docker",
      targetId: job.id ?? null,
      data: { spaceFreedBytes: result.spaceFreedBytes, removed: result.removed },
      ip: null,
    });
    return result;
  };
}
