import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { requestServerStart, requestServerStop } from "@aula/domain";
import { createReadyStudent } from "@aula/domain/testing";
import { LABEL_DEPLOYMENT, LABEL_SERVER } from "@aula/docker";
import { createSpawnQueue, createStopQueue, enqueueSpawn, enqueueStop } from "@aula/queue";
import { createLogger } from "../src/log";
import { reconcileServers } from "../src/servers/reconciler";
import { newestPythonImage } from "@aula/docker/testing";
import { until } from "./support/waits";

// Recovery with real parts: the reconciler against Docker, and a worker process killed with
// SIGKILL in the middle of a spawn.

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const docker = new Docker({ socketPath: "/var/run/docker.sock" });

describe("recovery", () => {
  let t: TestDatabase;
  let redis: Redis;
  let dataDir: string;
  const prefix = `aula-test-${randomBytes(5).toString("hex")}`;
  const created: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), "aula-data-"));
  });
  afterAll(async () => {
    for (const id of created) await docker.getContainer(id).remove({ force: true }).catch(() => {});
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await t?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function labelledContainer(serverId: string, deployment: string): Promise<string> {
    const c = await docker.createContainer({ Image: newestPythonImage(), Cmd: ["sleep", "300"], Labels: { [LABEL_SERVER]: serverId, [LABEL_DEPLOYMENT]: deployment } });
    created.push(c.id);
    return c.id;
  }

  it("removes its own orphans, never another deployment's containers, and stops servers whose container vanished", async () => {
    const orphan = await labelledContainer(randomUUID(), prefix);
    const foreign = await labelledContainer(randomUUID(), `${prefix}-other`);

    const { student, course } = await createReadyStudent(t.db, { image: newestPythonImage() });
    const server = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    await t.db.server.update({ where: { id: server.id }, data: { status: "RUNNING", hostPort: 1, readyAt: new Date() } });
    const gpu = await t.db.gpu.create({ data: { uuid: `GPU-${randomUUID()}`, index: 0, name: "sim", memoryMb: 1000, simulated: true } });
    await t.db.gpuAllocation.create({ data: { gpuId: gpu.id, serverId: server.id, userId: student.id, courseId: course.id } });

    const spawns = createSpawnQueue(redis, prefix);
    const stops = createStopQueue(redis, prefix);
    try {
      const result = await reconcileServers({ db: t.db, docker, publisher: redis, prefix, dataDir, log: createLogger("silent"), readyTimeoutMs: 1000, spawns, stops });
      expect(result.orphans).toBe(1);
      expect(result.vanished).toBe(1);
      expect(result.requeued).toBe(0);
    } finally {
      await Promise.all([spawns.close(), stops.close()]);
    }
    await expect(docker.getContainer(orphan).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getContainer(foreign).inspect()).Id).toBe(foreign);
    const row = await t.db.server.findUniqueOrThrow({ where: { id: server.id } });
    expect(row.status).toBe("STOPPED");
    expect(row.stopReason).toMatch(/stopped unexpectedly/);
    expect(await t.db.gpuAllocation.count({ where: { serverId: server.id, releasedAt: null } })).toBe(0);
  });

  function startWorkerProcess(): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: t.url,
        REDIS_URL: redisUrl,
        AULA_REDIS_PREFIX: prefix,
        AULA_DATA_DIR: dataDir,
        AULA_WORKER_ROLES: "servers",
        AULA_SPAWN_LOCK_S: "3",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    return child;
  }

  it("re-enqueues a queued server whose spawn job was lost, and only that one", async () => {
    const lost = await createReadyStudent(t.db, { image: newestPythonImage() });
    const kept = await createReadyStudent(t.db, { image: newestPythonImage() });
    const lostServer = await requestServerStart(t.db, { username: lost.student.username, course: lost.course.slug, week: 1, gpu: "none" });
    const keptServer = await requestServerStart(t.db, { username: kept.student.username, course: kept.course.slug, week: 1, gpu: "none" });
    const spawns = createSpawnQueue(redis, prefix);
    const stops = createStopQueue(redis, prefix);
    try {
      // The api enqueued one; the other's job went with Redis (no worker runs in this test).
      await enqueueSpawn(spawns, { serverId: keptServer.id });
      const result = await reconcileServers({ db: t.db, docker, publisher: redis, prefix, dataDir, log: createLogger("silent"), readyTimeoutMs: 1000, spawns, stops });
      expect(result.requeued).toBe(1);
      expect(await spawns.getJobState(lostServer.id)).toBe("waiting");
      expect(await spawns.getJobState(keptServer.id)).toBe("waiting");
      // Nothing lost any more: the next tick adds nothing.
      expect((await reconcileServers({ db: t.db, docker, publisher: redis, prefix, dataDir, log: createLogger("silent"), readyTimeoutMs: 1000, spawns, stops })).requeued).toBe(0);
    } finally {
      await spawns.obliterate({ force: true }).catch(() => {});
      await Promise.all([spawns.close(), stops.close()]);
    }
  });

  it("a worker killed mid-spawn leaves no orphan: the next worker finishes the spawn or fails it with a reason", async () => {
    const { student, course } = await createReadyStudent(t.db, { image: newestPythonImage() });
    const server = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    const spawns = createSpawnQueue(redis, prefix);
    const stops = createStopQueue(redis, prefix);
    let first: ChildProcess | undefined = startWorkerProcess();
    let second: ChildProcess | undefined;
    try {
      await enqueueSpawn(spawns, { serverId: server.id });
      await until("the spawn to be under way", async () => (await t.db.server.findUnique({ where: { id: server.id } }))?.status === "STARTING");
      first.kill("SIGKILL");
      await new Promise((r) => first!.once("exit", r));
      first = undefined;

      second = startWorkerProcess();
      const end = await until("RUNNING or FAILED", async () => {
        const row = await t.db.server.findUnique({ where: { id: server.id } });
        return row && (row.status === "RUNNING" || row.status === "FAILED") ? row : null;
      });
      const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_SERVER}=${server.id}`] } });
      if (end.status === "RUNNING") {
        expect(containers.map((c) => c.State)).toEqual(["running"]);
      } else {
        expect(end.failureReason).toBeTruthy();
        expect(containers).toEqual([]);
      }

      await requestServerStop(t.db, { username: student.username, reason: "Stopped by you." });
      await enqueueStop(stops, { serverId: server.id });
      await until("STOPPED", async () => (await t.db.server.findUnique({ where: { id: server.id } }))?.status === "STOPPED");
      expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL_SERVER}=${server.id}`] } })).toEqual([]);
    } finally {
      first?.kill("SIGKILL");
      second?.kill("SIGTERM");
      if (second) await new Promise((r) => second!.once("exit", r));
      await docker.getContainer(`aula-${student.username}`).remove({ force: true }).catch(() => {});
      for (const kind of ["home", "checkpoints", "cache"]) await docker.getVolume(`aula-${kind}-${student.username}`).remove().catch(() => {});
      await Promise.all([spawns.close(), stops.close()]);
    }
  }, 180_000);
});
