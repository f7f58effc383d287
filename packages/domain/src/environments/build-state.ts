import { BuildStatus, Prisma, type Db, type EnvironmentModel as Environment, type ImageBuildModel as ImageBuild } from "@aula/db";
import type { BuildPlan } from "./request-build";

// State changes of an image build, each guarded by the status it expects, so a late or repeated
// call (a retried job, a worker that was presumed dead) cannot overwrite a finished build.

const ACTIVE = [BuildStatus.QUEUED, BuildStatus.RUNNING];

export type BuildWithEnvironment = ImageBuild & { environment: Environment };

/** Marks the build RUNNING; null when it already finished (the job ran twice). */
export async function startBuild(db: Db, buildId: string): Promise<{ build: BuildWithEnvironment; restarted: boolean } | null> {
  const before = await db.imageBuild.findUnique({ where: { id: buildId }, select: { status: true } });
  if (!before || !ACTIVE.includes(before.status as (typeof ACTIVE)[number])) return null;
  const { count } = await db.imageBuild.updateMany({
    where: { id: buildId, status: { in: ACTIVE } },
    data: { status: BuildStatus.RUNNING, startedAt: new Date(), error: null },
  });
  if (count === 0) return null;
  const build = await db.imageBuild.findUniqueOrThrow({ where: { id: buildId }, include: { environment: true } });
  return { build, restarted: before.status === BuildStatus.RUNNING };
}

export async function recordBuildPlan(db: Db, buildId: string, plan: BuildPlan): Promise<void> {
  await db.imageBuild.updateMany({ where: { id: buildId, status: { in: ACTIVE } }, data: plan });
}

/** The newest build of this environment that produced `imageTag` and passed the gate. */
export async function findGatePassedBuild(db: Db, environmentId: string, imageTag: string): Promise<ImageBuild | null> {
  return db.imageBuild.findFirst({
    where: { environmentId, imageTag, status: { in: [BuildStatus.SUCCEEDED, BuildStatus.UNCHANGED] }, imageId: { not: null } },
    orderBy: { createdAt: "desc" },
  });
}

export interface BuildOutcome {
  imageId: string;
  sizeBytes: number | bigint;
  layerCount: number;
  durationMs: number;
  cachedSteps?: number | null;
  totalSteps?: number | null;
}

/**
 * SUCCEEDED or UNCHANGED, and the image published, in one transaction: the environment never
 * points at an image whose build is not recorded as passed. An UNCHANGED build that finds its
 * image already published leaves the environment as it is.
 */
export async function completeBuild(
  db: Db,
  buildId: string,
  status: typeof BuildStatus.SUCCEEDED | typeof BuildStatus.UNCHANGED,
  outcome: BuildOutcome,
): Promise<{ published: boolean }> {
  return db.$transaction(async (tx) => {
    const build = await tx.imageBuild.findUniqueOrThrow({ where: { id: buildId } });
    const { count } = await tx.imageBuild.updateMany({
      where: { id: buildId, status: BuildStatus.RUNNING },
      data: {
        status,
        imageId: outcome.imageId,
        sizeBytes: BigInt(outcome.sizeBytes),
        layerCount: outcome.layerCount,
        durationMs: Math.round(outcome.durationMs),
        cachedSteps: outcome.cachedSteps ?? null,
        totalSteps: outcome.totalSteps ?? null,
        finishedAt: new Date(),
        error: null,
      },
    });
    if (count === 0) throw new Error(`build ${buildId} is no longer running; its result was not recorded`);
    const env = await tx.environment.findUniqueOrThrow({ where: { id: build.environmentId } });
    if (env.publishedImage === build.imageTag && env.publishedImageId === outcome.imageId && env.recipe === build.recipe) {
      return { published: false };
    }
    await tx.environment.update({
      where: { id: env.id },
      data: { publishedImage: build.imageTag, publishedImageId: outcome.imageId, publishedBuildId: build.id, publishedAt: new Date(), recipe: build.recipe },
    });
    return { published: true };
  });
}

/** FAILED with a readable error; the environment's published image is not touched. */
export async function failBuild(db: Db, buildId: string, error: string, extra: Partial<Pick<ImageBuild, "durationMs" | "cachedSteps" | "totalSteps" | "imageId">> = {}): Promise<boolean> {
  const { count } = await db.imageBuild.updateMany({
    where: { id: buildId, status: { in: ACTIVE } },
    data: { status: BuildStatus.FAILED, error: error.slice(0, 4000), finishedAt: new Date(), ...extra },
  });
  return count > 0;
}

/** Appends text to the stored log in the database, without reading it back. */
export async function appendBuildLog(db: Db, buildId: string, text: string): Promise<void> {
  if (!text) return;
  await db.$executeRaw(Prisma.sql`UPDATE "ImageBuild" SET "log" = "log" || ${text} WHERE "id" = ${buildId}::uuid`);
}

/** How many complete lines the stored log holds (each stored line ends with "\n"). */
export async function countBuildLogLines(db: Db, buildId: string): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>(
    Prisma.sql`SELECT (length("log") - length(replace("log", E'\n', '')))::int AS n FROM "ImageBuild" WHERE "id" = ${buildId}::uuid`,
  );
  return rows[0]?.n ?? 0;
}

/** Builds that are QUEUED or RUNNING, oldest first (for the worker's recovery at start). */
export async function listActiveBuilds(db: Db): Promise<ImageBuild[]> {
  return db.imageBuild.findMany({ where: { status: { in: ACTIVE } }, orderBy: { createdAt: "asc" } });
}
