import type { Db, ServerStatus } from "@aula/db";

/**
 * Ends a server in one transaction: final status, reason, and every GPU allocation it held
 * released (closing its ledger interval). Used by stop, failed spawns, the culler and the
 * reconciler, so the ledger and the server can never disagree.
 */
export async function recordServerEnd(
  db: Db,
  opts: { serverId: string; status: Extract<ServerStatus, "STOPPED" | "FAILED">; reason: string; onlyFrom?: ServerStatus[] },
  now: Date = new Date(),
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const updated = await tx.server.updateMany({
      where: { id: opts.serverId, ...(opts.onlyFrom ? { status: { in: opts.onlyFrom } } : { status: { notIn: ["STOPPED", "FAILED"] } }) },
      data:
        opts.status === "FAILED"
          ? { status: "FAILED", failureReason: opts.reason, stoppedAt: now }
          : { status: "STOPPED", stopReason: opts.reason, stoppedAt: now },
    });
    await tx.gpuAllocation.updateMany({ where: { serverId: opts.serverId, releasedAt: null }, data: { releasedAt: now, releaseReason: opts.reason } });
    return updated.count === 1;
  });
}
