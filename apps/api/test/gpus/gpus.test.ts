import type { AddressInfo } from "node:net";
import { GpuBoard, GpuUsage, QueuePositionResponse } from "@aula/contracts";
import { allocateGpu, gpuSamplesKey, requestServerStart, syncGpus } from "@aula/domain";
import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, signIn, type Signed, type TestApp } from "../support/test-app";

describe("the admins' GPU board", () => {
  let t: TestApp;
  let admin: Signed;
  let course: { id: string; slug: string };
  const started: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await createAccount(t.db, "root", "admin");
    admin = await signIn(t.app, "root");
    const environment = await createPublishedEnvironment(t.db, { gpu: "REQUIRED" });
    course = await createCourseWithWeeks(t.db, { environmentId: environment.id });
    // One real-looking GPU (as nvidia-smi reports it) and one simulated.
    await syncGpus(t.db, {
      detected: [
        { uuid: "GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77", index: 0, name: "NVIDIA A100-SXM4-80GB", memoryMb: 81920, simulated: false, parentUuid: null },
        { uuid: "GPU-sim-0", index: 1, name: "H100 80GB", memoryMb: 81920, simulated: true, parentUuid: null },
      ],
    });
    for (const name of ["ana", "bea", "cris"]) {
      const user = await createAccount(t.db, name);
      await enrollTestUser(t.db, { courseId: course.id, userId: user.id });
      const server = await requestServerStart(t.db, { username: name, course: course.slug, week: 1, gpu: "required" });
      started.push(server.id);
    }
    // ana and bea hold the two GPUs; cris waits.
    for (const id of started.slice(0, 2)) expect((await allocateGpu(t.db, { serverId: id })).kind).toBe("allocated");
    await t.db.server.updateMany({ where: { id: { in: started.slice(0, 2) } }, data: { status: "RUNNING", readyAt: new Date() } });
    await t.redis.hset(gpuSamplesKey(t.prefix), "GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77", JSON.stringify({ utilizationPct: 87, memoryUsedMb: 40211, at: new Date().toISOString() }));
  });
  afterAll(async () => t?.close());

  it("shows each GPU with its holder, marks simulated ones, and lists the queue", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/gpus", headers: { cookie: admin.cookie } });
    expect(response.statusCode, response.body).toBe(200);
    const board = bodyOf(GpuBoard, response);
    expect(board.gpus.map((g) => [g.name, g.simulated, g.holders.map((h) => h.username)])).toEqual([
      ["NVIDIA A100-SXM4-80GB", false, [expect.any(String)]],
      ["H100 80GB", true, [expect.any(String)]],
    ]);
    expect(board.gpus.flatMap((g) => g.holders.map((h) => h.username)).sort()).toEqual(["ana", "bea"]);
    expect(board.gpus[0]).toMatchObject({ utilizationPct: 87, memoryUsedMb: 40211 });
    expect(board.gpus[1]).toMatchObject({ utilizationPct: null, memoryUsedMb: null });
    expect(board.gpus[0]?.holders[0]).toMatchObject({ course: { slug: course.slug }, week: 1 });
    expect(board.simulated).toBe(false);
    expect(board.queue).toMatchObject([{ position: 1, username: "cris", admissible: false, gpuRequest: "required" }]);
    expect(board.totals).toMatchObject({ devices: 2, allocated: 2, freeDevices: 0, queued: 1, runningServers: 2 });
  });

  it("refuses the board to students", async () => {
    const student = await signIn(t.app, "ana");
    const response = await t.app.inject({ method: "GET", url: "/api/v1/gpus", headers: { cookie: student.cookie } });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).error.code).toBe("forbidden");
  });

  it("streams the board as server-sent events", async () => {
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (t.app.server.address() as AddressInfo).port;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/gpus/stream`, { headers: { cookie: admin.cookie }, signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toMatch(/^event: board\ndata: /);
    const board = GpuBoard.parse(JSON.parse(text.slice(text.indexOf("data: ") + 6, text.indexOf("\n\n"))));
    expect(board.totals.allocated).toBe(2);
  });

  it("tells a waiting student their place in line", async () => {
    const student = await signIn(t.app, "cris");
    const response = await t.app.inject({ method: "GET", url: "/api/v1/users/cris/server/queue", headers: { cookie: student.cookie } });
    expect(bodyOf(QueuePositionResponse, response)).toMatchObject({ queued: true, serverId: started[2], position: 1, length: 1 });
    const holder = await t.app.inject({ method: "GET", url: "/api/v1/users/ana/server/queue", headers: { cookie: (await signIn(t.app, "ana")).cookie } });
    expect(bodyOf(QueuePositionResponse, holder)).toMatchObject({ queued: false, position: null, length: 1 });
  });

  it("reports GPU-hours per course per day from the ledger", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/gpus/usage?days=3", headers: { cookie: admin.cookie } });
    const usage = bodyOf(GpuUsage, response);
    expect(usage.days).toHaveLength(3);
    expect(usage.courses.map((c) => c.slug)).toEqual([course.slug]);
    expect(usage.courses[0]!.hours.at(-1)).toBeGreaterThanOrEqual(0);
  });

  it("exposes allocated GPUs, running servers, the queue and spawn timings to Prometheus", async () => {
    const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/^aula_gpus_allocated 2$/m);
    expect(metrics).toMatch(/^aula_gpu_queue_length 1$/m);
    expect(metrics).toMatch(/^aula_servers_running\{gpu="true"\} 2$/m);
    expect(metrics).toMatch(/^aula_gpu_devices\{simulated="true"\} 1$/m);
    expect(metrics).toMatch(/^aula_spawn_duration_seconds_count \d+$/m);
    expect(metrics).toMatch(/^aula_spawn_queue_wait_seconds_count \d+$/m);
  });
});
