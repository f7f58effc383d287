import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";

/**
 * Marks the user's active server STOPPING with a reason the student will see; the caller
 * enqueues the stop job (jobId "stop-<server id>"). A QUEUED server that never started is
 * stopped right here: there is no container to remove.
 */
export async function requestServerStop(db: Db, opts: { username: string; reason: string }, now: Date = new Date()) {
  const server = await db.server.findFirst({
    where: { user: { username: opts.username }, status: { in: ["QUEUED", "STARTING", "RUNNING", "STOPPING"] } },
    orderBy: { createdAt: "desc" },
  });
  if (!server) throw new AppError("not_found", "You have no running server to stop.");
  if (server.status === "QUEUED") {
    const stopped = await db.server.updateMany({
      where: { id: server.id, status: "QUEUED" },
      data: { status: "STOPPED", stoppedAt: now, stopReason: opts.reason },
    });
    if (stopped.count === 1) return { server: { ...server, status: "STOPPED" as const }, needsJob: false };
  }
  if (server.status !== "STOPPING") {
    await db.server.update({ where: { id: server.id }, data: { status: "STOPPING", stopReason: opts.reason } });
  }
  return { server: { ...server, status: "STOPPING" as const }, needsJob: true };
}
