import type Dockerode from "dockerode";
import { UnrecoverableError, type Job, type Processor } from "bullmq";
import type { Redis } from "ioredis";
import { BuildStatus, type Db } from "@aula/db";
import { failBuild, listActiveBuilds } from "@aula/domain";
import { runImageBuild, type RecipePreference } from "@aula/docker";
import { ImageBuildPayload, buildLogChannel, enqueueImageBuild, type BuildLogMessage, type ImageBuildQueue } from "@aula/queue";
import type { Logger } from "../log";

export interface ImageBuildDeps {
  db: Db;
  docker: Dockerode;
  /** A producer connection: PUBLISH of log lines. */
  publisher: Redis;
  prefix: string;
  environmentsDir: string;
  recipePreference: RecipePreference;
  log: Logger;
}

export const WORKER_STOPPED_MESSAGE = "The worker stopped during the build; request it again.";

async function publish(deps: ImageBuildDeps, buildId: string, message: BuildLogMessage): Promise<void> {
  // Live streaming is best effort: the stored log in the build row is the record.
  await deps.publisher.publish(buildLogChannel(deps.prefix, buildId), JSON.stringify(message)).catch((err: unknown) => {
    deps.log.warn("could not publish build log", { buildId, err });
  });
}

export function createImageBuildProcessor(deps: ImageBuildDeps): Processor<ImageBuildPayload> {
  return async (job: Job<ImageBuildPayload>) => {
    const parsed = ImageBuildPayload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid image-build payload: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
    const { buildId } = parsed.data;
    const log = deps.log;
    try {
      const result = await runImageBuild({
        db: deps.db,
        docker: deps.docker,
        buildId,
        environmentsDir: deps.environmentsDir,
        recipePreference: deps.recipePreference,
        onLogBatch: (batch) => publish(deps, buildId, { type: "lines", seq: batch.seq, lines: batch.lines }),
      });
      if (result.status === "ALREADY_FINISHED") {
        log.info("build already finished; nothing to do", { buildId, status: result.build.status });
        await publish(deps, buildId, { type: "end", status: result.build.status });
        return;
      }
      await publish(deps, buildId, { type: "end", status: result.status });
      log.info("build finished", { buildId, status: result.status, image: result.build.imageTag, published: result.published });
      if (result.status === "FAILED") throw new UnrecoverableError(result.error ?? "build failed");
    } catch (error) {
      if (error instanceof UnrecoverableError) throw error;
      const attempts = job.opts.attempts ?? 1;
      log.warn("build interrupted", { buildId, attempt: job.attemptsMade + 1, attempts, err: error });
      if (job.attemptsMade + 1 >= attempts) {
        await failBuild(deps.db, buildId, `The build could not run: ${(error as Error).message}`);
        await publish(deps, buildId, { type: "end", status: BuildStatus.FAILED });
      }
      throw error;
    }
  };
}

/** Called from the worker's `failed` event: a job that BullMQ gave up on ends its build. */
export async function onImageBuildJobFailed(deps: ImageBuildDeps, job: Job<ImageBuildPayload> | undefined, error: Error): Promise<void> {
  const buildId = job?.data?.buildId;
  if (!buildId || typeof buildId !== "string") return;
  const willRetry = error.name !== "UnrecoverableError" && job.attemptsMade < (job.opts.attempts ?? 1);
  if (willRetry) return;
  // A stalled job past maxStalledCount lands here without the processor having run to its end.
  if (await failBuild(deps.db, buildId, /stalled/i.test(error.message) ? WORKER_STOPPED_MESSAGE : error.message)) {
    await publish(deps, buildId, { type: "end", status: BuildStatus.FAILED });
  }
}

const LIVE_STATES = new Set(["active", "waiting", "waiting-children", "delayed", "prioritized"]);

/**
 * At worker start: no build may stay QUEUED or RUNNING without a job that will finish it. A
 * QUEUED build whose job is gone (Redis flushed, enqueue failed after the row was written) is
 * enqueued again; a RUNNING one whose job is gone or finished is FAILED, because its worker
 * stopped mid-build. A job still "active" belongs to BullMQ's stalled-job check, which hands it
 * back to a worker once its lock expires, and the build then starts over.
 */
export async function recoverImageBuilds(deps: Pick<ImageBuildDeps, "db" | "log" | "publisher" | "prefix">, queue: ImageBuildQueue): Promise<{ requeued: string[]; failed: string[] }> {
  const out = { requeued: [] as string[], failed: [] as string[] };
  for (const build of await listActiveBuilds(deps.db)) {
    const job = await queue.getJob(build.id);
    const state = job ? await job.getState() : "missing";
    if (LIVE_STATES.has(state)) continue;
    if (build.status === BuildStatus.QUEUED) {
      if (job) await job.remove().catch(() => {});
      await enqueueImageBuild(queue, { buildId: build.id });
      out.requeued.push(build.id);
    } else if (await failBuild(deps.db, build.id, WORKER_STOPPED_MESSAGE)) {
      await deps.publisher.publish(buildLogChannel(deps.prefix, build.id), JSON.stringify({ type: "end", status: BuildStatus.FAILED } satisfies BuildLogMessage)).catch(() => {});
      out.failed.push(build.id);
    }
  }
  if (out.requeued.length || out.failed.length) deps.log.warn("recovered image builds", out);
  return out;
}
