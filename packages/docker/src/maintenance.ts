import type Dockerode from "dockerode";
import { IMAGE_REPOSITORY_PREFIX } from "./build-environment";

export interface MaintenanceResult {
  spaceFreedBytes: number;
  removed: string[];
  /** Images left in place, with why: published, or used by a container. */
  kept: { image: string; reason: string }[];
}

/** The seed's `docker builder prune`: Docker's build cache, never an image. */
export async function pruneBuildCache(docker: Dockerode): Promise<MaintenanceResult> {
  const result = (await docker.pruneBuilder()) as { SpaceReclaimed?: number };
  return { spaceFreedBytes: result.SpaceReclaimed ?? 0, removed: [], kept: [] };
}

/**
 * The seed's `docker image prune -a`, limited to environment images (`aula-env/*`): removes
 * every one that is neither published nor used by any container (running or stopped). The
 * published image of every environment and every image under a student's server stay.
 */
export async function removeUnusedEnvironmentImages(
  docker: Dockerode,
  opts: { published: { image: string | null; imageId: string | null }[]; /** Narrower reference pattern (tests). */ reference?: string },
): Promise<MaintenanceResult> {
  const publishedIds = new Set(opts.published.flatMap((p) => (p.imageId ? [p.imageId] : [])));
  const publishedTags = new Set(opts.published.flatMap((p) => (p.image ? [p.image] : [])));
  const containers = await docker.listContainers({ all: true });
  const inUse = new Set(containers.map((c) => c.ImageID));
  const images = await docker.listImages({ filters: { reference: [opts.reference ?? `${IMAGE_REPOSITORY_PREFIX}*`] } });
  const result: MaintenanceResult = { spaceFreedBytes: 0, removed: [], kept: [] };
  for (const image of images) {
    const tags = image.RepoTags ?? [];
    const name = tags[0] ?? image.Id;
    if (publishedIds.has(image.Id) || tags.some((t) => publishedTags.has(t))) {
      result.kept.push({ image: name, reason: "published" });
      continue;
    }
    if (inUse.has(image.Id)) {
      result.kept.push({ image: name, reason: "used by a container" });
      continue;
    }
    try {
      for (const tag of tags) await docker.getImage(tag).remove();
      result.removed.push(...tags);
      // Shared layers may stay; Size is what `docker images` shows, an upper bound of the freed space.
      result.spaceFreedBytes += image.Size;
    } catch (error) {
      result.kept.push({ image: name, reason: `Docker refused: ${(error as Error).message}` });
    }
  }
  return result;
}
