import { randomUUID } from "node:crypto";
import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { z } from "zod";
import { jobNames, queueNames } from "../names";

// The seed's cleanup commands as admin actions. The BullMQ job is the record: its data says what
// was asked and by whom, its return value what was freed.

export const maintenanceActions = ["prune-build-cache", "remove-unused-images"] as const;
export const MaintenanceAction = z.enum(maintenanceActions);
export type MaintenanceAction = z.infer<typeof MaintenanceAction>;

export const MaintenancePayload = z.object({ action: MaintenanceAction, requestedById: z.uuid().nullable() });
export type MaintenancePayload = z.infer<typeof MaintenancePayload>;

export const MaintenanceJobResult = z.object({
  spaceFreedBytes: z.number(),
  removed: z.array(z.string()),
  kept: z.array(z.object({ image: z.string(), reason: z.string() })),
});
export type MaintenanceJobResult = z.infer<typeof MaintenanceJobResult>;

export type MaintenanceQueue = Queue<MaintenancePayload, MaintenanceJobResult, typeof jobNames.maintenance>;

export const maintenanceJobOptions: JobsOptions = { attempts: 1, removeOnComplete: { count: 100, age: 30 * 24 * 3600 }, removeOnFail: { count: 100, age: 30 * 24 * 3600 } };

export function createMaintenanceQueue(connection: ConnectionOptions, prefix: string): MaintenanceQueue {
  return new Queue<MaintenancePayload, MaintenanceJobResult, typeof jobNames.maintenance>(queueNames.maintenance, { connection, prefix, defaultJobOptions: maintenanceJobOptions });
}

export async function enqueueMaintenance(queue: MaintenanceQueue, payload: MaintenancePayload): Promise<string> {
  const data = MaintenancePayload.parse(payload);
  const id = randomUUID();
  await queue.add(jobNames.maintenance, data, { ...maintenanceJobOptions, jobId: id });
  return id;
}
