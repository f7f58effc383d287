import type { BuildView, EnvironmentView } from "@aula/contracts";
import type { Db, EnvironmentModel, ImageBuildModel } from "@aula/db";
import { UNPLANNED } from "./request-build";

type BuildRow = ImageBuildModel & { environment: { name: string }; requestedBy: { username: string } | null };
const buildInclude = { environment: { select: { name: true } }, requestedBy: { select: { username: true } } } as const;

const mb = (bytes: bigint | null | undefined) => (bytes === null || bytes === undefined ? null : Math.round(Number(bytes) / 1e5) / 10);
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function buildView(b: BuildRow): BuildView {
  return {
    id: b.id,
    environment: b.environment.name,
    status: b.status.toLowerCase() as BuildView["status"],
    recipe: b.recipe === UNPLANNED.recipe ? null : b.recipe,
    contentHash: b.contentHash || null,
    imageTag: b.imageTag || null,
    imageId: b.imageId,
    sizeBytes: b.sizeBytes === null ? null : Number(b.sizeBytes),
    sizeMb: mb(b.sizeBytes),
    layerCount: b.layerCount,
    durationMs: b.durationMs,
    cachedSteps: b.cachedSteps,
    totalSteps: b.totalSteps,
    error: b.error,
    requestedBy: b.requestedBy?.username ?? null,
    createdAt: b.createdAt.toISOString(),
    startedAt: iso(b.startedAt),
    finishedAt: iso(b.finishedAt),
    logsUrl: `/api/v1/builds/${b.id}/logs`,
  };
}

export function environmentView(env: EnvironmentModel, lastBuild: BuildRow | null, publishedBuild: { sizeBytes: bigint | null } | null): EnvironmentView {
  const sizeMb = mb(publishedBuild?.sizeBytes);
  return {
    name: env.name,
    title: env.title,
    stage: env.stage,
    weeks: env.weeksLabel,
    gpu: env.gpu.toLowerCase() as EnvironmentView["gpu"],
    gpuShare: env.gpuShare,
    defaults: { cpus: env.defaultCpus, memoryMb: env.defaultMemoryMb, shmMb: env.defaultShmMb },
    recipe: env.recipe,
    published: env.publishedImage
      ? { image: env.publishedImage, imageId: env.publishedImageId, buildId: env.publishedBuildId, at: iso(env.publishedAt), sizeMb }
      : null,
    targetSizeMb: env.targetSizeMb,
    withinTarget: sizeMb !== null && env.targetSizeMb !== null && env.publishedImage ? sizeMb <= env.targetSizeMb : null,
    lastBuild: lastBuild ? buildView(lastBuild) : null,
  };
}

async function viewsOf(db: Db, envs: EnvironmentModel[]): Promise<EnvironmentView[]> {
  const out: EnvironmentView[] = [];
  for (const env of envs) {
    const [last, published] = await Promise.all([
      db.imageBuild.findFirst({ where: { environmentId: env.id }, orderBy: { createdAt: "desc" }, include: buildInclude }),
      env.publishedBuildId ? db.imageBuild.findUnique({ where: { id: env.publishedBuildId }, select: { sizeBytes: true } }) : null,
    ]);
    out.push(environmentView(env, last, published));
  }
  return out;
}

export async function listEnvironmentViews(db: Db): Promise<EnvironmentView[]> {
  return viewsOf(db, await db.environment.findMany({ orderBy: { name: "asc" } }));
}

export async function findEnvironmentView(db: Db, name: string): Promise<EnvironmentView | null> {
  const env = await db.environment.findUnique({ where: { name } });
  return env ? ((await viewsOf(db, [env]))[0] ?? null) : null;
}

export async function findBuildView(db: Db, id: string): Promise<BuildView | null> {
  const row = await db.imageBuild.findUnique({ where: { id }, include: buildInclude });
  return row ? buildView(row) : null;
}
