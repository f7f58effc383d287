import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createTestDatabase, type Db, type TestDatabase } from "@aula/db";
import { createCourseWithWeeks, createPublishedEnvironment, createTestUser, enrollTestUser } from "../testing";
import { requestServerStart } from "../servers/request-server-start";
import { recordServerEnd } from "../servers/record-server-end";
import { allocateGpu } from "./allocate-gpu";
import { loadGpuQueue } from "./gpu-queue";
import { gpuQuotaStatus } from "./gpu-quota";
import { grantGpuHours } from "./grant-gpu-hours";
import { syncGpus } from "./sync-gpus";
import type { DetectedGpu } from "./detected-gpu";

const sim = (n: number, prefix = "GPU-sim-test"): DetectedGpu[] =>
  Array.from({ length: n }, (_, i) => ({ uuid: `${prefix}-${i}`, index: i, name: "H100 80GB", memoryMb: 81920, simulated: true, parentUuid: null }));

describe("GPU allocation", () => {
  let t: TestDatabase;
  let other: Db;
  beforeAll(async () => {
    t = await createTestDatabase();
    other = createDb({ url: t.url, max: 5 });
  });
  afterAll(async () => {
    await other?.$disconnect();
    await t?.drop();
  });

  async function resetGpus(detected: DetectedGpu[]) {
    await t.db.gpuAllocation.updateMany({ where: { releasedAt: null }, data: { releasedAt: new Date() } });
    await t.db.server.updateMany({ where: { status: { in: ["QUEUED", "STARTING", "RUNNING", "STOPPING"] } }, data: { status: "STOPPED", stoppedAt: new Date() } });
    await syncGpus(t.db, { detected });
  }

  /** `n` students of one course, each with a QUEUED GPU request. */
  async function queuedRequests(n: number, opts: { gpuShare?: number; start?: number } = {}) {
    const environment = await createPublishedEnvironment(t.db, { gpu: "REQUIRED", gpuShare: opts.gpuShare ?? 1 });
    const course = await createCourseWithWeeks(t.db, { environmentId: environment.id });
    const servers = [];
    for (let i = 0; i < n; i++) {
      const student = await createTestUser(t.db);
      await enrollTestUser(t.db, { courseId: course.id, userId: student.id });
      servers.push(await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" }, new Date(Date.now() + (opts.start ?? 0) + i)));
    }
    return { course, servers };
  }

  it("hands each GPU to one server however many requests race, across database connections", async () => {
    await resetGpus(sim(4));
    const { servers } = await queuedRequests(20);
    const results = await Promise.all(servers.map((s, i) => allocateGpu(i % 2 ? other : t.db, { serverId: s.id })));
    expect(results.filter((r) => r.kind === "allocated")).toHaveLength(4);
    expect(results.filter((r) => r.kind === "no-capacity")).toHaveLength(16);
    const open = await t.db.gpuAllocation.findMany({ where: { releasedAt: null } });
    expect(new Set(open.map((a) => `${a.gpuId}:${a.slot}`)).size).toBe(4);
    expect(await t.db.server.count({ where: { id: { in: servers.map((s) => s.id) }, status: "STARTING", usesGpu: true } })).toBe(4);
    expect(await t.db.server.count({ where: { id: { in: servers.map((s) => s.id) }, status: "QUEUED" } })).toBe(16);
  });

  it("gives a GPU back to the next server once the holder ends, and never to a cancelled request", async () => {
    await resetGpus(sim(1));
    const { servers } = await queuedRequests(3);
    const [first, second, third] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    expect((await allocateGpu(t.db, { serverId: first.id })).kind).toBe("allocated");
    expect((await allocateGpu(t.db, { serverId: second.id })).kind).toBe("no-capacity");
    await t.db.server.update({ where: { id: third.id }, data: { status: "STOPPED" } });
    expect((await allocateGpu(t.db, { serverId: third.id })).kind).toBe("not-queued");
    await recordServerEnd(t.db, { serverId: first.id, status: "STOPPED", reason: "Stopped by you." });
    expect((await allocateGpu(t.db, { serverId: second.id })).kind).toBe("allocated");
  });

  it("seats shared:2 students two to a GPU", async () => {
    await resetGpus(sim(2));
    const { servers } = await queuedRequests(5, { gpuShare: 2 });
    const results = await Promise.all(servers.map((s) => allocateGpu(t.db, { serverId: s.id })));
    const allocated = results.flatMap((r) => (r.kind === "allocated" ? [r] : []));
    expect(allocated).toHaveLength(4);
    expect(allocated.map((r) => r.slot).sort()).toEqual([0, 0, 1, 1]);
  });

  it("hands out MIG slices, never the GPU they are cut from", async () => {
    const parent: DetectedGpu = { uuid: "GPU-mig-parent", index: 0, name: "NVIDIA A100-SXM4-80GB", memoryMb: 81920, simulated: false, parentUuid: null };
    const slices: DetectedGpu[] = [0, 1].map((i) => ({ uuid: `MIG-slice-${i}`, index: 0, name: "NVIDIA A100-SXM4-80GB MIG 3g.40gb", memoryMb: 40960, simulated: false, parentUuid: parent.uuid }));
    await resetGpus([parent, ...slices]);
    const { servers } = await queuedRequests(3);
    const results = await Promise.all(servers.map((s) => allocateGpu(t.db, { serverId: s.id })));
    const uuids = results.flatMap((r) => (r.kind === "allocated" ? [r.gpu.uuid] : []));
    expect(uuids.sort()).toEqual(["MIG-slice-0", "MIG-slice-1"]);
  });

  it("stops allocating a GPU that disappeared and names the server still holding it", async () => {
    await resetGpus(sim(2, "GPU-sim-gone"));
    const { servers } = await queuedRequests(1);
    const r = await allocateGpu(t.db, { serverId: servers[0]!.id });
    expect(r.kind).toBe("allocated");
    const kept = sim(2, "GPU-sim-gone").filter((g) => r.kind === "allocated" && g.uuid !== r.gpu.uuid);
    const sync = await syncGpus(t.db, { detected: kept });
    expect(sync.vanished).toHaveLength(1);
    expect(sync.holdersToStop.map((h) => h.serverId)).toEqual([servers[0]!.id]);
    const queue = await loadGpuQueue(t.db);
    expect(queue.gpus.map((g) => g.uuid)).toEqual(kept.map((g) => g.uuid));
  });

  it("tells queued students their place and an honest wait", async () => {
    await resetGpus(sim(1));
    const { servers } = await queuedRequests(3);
    await allocateGpu(t.db, { serverId: servers[0]!.id });
    await t.db.server.update({ where: { id: servers[0]!.id }, data: { status: "RUNNING", readyAt: new Date() } });
    const queue = await loadGpuQueue(t.db);
    expect(queue.entries.map((e) => [e.serverId, e.position, e.admissible])).toEqual([
      [servers[1]!.id, 1, false],
      [servers[2]!.id, 2, false],
    ]);
    // No hold history yet in this database's recent ledger is enough only with five samples;
    // either way the estimate is bounded by the 8-hour session limit of the course policy.
    for (const e of queue.entries) {
      expect(e.etaSeconds).not.toBeNull();
      expect(e.etaSeconds!).toBeLessThanOrEqual(2 * 8 * 3600);
    }
  });
});

describe("the GPU-hour quota", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it("adds up the ledger, warns at 80% and 95%, and counts an admin's grant", async () => {
    await syncGpus(t.db, { detected: sim(1) });
    const environment = await createPublishedEnvironment(t.db, { gpu: "REQUIRED" });
    const course = await createCourseWithWeeks(t.db, { environmentId: environment.id });
    await t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { gpuHoursPerWeek: 10 } });
    const student = await createTestUser(t.db);
    const admin = await createTestUser(t.db, { role: "ADMIN" });
    await enrollTestUser(t.db, { courseId: course.id, userId: student.id });
    const now = new Date();
    const gpu = await t.db.gpu.findFirstOrThrow();
    const server = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" });
    // Two closed intervals of 3 h and one open interval of 5 h this week.
    await t.db.server.update({ where: { id: server.id }, data: { status: "RUNNING" } });
    const hour = 3_600_000;
    const open = new Date(now.getTime() - 5 * hour);
    const weekStart = (await gpuQuotaStatus(t.db, { userId: student.id, courseId: course.id, now })).weekStart;
    const base = Math.max(weekStart.getTime(), now.getTime() - 20 * hour);
    for (const [from, to] of [
      [base, base + 1.5 * hour],
      [base + 2 * hour, base + 3.5 * hour],
    ] as const) {
      const old = await t.db.server.create({ data: { ...server, id: undefined, status: "STOPPED", token: `${server.token}x${from}`, createdAt: undefined, updatedAt: undefined } });
      await t.db.gpuAllocation.create({ data: { gpuId: gpu.id, slot: 0, serverId: old.id, userId: student.id, courseId: course.id, allocatedAt: new Date(from), releasedAt: new Date(to) } });
    }
    await t.db.gpuAllocation.create({ data: { gpuId: gpu.id, slot: 0, serverId: server.id, userId: student.id, courseId: course.id, allocatedAt: open } });

    const expectedUsed = (Math.min(5 * hour, now.getTime() - weekStart.getTime()) + 3 * hour) / hour;
    const status = await gpuQuotaStatus(t.db, { userId: student.id, courseId: course.id, now });
    expect(status.usedHours).toBeCloseTo(expectedUsed, 6);
    expect(status.allowedHours).toBe(10);
    expect(status.level).toBe(expectedUsed >= 8 ? "warning" : "ok");

    const later = new Date(now.getTime() + (9.6 - expectedUsed) * hour);
    expect((await gpuQuotaStatus(t.db, { userId: student.id, courseId: course.id, now: later })).level).toBe("critical");
    const after = new Date(now.getTime() + (10 - expectedUsed) * hour + 1000);
    expect((await gpuQuotaStatus(t.db, { userId: student.id, courseId: course.id, now: after })).level).toBe("exhausted");

    await grantGpuHours(t.db, { username: student.username, course: course.slug, hours: 5, reason: "Final project", actorId: admin.id, now });
    const granted = await gpuQuotaStatus(t.db, { userId: student.id, courseId: course.id, now: after });
    expect(granted).toMatchObject({ allowedHours: 15, grantedHours: 5, level: "ok" });
    expect(granted.remainingHours).toBeCloseTo(5, 3);
    expect(await t.db.auditEvent.count({ where: { action: "quota.grant", actorId: admin.id, targetId: student.username } })).toBe(1);
  });
});
