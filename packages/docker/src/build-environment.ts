import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type Dockerode from "dockerode";
import { BuildStatus, type Db, type ImageBuildModel as ImageBuild } from "@aula/db";
import {
  ENVIRONMENT_BASE_PREFIX,
  ManifestError,
  completeBuild,
  createBuildLogWriter,
  failBuild,
  findGatePassedBuild,
  readEnvironmentDefinition,
  recordBuildPlan,
  requestBuild,
  startBuild,
  syncEnvironments,
  type BuildLogBatch,
} from "@aula/domain";
import { BuildContextError, SHARED_CONTEXT_DIR, contentHash, readBuildContext } from "./build-context";
import { LABEL_ENVIRONMENT } from "./container-spec";
import { imageExists } from "./docker-util";
import { ImageBuildError, buildImage } from "./image-builder";
import { OFFLINE_BASE_IMAGE, OfflineBaseError, ensureOfflineBase } from "./offline-base";
import { chooseRecipe, type RecipeChoice, type RecipePreference } from "./recipe";
import { SmokeTestError, smokeTest } from "./smoke-test";

export const LABEL_CONTENT_HASH = "aula.content-hash";
export const IMAGE_REPOSITORY_PREFIX = "aula-env/";

/** A failure that running the same build again would repeat: recorded as FAILED, not retried. */
export class PermanentBuildError extends Error {
  override name = "PermanentBuildError";
}

export interface RunImageBuildOptions {
  db: Db;
  docker: Dockerode;
  buildId: string;
  /** docker/environments */
  environmentsDir: string;
  /** Every log line as it is produced (the CLI prints them). */
  onLog?: (line: string) => void;
  /** Each batch of lines once stored in the build row (the worker publishes them). */
  onLogBatch?: (batch: BuildLogBatch) => Promise<void> | void;
  recipePreference?: RecipePreference;
  /** Decided once by the caller (a worker caches it); probed per build when absent. */
  recipeChoice?: RecipeChoice;
  readyTimeoutMs?: number;
}

export interface RunImageBuildResult {
  status: "SUCCEEDED" | "UNCHANGED" | "FAILED" | "ALREADY_FINISHED";
  build: ImageBuild;
  published: boolean;
  error?: string;
}

const PERMANENT = [PermanentBuildError, ManifestError, BuildContextError, ImageBuildError, SmokeTestError, OfflineBaseError];

function isPermanent(error: unknown): boolean {
  return PERMANENT.some((cls) => error instanceof cls);
}

export function imageTagFor(name: string, hash: string): string {
  return `${IMAGE_REPOSITORY_PREFIX}${name}:${hash.slice(0, 12)}`;
}

async function resolveBase(db: Db, docker: Dockerode, ref: string, log: (l: string) => void): Promise<{ ref: string; id: string }> {
  if (ref.startsWith(ENVIRONMENT_BASE_PREFIX)) {
    const name = ref.slice(ENVIRONMENT_BASE_PREFIX.length);
    const env = await db.environment.findUnique({ where: { name } });
    if (!env?.publishedImage || !env.publishedImageId) {
      throw new PermanentBuildError(`this recipe builds on the "${name}" environment, which has no published image yet; build "${name}" first`);
    }
    const image = await imageExists(docker, env.publishedImage);
    if (!image || image.Id !== env.publishedImageId) {
      throw new PermanentBuildError(`the published image of "${name}" (${env.publishedImage}) is missing from this daemon; build "${name}" again first`);
    }
    log(`==> Base: ${env.publishedImage} (published image of "${name}")`);
    return { ref: env.publishedImage, id: image.Id };
  }
  if (ref === OFFLINE_BASE_IMAGE) {
    const base = await ensureOfflineBase({ docker, onProgress: (line) => log(`base: ${line}`) });
    return { ref, id: base.imageId };
  }
  const image = await imageExists(docker, ref);
  log(`==> Base: ${ref}${image ? ` (${image.Id.slice(7, 19)})` : " (not present; the daemon pulls it)"}`);
  // Unpulled bases hash by name: the build pulls them, and a later build hashes by id.
  return { ref, id: image?.Id ?? `unresolved:${ref}` };
}

/**
 * Runs one ImageBuild row to its end: plan (recipe, context hash, tag), skip when the same tag
 * already passed the gate, build, gate, publish. Permanent failures end as FAILED and are
 * returned; anything else (daemon or database unreachable) is thrown with the build left
 * RUNNING for a retry, since running it again may succeed.
 */
export async function runImageBuild(opts: RunImageBuildOptions): Promise<RunImageBuildResult> {
  const { db, docker, buildId } = opts;
  const started = Date.now();
  const state = await startBuild(db, buildId);
  if (!state) {
    const build = await db.imageBuild.findUniqueOrThrow({ where: { id: buildId } });
    return { status: "ALREADY_FINISHED", build, published: false };
  }
  const { build, restarted } = state;
  const writer = await createBuildLogWriter({ db, buildId, onFlushed: opts.onLogBatch });
  const log = (line: string) => {
    writer.write(line);
    opts.onLog?.(line);
  };
  const name = build.environment.name;
  let cachedSteps: number | null = null;
  let totalSteps: number | null = null;
  try {
    if (restarted) log("==> The worker restarted this build after an interruption; starting over (Docker's cache keeps finished steps).");
    const def = await readEnvironmentDefinition(opts.environmentsDir, name);
    const choice =
      opts.recipeChoice ?? (await chooseRecipe({ docker, onlineBase: def.manifest.recipes.online.base, prefer: opts.recipePreference ?? "auto" }));
    const recipeName = choice.recipe;
    const recipe = def.manifest.recipes[recipeName];
    log(`==> Recipe: ${recipeName} (${recipe.dockerfile}): ${choice.reason}`);

    const base = await resolveBase(db, docker, recipe.base, log);
    const other = def.manifest.recipes[recipeName === "online" ? "offline" : "online"].dockerfile;
    const context = await readBuildContext({
      dir: def.dir,
      dockerfile: recipe.dockerfile,
      exclude: other === recipe.dockerfile ? [] : [other],
      sharedDir: path.join(opts.environmentsDir, SHARED_CONTEXT_DIR),
    });
    const hash = contentHash({ recipe: recipeName, files: context.files, baseImageIds: [base.id] });
    const tag = imageTagFor(name, hash);
    await recordBuildPlan(db, buildId, { recipe: recipeName, contentHash: hash, imageTag: tag });
    log(`==> Context: ${context.files.length} files, content hash ${hash.slice(0, 12)}, tag ${tag}`);

    const existing = await imageExists(docker, tag);
    const passed = existing ? await findGatePassedBuild(db, build.environmentId, tag) : null;
    if (existing && passed && passed.imageId === existing.Id) {
      log(`==> ${tag} already exists and passed the smoke test in build ${passed.id}; nothing changed, so nothing is built.`);
      await writer.flush();
      const { published } = await completeBuild(db, buildId, BuildStatus.UNCHANGED, {
        imageId: existing.Id,
        sizeBytes: existing.Size,
        layerCount: existing.RootFS?.Layers?.length ?? 0,
        durationMs: Date.now() - started,
        cachedSteps: passed.totalSteps,
        totalSteps: passed.totalSteps,
      });
      log(published ? `==> Published ${tag} as the "${name}" image again.` : `==> ${tag} stays the published "${name}" image.`);
      await writer.flush();
      return { status: "UNCHANGED", build: await db.imageBuild.findUniqueOrThrow({ where: { id: buildId } }), published };
    }

    log(`==> Building ${tag}`);
    const built = await buildImage({
      docker,
      context,
      tag,
      labels: { [LABEL_ENVIRONMENT]: name, [LABEL_CONTENT_HASH]: hash },
      buildArgs: { BASE_IMAGE: base.ref },
      onLine: log,
    });
    cachedSteps = built.cachedSteps;
    totalSteps = built.totalSteps;
    const mb = Math.round(built.sizeBytes / 1e6);
    const target = def.manifest.targetSizeMb;
    log(`==> Built ${built.imageId.slice(7, 19)}: ${mb} MB${target ? ` (target ${target} MB)` : ""}, ${built.layerCount} layers, ${built.cachedSteps}/${built.totalSteps} steps from cache`);
    await db.imageBuild.update({ where: { id: buildId }, data: { imageId: built.imageId, sizeBytes: BigInt(built.sizeBytes), layerCount: built.layerCount, cachedSteps, totalSteps } });

    log(`==> Smoke test: starting ${tag} as a student server`);
    const smoke = await smokeTest({
      docker,
      image: tag,
      environment: name,
      check: def.manifest.check.python,
      checkTimeoutMs: def.manifest.check.timeoutS * 1000,
      readyTimeoutMs: opts.readyTimeoutMs,
      onLog: log,
    });
    await writer.flush();
    const { published } = await completeBuild(db, buildId, BuildStatus.SUCCEEDED, {
      imageId: built.imageId,
      sizeBytes: built.sizeBytes,
      layerCount: built.layerCount,
      durationMs: Date.now() - started,
      cachedSteps,
      totalSteps,
    });
    log(`==> Smoke test passed (Jupyter ready in ${smoke.readyMs} ms). Published ${tag} as the "${name}" image.`);
    await writer.flush();
    return { status: "SUCCEEDED", build: await db.imageBuild.findUniqueOrThrow({ where: { id: buildId } }), published };
  } catch (error) {
    if (!isPermanent(error)) {
      log(`==> Interrupted by an error that may pass: ${(error as Error).message}`);
      await writer.flush().catch(() => {});
      throw error;
    }
    const message = (error as Error).message;
    log(`==> FAILED: ${message}`);
    log(`==> The published "${name}" image was not changed.`);
    await writer.flush();
    await failBuild(db, buildId, message, { durationMs: Date.now() - started, cachedSteps, totalSteps });
    return { status: "FAILED", build: await db.imageBuild.findUniqueOrThrow({ where: { id: buildId } }), published: false, error: message };
  }
}

export interface BuildEnvironmentOptions extends Omit<RunImageBuildOptions, "buildId"> {
  name: string;
  requestedById?: string | null;
  /** How often to look at a build that another process is running. */
  pollMs?: number;
}

/**
 * Builds, gates and publishes one environment in this process, for `./aula up` and
 * `./aula build`: syncs the manifests, requests a build (joining an active one), and runs it.
 * A build that a worker is already running is waited for instead of run twice.
 */
export async function buildEnvironment(opts: BuildEnvironmentOptions): Promise<RunImageBuildResult> {
  const { db, name } = opts;
  await syncEnvironments({ db, environmentsDir: opts.environmentsDir });
  const { build, joined } = await requestBuild({ db, environmentName: name, requestedById: opts.requestedById ?? null });
  if (joined && build.status === BuildStatus.RUNNING) {
    opts.onLog?.(`==> Build ${build.id} of "${name}" is already running in a worker; waiting for it.`);
    for (;;) {
      await sleep(opts.pollMs ?? 2000);
      const now = await db.imageBuild.findUniqueOrThrow({ where: { id: build.id } });
      if (now.status !== BuildStatus.RUNNING && now.status !== BuildStatus.QUEUED) {
        return { status: now.status as RunImageBuildResult["status"], build: now, published: false, error: now.error ?? undefined };
      }
    }
  }
  return runImageBuild({ ...opts, buildId: build.id });
}
