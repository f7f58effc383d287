import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Db } from "@aula/db";
import { loadGpuQueue, type GpuQueueEntry } from "@aula/domain";
import { enqueueSpawn, publishProgress, type SpawnQueue } from "@aula/queue";
import type { Logger } from "../log";

// The GPU admission queue lives in the database (QUEUED servers with a GPU request, in the fair
// order of loadGpuQueue) and its jobs in BullMQ: a spawn job that finds no slot for its server
// parks itself as a delayed job (same jobId, so nothing is ever duplicated or lost). This tick
// wakes the jobs whose turn has come and tells everyone waiting where they stand.

const publishedKey = (prefix: string) => `${prefix}:gpu-queue:published`;
const lockKey = (prefix: string) => `${prefix}:gpu-queue:announcer`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export interface AdmissionDeps {
  db: Db;
  publisher: Redis;
  prefix: string;
  spawns: SpawnQueue;
  log: Logger;
}

function duration(seconds: number): string {
  if (seconds < 90) return "a minute or two";
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} minutes`;
  const hours = Math.round((seconds / 3600) * 2) / 2;
  return `${hours} hours`;
}

/** The sentence a waiting student reads. */
export function queueMessage(entry: Pick<GpuQueueEntry, "position" | "etaSeconds" | "etaBasis">): string {
  const place = entry.position === 1 ? "You are next in line for a GPU." : `You are number ${entry.position} in line for a GPU.`;
  if (entry.etaSeconds === null) return `${place} No wait estimate yet: no GPU that fits this environment is free or about to be.`;
  if (entry.etaSeconds === 0) return `${place} A GPU is free; starting shortly…`;
  return entry.etaBasis === "typical"
    ? `${place} Estimated wait: about ${duration(entry.etaSeconds)} (from how long students have kept a GPU lately).`
    : `${place} Estimated wait: at most ${duration(entry.etaSeconds)} (when the sessions ahead reach their time limit).`;
}

// Re-announce when the place changes or the estimate moves by a visible step, not every tick.
function signature(entry: Pick<GpuQueueEntry, "position" | "etaSeconds">): string {
  const eta = entry.etaSeconds === null ? "?" : entry.etaSeconds < 3600 ? Math.round(entry.etaSeconds / 60) : Math.round(entry.etaSeconds / 900) * 15;
  return `${entry.position}|${eta}`;
}

/** Publishes the "queued" progress event (position, ETA) when it changed since the last one. */
export async function announceQueuePosition(deps: Pick<AdmissionDeps, "publisher" | "prefix">, entry: Pick<GpuQueueEntry, "serverId" | "position" | "etaSeconds" | "etaBasis">): Promise<void> {
  const sig = signature(entry);
  const previous = await deps.publisher.hget(publishedKey(deps.prefix), entry.serverId);
  if (previous === sig) return;
  await deps.publisher.hset(publishedKey(deps.prefix), entry.serverId, sig);
  await publishProgress(deps.publisher, deps.prefix, {
    serverId: entry.serverId,
    phase: "queued",
    message: queueMessage(entry),
    progress: 5,
    position: entry.position,
    ...(entry.etaSeconds !== null ? { etaSeconds: entry.etaSeconds } : {}),
  });
}

/**
 * Makes sure the job of an admissible server runs now: a parked (delayed) job is promoted; a
 * job that is missing, or ended while its server is still QUEUED (a crash between steps), is
 * added again under the same id.
 */
async function wake(deps: AdmissionDeps, serverId: string): Promise<"promoted" | "enqueued" | "running"> {
  const job = await deps.spawns.getJob(serverId);
  const state = job ? await job.getState() : "missing";
  if (job && state === "delayed") {
    try {
      await job.promote();
      return "promoted";
    } catch {
      // Another worker promoted it, or it just went active: either way it runs.
      return "running";
    }
  }
  if (job && (state === "completed" || state === "failed")) await job.remove().catch(() => {});
  if (!job || state === "completed" || state === "failed" || state === "unknown" || state === "missing") {
    await enqueueSpawn(deps.spawns, { serverId });
    return "enqueued";
  }
  return "running";
}

export interface AdmissionTickResult {
  queued: number;
  admitted: number;
}

/** One pass: announce positions, wake the heads of the line that fit, forget finished entries. */
export async function admissionTick(deps: AdmissionDeps, now: Date = new Date()): Promise<AdmissionTickResult> {
  const queue = await loadGpuQueue(deps.db, { now });
  let admitted = 0;
  for (const entry of queue.entries) {
    if (entry.admissible) {
      const how = await wake(deps, entry.serverId);
      if (how !== "running") admitted++;
    }
    await announceQueuePosition(deps, entry).catch((err: unknown) => deps.log.warn("queue position not published", { err, serverId: entry.serverId }));
  }
  const waiting = new Set(queue.entries.map((e) => e.serverId));
  const known = await deps.publisher.hkeys(publishedKey(deps.prefix));
  const gone = known.filter((id) => !waiting.has(id));
  if (gone.length > 0) await deps.publisher.hdel(publishedKey(deps.prefix), ...gone);
  return { queued: queue.entries.length, admitted };
}

/**
 * The tick on a timer plus `kick()` for "a GPU was just released" or "a request joined the
 * line": kicks coalesce, and a kick during a running pass schedules one more pass right after
 * it, so no release is missed. Across workers, one pass runs at a time (a short Redis lease):
 * positions are then announced in the order they were computed, never an older one after a
 * newer one. The lease orders announcements only; allocation is guarded by the database.
 */
export function createAdmission(deps: AdmissionDeps, everyMs: number) {
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const token = randomUUID();
  const pass = async () => {
    try {
      const leased = await deps.publisher.set(lockKey(deps.prefix), token, "PX", 15_000, "NX");
      if (!leased) {
        // Another worker is in a pass; look again right after it rather than at the next tick.
        retry ??= setTimeout(() => {
          retry = undefined;
          void kick();
        }, 250);
        return;
      }
      try {
        const r = await admissionTick(deps);
        if (r.admitted) deps.log.info("admitted from the GPU queue", { ...r });
      } finally {
        await deps.publisher.eval(RELEASE, 1, lockKey(deps.prefix), token).catch(() => 0);
      }
    } catch (err) {
      deps.log.warn("admission tick failed; will retry", { err });
    }
  };
  const kick = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await pass();
      } while (again && !closed);
      running = null;
    })();
    return running;
  };
  const timer = setInterval(() => void kick(), everyMs);
  return {
    kick,
    async close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(retry);
      await running;
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
