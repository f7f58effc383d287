import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocateGpu, gpuHoursUsedThisWeek, gpuQuotaStatus, grantGpuHours, requestServerStart, requestServerStop, syncGpus } from "@aula/domain";
import { createCourseWithWeeks, createPublishedEnvironment, createTestUser, enrollTestUser } from "@aula/domain/testing";
import { parseSimulatedGpus, type RunCommand } from "@aula/docker";
import { createSpawnQueue, enqueueSpawn, enqueueStop, readProgressHistory } from "@aula/queue";
import { createLogger } from "../src/log";
import { meterGpuUsage } from "../src/gpus/usage-meter";
import { startDockerProxy } from "./support/docker-proxy";
import { createServerHarness, redisUrl, type ServerHarness } from "./support/server-harness";
import { newestPythonImage } from "@aula/docker/testing";
import { until } from "./support/waits";

// The GPU ledger with real parts: a GPU-hour quota running out under a real server, a worker
// SIGKILLed between its GPU allocation and its container, and what a real-GPU spawn asks Docker.

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

describe("the GPU ledger", () => {
  let h: ServerHarness;

  beforeAll(async () => {
    h = await createServerHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function startWorkers(opts: { spec: string; socketPath?: string; run?: RunCommand; quiet?: boolean }) {
    return h.startWorkers({
      lockMs: 3_000,
      ...(opts.socketPath ? { socketPath: opts.socketPath } : {}),
      ...(opts.quiet ? { quiet: true } : {}),
      gpus: { spec: opts.spec, admissionEveryMs: 1_000, meterEveryMs: 3_600_000, ...(opts.run ? { run: opts.run } : {}) },
    });
  }

  async function gpuStudent(opts: { gpuHoursPerWeek?: number } = {}) {
    const environment = await createPublishedEnvironment(h.t.db, { gpu: "OPTIONAL", image: newestPythonImage() });
    const course = await createCourseWithWeeks(h.t.db, { environmentId: environment.id });
    if (opts.gpuHoursPerWeek !== undefined) await h.t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { gpuHoursPerWeek: opts.gpuHoursPerWeek } });
    const student = await createTestUser(h.t.db);
    h.track(student.username);
    await enrollTestUser(h.t.db, { courseId: course.id, userId: student.id });
    return { student, course };
  }

  it("stops a server whose GPU-hours run out, with the reason, after warning at 80% and 95%, and the ledger adds up", async () => {
    const { workers, publisher, close } = await startWorkers({ spec: "sim:1xH100-80GB" });
    const admin = await createTestUser(h.t.db, { role: "ADMIN" });
    // 0.01 h = 36 s of GPU time a week; the ledger is moved back in time instead of waiting.
    const allowed = 0.01;
    const { student, course } = await gpuStudent({ gpuHoursPerWeek: allowed });
    const server = await requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" });
    await enqueueSpawn(workers.spawns, { serverId: server.id });
    await until("RUNNING on the GPU", async () => {
      const row = await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } });
      if (row.status === "FAILED") throw new Error(row.failureReason ?? "failed");
      return row.status === "RUNNING" && row.usesGpu;
    });
    const meterDeps = { db: h.t.db, publisher, prefix: h.prefix, log: createLogger("silent"), stops: workers.stops };
    const heldFor = async (fraction: number) => {
      await h.t.db.gpuAllocation.updateMany({ where: { serverId: server.id, releasedAt: null }, data: { allocatedAt: new Date(Date.now() - fraction * allowed * 3_600_000) } });
      return meterGpuUsage(meterDeps);
    };

    expect(await heldFor(0.5)).toMatchObject({ warned: 0, stopped: 0 });
    expect(await heldFor(0.85)).toMatchObject({ warned: 1, stopped: 0 });
    expect(await heldFor(0.86)).toMatchObject({ warned: 0, stopped: 0 });
    expect(await heldFor(0.97)).toMatchObject({ warned: 1, stopped: 0 });
    expect(await heldFor(1.02)).toMatchObject({ stopped: 1 });

    const stopped = await until("STOPPED", async () => {
      const row = await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } });
      return row.status === "STOPPED" ? row : null;
    });
    expect(stopped.stopReason).toMatch(/used your 1 min of GPU time for this week/);
    const warnings = (await readProgressHistory(h.redis, h.prefix, server.id)).filter((e) => /GPU time/.test(e.message)).map((e) => e.message);
    expect(warnings[0]).toMatch(/used 80%/);
    expect(warnings[1]).toMatch(/Only .* left/);
    expect(await h.docker.listContainers({ all: true, filters: { name: [`^/aula-${student.username}$`] } })).toEqual([]);

    const ledger = await h.t.db.gpuAllocation.findMany({ where: { serverId: server.id } });
    expect(ledger).toHaveLength(1);
    const interval = ledger[0]!;
    expect(interval.releasedAt).not.toBeNull();
    const intervalHours = (interval.releasedAt!.getTime() - interval.allocatedAt.getTime()) / 3_600_000;
    const used = await gpuHoursUsedThisWeek(h.t.db, { userId: student.id, courseId: course.id, now: new Date() });
    expect(used.used).toBeCloseTo(intervalHours, 9);
    expect(used.used).toBeGreaterThanOrEqual(allowed);
    expect((await gpuQuotaStatus(h.t.db, { userId: student.id, courseId: course.id })).level).toBe("exhausted");

    // Out of hours: a GPU start is refused; a CPU fallback is offered; an admin's grant reopens it.
    await expect(requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" })).rejects.toMatchObject({ code: "quota_exceeded" });
    const cpu = await requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "preferred", cpuFallback: true });
    expect(cpu.gpuRequest).toBe("NONE");
    await requestServerStop(h.t.db, { username: student.username, reason: "Stopped by you." });
    await grantGpuHours(h.t.db, { username: student.username, course: course.slug, hours: 1, reason: "Project", actorId: admin.id });
    const again = await requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" });
    expect(again.gpuRequest).toBe("REQUIRED");
    await requestServerStop(h.t.db, { username: student.username, reason: "Stopped by you." });
    await close();
  }, 120_000);

  it("a worker killed between GPU allocation and container start leaks no allocation", async () => {
    const proxy = await startDockerProxy();
    h.closeLater(() => proxy.close());
    proxy.hold(true);
    const { student, course } = await gpuStudent();
    const server = await requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" });
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: h.t.url,
        REDIS_URL: redisUrl,
        AULA_REDIS_PREFIX: h.prefix,
        AULA_DATA_DIR: h.dataDir,
        AULA_WORKER_ROLES: "servers",
        AULA_DOCKER_SOCKET: proxy.socketPath,
        AULA_GPUS: "sim:1xH100-80GB",
        AULA_SPAWN_LOCK_S: "3",
        AULA_ADMISSION_EVERY_S: "1",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    h.closeLater(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    const queue = createSpawnQueue(h.redis, h.prefix);
    h.closeLater(() => queue.close());
    await enqueueSpawn(queue, { serverId: server.id });

    // The worker has allocated and is asking Docker for the container, which the proxy holds.
    await until("the container create", async () => proxy.creates.some((c) => c.name === `aula-${student.username}`));
    const held = await h.t.db.gpuAllocation.findMany({ where: { serverId: server.id } });
    expect(held).toHaveLength(1);
    expect(held[0]!.releasedAt).toBeNull();
    expect((await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } })).status).toBe("STARTING");
    expect(await h.docker.listContainers({ all: true, filters: { name: [`^/aula-${student.username}$`] } })).toEqual([]);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    // The next worker takes the stalled job over: the same allocation, one container, or a
    // failure that releases it.
    const { workers, close } = await startWorkers({ spec: "sim:1xH100-80GB" });
    const end = await until("RUNNING or FAILED", async () => {
      const row = await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } });
      return row.status === "RUNNING" || row.status === "FAILED" ? row : null;
    });
    const after = await h.t.db.gpuAllocation.findMany({ where: { serverId: server.id } });
    expect(after.map((a) => a.id)).toEqual([held[0]!.id]);
    if (end.status === "RUNNING") {
      expect(after[0]!.releasedAt).toBeNull();
      await requestServerStop(h.t.db, { username: student.username, reason: "Stopped by you." });
      await enqueueStop(workers.stops, { serverId: server.id });
      await until("STOPPED", async () => (await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } })).status === "STOPPED");
    }
    expect(await h.t.db.gpuAllocation.count({ where: { serverId: server.id, releasedAt: null } })).toBe(0);
    expect(await h.t.db.gpuAllocation.count({ where: { serverId: server.id } })).toBe(1);
    expect(await h.docker.listContainers({ all: true, filters: { name: [`^/aula-${student.username}$`] } })).toEqual([]);
    await close();
  }, 120_000);

  it("asks Docker for exactly the allocated GPU, by uuid, when the GPUs are real", async () => {
    // Two A100s as nvidia-smi reports them; GPU 0 is already held, so the server gets GPU 1.
    const query = "0, GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77, NVIDIA A100-SXM4-80GB, 81920\n1, GPU-0b7a9d5c-8f3e-41d7-9a3f-2c8e61d5b0e4, NVIDIA A100-SXM4-80GB, 81920\n";
    const run: RunCommand = async (_file, args) => (args[0] === "-L" ? "" : args[0]?.startsWith("--query-gpu=uuid") ? "" : query);
    const proxy = await startDockerProxy();
    h.closeLater(() => proxy.close());
    const { workers, close } = await startWorkers({ spec: "", socketPath: proxy.socketPath, run, quiet: true });
    const holder = await gpuStudent();
    const first = await requestServerStart(h.t.db, { username: holder.student.username, course: holder.course.slug, week: 1, gpu: "required" });
    const gpu0 = await h.t.db.gpu.findUniqueOrThrow({ where: { uuid: "GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77" } });
    await h.t.db.server.update({ where: { id: first.id }, data: { status: "RUNNING", usesGpu: true } });
    await h.t.db.gpuAllocation.create({ data: { gpuId: gpu0.id, serverId: first.id, userId: holder.student.id, courseId: holder.course.id } });

    const { student, course } = await gpuStudent();
    const server = await requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" });
    await enqueueSpawn(workers.spawns, { serverId: server.id });
    const create = await until("the container create", async () => proxy.creates.find((c) => c.name === `aula-${student.username}`));
    const allocation = await h.t.db.gpuAllocation.findFirstOrThrow({ where: { serverId: server.id }, include: { gpu: true } });
    expect(allocation.gpu.uuid).toBe("GPU-0b7a9d5c-8f3e-41d7-9a3f-2c8e61d5b0e4");
    expect(create.body.HostConfig?.DeviceRequests).toEqual([{ Driver: "nvidia", DeviceIDs: [allocation.gpu.uuid], Capabilities: [["gpu"]] }]);
    expect(create.body.Env).toContain(`NVIDIA_VISIBLE_DEVICES=${allocation.gpu.uuid}`);

    // This host has no NVIDIA runtime: the spawn fails with a reason and gives the GPU back.
    const end = await until("the spawn to end", async () => {
      const row = await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } });
      return row.status === "FAILED" || row.status === "RUNNING" ? row : null;
    });
    expect(end.status).toBe("FAILED");
    expect(end.failureReason).toMatch(/could not start/);
    expect(await h.t.db.gpuAllocation.count({ where: { serverId: server.id, releasedAt: null } })).toBe(0);
    await h.t.db.server.update({ where: { id: first.id }, data: { status: "STOPPED" } });
    await close();
  }, 120_000);

  it("never gives a simulated GPU's server a device request", async () => {
    const [gpu] = parseSimulatedGpus("sim:1xT4-16GB");
    await syncGpus(h.t.db, { detected: [gpu!] });
    const { student, course } = await gpuStudent();
    const server = await requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" });
    const result = await allocateGpu(h.t.db, { serverId: server.id });
    expect(result).toMatchObject({ kind: "allocated", gpu: { simulated: true } });
    const { deviceUuidsFor, serverContainerSpec } = await import("../src/servers/spawn-processor");
    const spec = serverContainerSpec(
      { id: server.id, image: "img", token: server.token, cpus: 1, memoryMb: 512, shmMb: 64, user: { username: student.username }, environment: { name: "e" } },
      { teoria: "/tmp", prefix: h.prefix, gpuUuids: deviceUuidsFor([{ uuid: gpu!.uuid, simulated: true }]) },
    );
    expect(spec.HostConfig?.DeviceRequests).toBeUndefined();
    expect(spec.Env).toContain("NVIDIA_VISIBLE_DEVICES=void");
  });
});
