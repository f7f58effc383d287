import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { COLLECTION_RETENTION_S, queueNames, type CollectPayload, type CollectResult } from "@aula/queue";
import { createCollectProcessor, type CollectDeps } from "./collect-processor";
import { removeStaleReaders } from "./helper-container";

export interface CollectWorkerOptions extends CollectDeps {
  workerRedis: Redis;
  /** Collections read volumes and write archives; one at a time keeps the disk for spawns. */
  concurrency?: number;
  sweepEveryMs?: number;
}

/** Removes archives older than the jobs that describe them (BullMQ forgets those after a week). */
export async function sweepCollections(dataDir: string, now = Date.now()): Promise<number> {
  const root = path.join(dataDir, "collections");
  let removed = 0;
  for (const course of await readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, course);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => null);
      if (info && now - info.mtimeMs > COLLECTION_RETENTION_S * 1000) {
        await rm(file, { force: true });
        removed++;
      }
    }
  }
  return removed;
}

/** The collect processor on its own queue, plus the sweep of expired archives. */
export async function startCollectWorker(opts: CollectWorkerOptions) {
  const { log } = opts;
  const stale = await removeStaleReaders(opts.docker, opts.prefix).catch(() => 0);
  if (stale) log.warn("removed collection helper containers left by a previous worker", { count: stale });
  const worker = new Worker<CollectPayload, CollectResult>(queueNames.collections, createCollectProcessor(opts), {
    connection: opts.workerRedis,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? 1,
    lockDuration: 60_000,
    maxStalledCount: 1,
  });
  worker.on("error", (err) => log.error("collect worker error", { err }));
  worker.on("failed", (job, err) => log.warn("collection failed", { jobId: job?.id, err }));
  await worker.waitUntilReady();
  const sweep = () => void sweepCollections(opts.dataDir).catch((err: unknown) => log.warn("collection sweep failed", { err }));
  sweep();
  const timer = setInterval(sweep, opts.sweepEveryMs ?? 3600_000);
  return {
    worker,
    async close(force = false) {
      clearInterval(timer);
      await worker.close(force);
    },
  };
}
