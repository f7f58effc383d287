import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";
import { jobNames, queueNames } from "../names";

// Collecting students' work into one archive. The BullMQ job is the record of a collection: its
// data says what to collect, its return value (CollectResult) what was collected, its state
// whether it is done; the archive itself lies at `<AULA_DATA_DIR>/collections/<course>/<id>.tar.gz`.

export const CollectPayload = z.object({
  collectionId: z.uuid(),
  courseId: z.uuid(),
  courseSlug: z.string().min(1).max(64),
  scope: z.enum(["practicas", "proyecto"]),
  /** Required with "practicas". */
  week: z.number().int().min(1).max(104).nullable(),
  requestedById: z.uuid().nullable(),
  requestedAt: z.iso.datetime(),
});
export type CollectPayload = z.infer<typeof CollectPayload>;

export const CollectResult = z.object({
  file: z.string(),
  students: z.number().int(),
  files: z.number().int(),
  bytes: z.number().int(),
  missing: z.array(z.object({ username: z.string(), reason: z.string() })),
  finishedAt: z.iso.datetime(),
});
export type CollectResult = z.infer<typeof CollectResult>;

export type CollectQueue = Queue<CollectPayload, CollectResult, typeof jobNames.collect>;

// Kept a week: instructors download soon after asking; the archives are removed with the job by
// the worker's sweep.
export const COLLECTION_RETENTION_S = 7 * 24 * 3600;

export const collectJobOptions: JobsOptions = {
  // Docker hiccups retry; a course without students or images fails at once (UnrecoverableError).
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: COLLECTION_RETENTION_S, count: 1000 },
  removeOnFail: { age: COLLECTION_RETENTION_S, count: 1000 },
};

export function createCollectQueue(connection: ConnectionOptions, prefix: string): CollectQueue {
  return new Queue<CollectPayload, CollectResult, typeof jobNames.collect>(queueNames.collections, { connection, prefix, defaultJobOptions: collectJobOptions });
}

/** jobId = collection id: a repeated enqueue adds nothing. */
export async function enqueueCollect(queue: CollectQueue, payload: CollectPayload): Promise<void> {
  const data = CollectPayload.parse(payload);
  await queue.add(jobNames.collect, data, { ...collectJobOptions, jobId: data.collectionId });
}
