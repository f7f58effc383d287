import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildStatus } from "@aula/db";
import { requestBuild, startBuild } from "@aula/domain";
import { buildLogChannel, enqueueImageBuild, parseBuildLogMessage, type BuildLogMessage, type ImageBuildQueue } from "@aula/queue";
import { UnrecoverableError, type Job } from "bullmq";
import { createBuildFixture, type BuildFixture } from "../../test/support/build-fixture";
import { redisUrl } from "../../test/support/server-harness";
import { until } from "../../test/support/waits";
import { createLogger } from "../log";
import { startWorker, type RunningWorker } from "../worker";
import { createImageBuildProcessor, recoverImageBuilds, WORKER_STOPPED_MESSAGE } from "./image-build";

const log = createLogger("silent");
let f: BuildFixture;
let tdb: BuildFixture["tdb"];
let root: string;
let name: string;
let prefix: string;
let publisher: Redis;
let queue: ImageBuildQueue;

beforeAll(async () => {
  f = await createBuildFixture();
  ({ tdb, root, name, prefix, redis: publisher, queue } = f);
}, 900_000);

afterAll(async () => {
  await f?.close();
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
      await until("the end message", async () => messages.some((m) => m.type === "end"));

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
    const processor = createImageBuildProcessor({ db: tdb.db, docker: f.docker, publisher, prefix, environmentsDir: root, recipePreference: "offline", log });
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
