import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";
import { jobNames, queueNames } from "../names";

export const SpawnPayload = z.object({ serverId: z.string().uuid() });
export type SpawnPayload = z.infer<typeof SpawnPayload>;
export const StopPayload = z.object({ serverId: z.string().uuid() });
export type StopPayload = z.infer<typeof StopPayload>;

export type SpawnQueue = Queue<SpawnPayload, void, typeof jobNames.spawn>;
export type StopQueue = Queue<StopPayload, void, typeof jobNames.stop>;

const retention = {
  removeOnComplete: { count: 1000, age: 7 * 24 * 3600 },
  removeOnFail: { count: 1000, age: 30 * 24 * 3600 },
};

// Spawn failures are told to the student, not retried behind their back: a retry would hide a
// broken image for minutes. Only a worker crash (stalled job) re-runs the spawn, and the handler
// is idempotent for that.
export const spawnJobOptions: JobsOptions = { attempts: 1, ...retention };
// Stops must happen: a GPU is held until they do.
export const stopJobOptions: JobsOptions = { attempts: 10, backoff: { type: "exponential", delay: 2_000 }, ...retention };

export function createSpawnQueue(connection: ConnectionOptions, prefix: string): SpawnQueue {
  return new Queue<SpawnPayload, void, typeof jobNames.spawn>(queueNames.spawns, { connection, prefix, defaultJobOptions: spawnJobOptions });
}

export function createStopQueue(connection: ConnectionOptions, prefix: string): StopQueue {
  return new Queue<StopPayload, void, typeof jobNames.stop>(queueNames.stops, { connection, prefix, defaultJobOptions: stopJobOptions });
}

/** jobId = server id: a repeated enqueue (api retry, reconciler) adds nothing. */
export async function enqueueSpawn(queue: SpawnQueue, payload: SpawnPayload): Promise<void> {
  const data = SpawnPayload.parse(payload);
  await queue.add(jobNames.spawn, data, { ...spawnJobOptions, jobId: data.serverId });
}

export async function enqueueStop(queue: StopQueue, payload: StopPayload): Promise<void> {
  const data = StopPayload.parse(payload);
  await queue.add(jobNames.stop, data, { ...stopJobOptions, jobId: `stop-${data.serverId}` });
}
