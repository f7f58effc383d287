import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@aula/db";
import { requestServerStart, requestServerStop } from "@aula/domain";
import { createCourseWithWeeks, createPublishedEnvironment, createTestUser, enrollTestUser } from "@aula/domain/testing";
import { enqueueSpawn, enqueueStop, readProgressHistory } from "@aula/queue";
import { createServerHarness, type ServerHarness, type ServerWorkers } from "./support/server-harness";
import { newestPythonImage } from "@aula/docker/testing";
import { until } from "./support/waits";

// Class start with every real part: 50 students ask for a GPU at once on a node with 4
// (simulated) GPUs, served by two workers. Containers are the published python image.

const GPUS = 4;
const COURSE_A = 35;
const COURSE_B = 15;

/** The largest number of ledger intervals open at the same instant. */
function maxOverlap(intervals: { allocatedAt: Date; releasedAt: Date | null }[]): number {
  const events = intervals.flatMap((i) => [
    { t: i.allocatedAt.getTime(), d: 1 },
    { t: (i.releasedAt ?? new Date(8.64e15)).getTime(), d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (open += e.d));
  return max;
}

describe("GPU admission at class start", () => {
  let h: ServerHarness;
  let workers: ServerWorkers[] = [];

  beforeAll(async () => {
    h = await createServerHarness();
    // Two workers, each with its own database pool and Redis connections, as two processes would.
    const dbs = [createDb({ url: h.t.url, max: 5 }), createDb({ url: h.t.url, max: 5 })];
    // Registered first, so they run after the workers have closed.
    for (const db of dbs) h.closeLater(() => db.$disconnect());
    workers = [];
    for (const db of dbs) {
      const set = await h.startWorkers({ db, spawnConcurrency: 4, gpus: { spec: `sim:${GPUS}xH100-80GB`, admissionEveryMs: 1_000, meterEveryMs: 3_600_000 } });
      workers.push(set.workers);
    }
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it("never holds more GPUs than exist, queues the rest fairly and in order, and serves everyone as GPUs free", async () => {
    const environment = await createPublishedEnvironment(h.t.db, { gpu: "REQUIRED", image: newestPythonImage() });
    const courseA = await createCourseWithWeeks(h.t.db, { environmentId: environment.id });
    const courseB = await createCourseWithWeeks(h.t.db, { environmentId: environment.id });
    // Course A's 35 students all ask before course B's 15: pure first come, first served would
    // make all of B wait for all of A.
    const base = Date.now();
    const servers: { id: string; courseId: string; username: string; queuedAt: Date }[] = [];
    for (const [i, course] of [...Array<typeof courseA>(COURSE_A).fill(courseA), ...Array<typeof courseB>(COURSE_B).fill(courseB)].entries()) {
      const student = await createTestUser(h.t.db);
      h.track(student.username);
      await enrollTestUser(h.t.db, { courseId: course.id, userId: student.id });
      const s = await requestServerStart(h.t.db, { username: student.username, course: course.slug, week: 1, gpu: "required" }, new Date(base + i * 10));
      servers.push({ id: s.id, courseId: course.id, username: student.username, queuedAt: s.queuedAt });
    }
    await Promise.all(servers.map((s) => enqueueSpawn(workers[0]!.spawns, { serverId: s.id })));

    // Watch the ledger at every step; stop each server as soon as it is RUNNING, which frees
    // its GPU for the next in line.
    let maxOpen = 0;
    let inspected = false;
    const stopping = new Set<string>();
    const ids = servers.map((s) => s.id);
    await until("every server to be served and stopped", async () => {
      maxOpen = Math.max(maxOpen, await h.t.db.gpuAllocation.count({ where: { releasedAt: null } }));
      const rows = await h.t.db.server.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, failureReason: true, containerId: true, user: { select: { username: true } } } });
      const failed = rows.find((r) => r.status === "FAILED");
      if (failed) throw new Error(`a spawn failed: ${failed.failureReason}`);
      for (const r of rows.filter((r) => r.status === "RUNNING" && !stopping.has(r.id))) {
        if (!inspected && r.containerId) {
          const info = await h.docker.getContainer(r.containerId).inspect();
          expect(info.HostConfig.DeviceRequests ?? []).toEqual([]);
          inspected = true;
        }
        stopping.add(r.id);
        await requestServerStop(h.t.db, { username: r.user.username, reason: "Stopped by you." });
        await enqueueStop(workers[1]!.stops, { serverId: r.id });
      }
      return rows.every((r) => r.status === "STOPPED");
    });

    expect(maxOpen).toBeLessThanOrEqual(GPUS);
    expect(inspected).toBe(true);
    const ledger = await h.t.db.gpuAllocation.findMany({ where: { serverId: { in: ids } }, orderBy: { allocatedAt: "asc" } });
    // Everyone was served exactly once, every interval is closed, and at most 4 were ever open.
    expect(ledger).toHaveLength(servers.length);
    expect(new Set(ledger.map((a) => a.serverId)).size).toBe(servers.length);
    expect(ledger.every((a) => a.releasedAt !== null)).toBe(true);
    expect(maxOverlap(ledger)).toBe(GPUS);
    // No slot was ever held twice at once.
    const bySlot = new Map<string, typeof ledger>();
    for (const a of ledger) bySlot.set(`${a.gpuId}:${a.slot}`, [...(bySlot.get(`${a.gpuId}:${a.slot}`) ?? []), a]);
    expect(bySlot.size).toBeLessThanOrEqual(GPUS);
    for (const intervals of bySlot.values()) expect(maxOverlap(intervals)).toBe(1);

    // In order within a course: when a student got a GPU, at most 3 classmates who asked
    // earlier were still waiting (up to 4 heads of the line are admitted together).
    const allocatedAt = new Map(ledger.map((a) => [a.serverId, a.allocatedAt.getTime()]));
    for (const s of servers) {
      const earlierWaiting = servers.filter((o) => o.courseId === s.courseId && o.queuedAt < s.queuedAt && allocatedAt.get(o.id)! > allocatedAt.get(s.id)!);
      expect(earlierWaiting.length, `${s.username} overtook ${earlierWaiting.length} classmates`).toBeLessThanOrEqual(GPUS - 1);
    }
    // Fair across courses: course B, although it asked last, was served while A was still waiting.
    const firstTwenty = ledger.slice(0, 20).filter((a) => a.courseId === courseB.id).length;
    expect(firstTwenty).toBeGreaterThanOrEqual(7);

    // Waiting students were told their place, and it only ever moved forward.
    const last = servers.at(-1)!;
    const positions = (await readProgressHistory(h.redis, h.prefix, last.id)).flatMap((e) => (e.phase === "queued" && e.position ? [e.position] : []));
    expect(positions.length).toBeGreaterThan(1);
    expect(positions[0]).toBeGreaterThan(GPUS);
    for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeLessThanOrEqual(positions[i - 1]!);
  }, 240_000);
});
