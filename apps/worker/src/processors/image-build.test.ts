import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildStatus, createTestDatabase, type TestDatabase } from "@aula/db";
import { requestBuild, startBuild, syncEnvironments } from "@aula/domain";
import { ensurePublishedPython, removeEnvironmentImages, writeFixtureEnvironment } from "@aula/docker/testing";
import { buildLogChannel, createImageBuildQueue, enqueueImageBuild, parseBuildLogMessage, type BuildLogMessage, type ImageBuildQueue } from "@aula/queue";
import { UnrecoverableError, type Job } from "bullmq";
import { createLogger } from "../log";
import { startWorker, type RunningWorker } from "../worker";
import { createImageBuildProcessor, recoverImageBuilds, WORKER_STOPPED_MESSAGE } from "./image-build";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `aula-test-${randomBytes(4).toString("hex")}`;
const name = `fixture-${randomBytes(4).toString("hex")}`;
const docker = new Docker();
const log = createLogger("silent");
let tdb: TestDatabase;
let root: string;
let publisher: Redis;
let queue: ImageBuildQueue;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), "aula-worker-envs-"));
  await ensurePublishedPython(tdb.db, docker);
  await writeFixtureEnvironment(root, { name });
  await syncEnvironments({ db: tdb.db, environmentsDir: root });
  publisher = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  queue = createImageBuildQueue(publisher, prefix);
}, 900_000);

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  const keys = await publisher.keys(`${prefix}:*`);
  if (keys.length) await publisher.del(...keys);
  await publisher?.quit();
  await removeEnvironmentImages(docker, name);
  await rm(root, { recursive: true, force: true });
  await tdb?.drop();
});

describe("image-build processor", () => {
  it("runs a queued build, stores its log and streams every line on Redis, then an end message", async () => {
    const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
    subscriber.on("error", () => {});
    // SUBSCRIBE before the ready check has run makes ioredis's INFO fail on a subscriber socket.
    await subscriber.ping();
    const messages: BuildLogMessage[] = [];
    let worker: RunningWorker | undefined;
    try {
      const { build } = await requestBuild({ db: tdb.db, environmentName: name });
      await subscriber.subscribe(buildLogChannel(prefix, build.id));
      subscriber.on("message", (_channel: string, raw: string) => {
        const m = parseBuildLogMessage(raw);
        if (m) messages.push(m);
      });
      worker = await startWorker({ roles: ["image-builds"], db: tdb.db, redisUrl, prefix, environmentsDir: root, recipePreference: "offline", log });
      await enqueueImageBuild(queue, { buildId: build.id });
      // A second enqueue of the same build (a joined request) adds no second job.
      await enqueueImageBuild(queue, { buildId: build.id });
      await waitFor("the end message", async () => messages.some((m) => m.type === "end"));

      const row = await tdb.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } });
      expect(row.status).toBe(BuildStatus.SUCCEEDED);
      expect(messages.at(-1)).toEqual({ type: "end", status: "SUCCEEDED" });
      const streamed = messages.flatMap((m) => (m.type === "lines" ? m.lines : []));
      const seqs = messages.flatMap((m) => (m.type === "lines" ? [m.seq] : []));
      expect(seqs[0]).toBe(0);
      expect(streamed).toEqual(row.log.split("\n").slice(0, -1));
      expect(streamed.some((l) => l.startsWith("==> Building"))).toBe(true);
      const env = await tdb.db.environment.findUniqueOrThrow({ where: { name } });
      expect(env.publishedBuildId).toBe(build.id);
    } finally {
      await worker?.close();
      await subscriber.quit();
    }
  }, 180_000);

  it("fails a job whose payload is not a build id without retrying it", async () => {
    const processor = createImageBuildProcessor({ db: tdb.db, docker, publisher, prefix, environmentsDir: root, recipePreference: "offline", log });
    await expect(processor({ data: { buildId: "not-a-uuid" }, opts: { attempts: 3 }, attemptsMade: 0 } as unknown as Job<{ buildId: string }>)).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe("recovery at worker start", () => {
  it("fails a RUNNING build whose job is gone and enqueues a QUEUED build whose job is gone", async () => {
    const running = await tdb.db.environment.create({ data: { name: `running-${randomBytes(3).toString("hex")}`, title: "r", stage: "Tests" } });
    const queued = await tdb.db.environment.create({ data: { name: `queued-${randomBytes(3).toString("hex")}`, title: "q", stage: "Tests" } });
    const a = await requestBuild({ db: tdb.db, environmentName: running.name });
    await startBuild(tdb.db, a.build.id);
    const b = await requestBuild({ db: tdb.db, environmentName: queued.name });

    const result = await recoverImageBuilds({ db: tdb.db, log, publisher, prefix }, queue);
    expect(result.failed).toContain(a.build.id);
    expect(result.requeued).toContain(b.build.id);
    const failed = await tdb.db.imageBuild.findUniqueOrThrow({ where: { id: a.build.id } });
    expect(failed).toMatchObject({ status: BuildStatus.FAILED, error: WORKER_STOPPED_MESSAGE });
    expect(await (await queue.getJob(b.build.id))?.getState()).toBe("waiting");
    await (await queue.getJob(b.build.id))?.remove();
  });
});
