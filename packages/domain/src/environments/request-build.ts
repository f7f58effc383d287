import { AppError } from "@aula/contracts";
import { BuildStatus, isUniqueViolation, type Db, type ImageBuildModel as ImageBuild } from "@aula/db";

/** What a build row holds until the worker has read the recipe folder and the daemon. */
export const UNPLANNED = { recipe: "auto", contentHash: "", imageTag: "" } as const;

export interface BuildPlan {
  recipe: string;
  contentHash: string;
  imageTag: string;
}

export interface RequestBuildOptions {
  db: Db;
  environmentName: string;
  requestedById?: string | null;
  /** Known up front when the caller already hashed the context (the CLI's in-process build). */
  plan?: BuildPlan;
}

export interface RequestBuildResult {
  build: ImageBuild;
  /** True when an active build already existed and the request joined it. */
  joined: boolean;
}

const ACTIVE = [BuildStatus.QUEUED, BuildStatus.RUNNING];

/**
 * Creates a QUEUED build, or joins the environment's active one. The partial unique index
 * "ImageBuild_one_active_per_environment" decides between concurrent requests; this code only
 * reads its verdict.
 */
export async function requestBuild({ db, environmentName, requestedById = null, plan }: RequestBuildOptions): Promise<RequestBuildResult> {
  const environment = await db.environment.findUnique({ where: { name: environmentName }, select: { id: true } });
  if (!environment) throw new AppError("not_found", `There is no environment named "${environmentName}".`);
  // A conflicting build can finish between our failed insert and the lookup; then insert again.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const build = await db.imageBuild.create({
        data: { environmentId: environment.id, status: BuildStatus.QUEUED, requestedById, ...(plan ?? UNPLANNED) },
      });
      return { build, joined: false };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const active = await db.imageBuild.findFirst({ where: { environmentId: environment.id, status: { in: ACTIVE } } });
    if (active) return { build: active, joined: true };
  }
  throw new AppError("conflict", `Builds of "${environmentName}" keep starting and finishing; request it again.`);
}
