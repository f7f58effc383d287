import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";
import { jobNames, queueNames } from "../names";

export const ImageBuildPayload = z.object({ buildId: z.string().uuid() });
export type ImageBuildPayload = z.infer<typeof ImageBuildPayload>;

export type ImageBuildQueue = Queue<ImageBuildPayload, void, typeof jobNames.imageBuild>;

export const imageBuildJobOptions: JobsOptions = {
  // Transient failures (daemon restarting, database blip) retry; permanent ones (a failing
  // Dockerfile, a failing smoke check) throw UnrecoverableError and stop at the first attempt.
  attempts: 3,
  backoff: { type: "exponential", delay: 10_000 },
  removeOnComplete: { count: 200, age: 30 * 24 * 3600 },
  removeOnFail: { count: 500, age: 90 * 24 * 3600 },
};

export function createImageBuildQueue(connection: ConnectionOptions, prefix: string): ImageBuildQueue {
  return new Queue<ImageBuildPayload, void, typeof jobNames.imageBuild>(queueNames.imageBuilds, {
    connection,
    prefix,
    defaultJobOptions: imageBuildJobOptions,
  });
}

/**
 * Enqueues the build with jobId = buildId: a request that joins an active build, or a repeated
 * enqueue after a crash, adds nothing new.
 */
export async function enqueueImageBuild(queue: ImageBuildQueue, payload: ImageBuildPayload): Promise<void> {
  const data = ImageBuildPayload.parse(payload);
  await queue.add(jobNames.imageBuild, data, { ...imageBuildJobOptions, jobId: data.buildId });
}
