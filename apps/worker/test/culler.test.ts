import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { requestServerStart } from "@aula/domain";
import { createReadyStudent } from "@aula/domain/testing";
import { createSpawnQueue, createStopQueue, readProgressHistory, type SpawnQueue, type StopQueue } from "@aula/queue";
import { activityKey } from "@aula/queue/messages";
import { createLogger } from "../src/log";
import { cullIdleServers } from "../src/servers/culler";

// The idle culler against real PostgreSQL and Redis: activity comes from the gateway's hash,
// limits from the course policy; a warning comes first, then a stop with the reason.

describe("the idle culler", () => {
  let t: TestDatabase;
  let redis: Redis;
  let spawns: SpawnQueue;
  let stops: StopQueue;
  const prefix = `aula-test-${randomBytes(5).toString("hex")}`;
  const minutes = (n: number) => n * 60_000;

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 3 });
    spawns = createSpawnQueue(redis, prefix);
    stops = createStopQueue(redis, prefix);
  });
  afterAll(async () => {
    await Promise.allSettled([spawns.obliterate({ force: true }), stops.obliterate({ force: true })]);
    await Promise.allSettled([spawns.close(), stops.close()]);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await t?.drop();
  });

  const deps = () => ({ db: t.db, docker: new Docker(), publisher: redis, prefix, dataDir: "/tmp", log: createLogger("silent"), readyTimeoutMs: 1000, stops });

  async function runningServer(opts: { readyMinutesAgo: number; idleTimeoutS?: number; maxAgeS?: number }) {
    const { student, course } = await createReadyStudent(t.db);
    await t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { idleTimeoutS: opts.idleTimeoutS ?? 600, maxAgeS: opts.maxAgeS ?? 8 * 3600 } });
    const server = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    const readyAt = new Date(Date.now() - minutes(opts.readyMinutesAgo));
    await t.db.server.update({ where: { id: server.id }, data: { status: "RUNNING", readyAt, lastActivityAt: readyAt, hostPort: 1 } });
    return server;
  }

  it("leaves a server alone while the gateway reports recent activity", async () => {
    const server = await runningServer({ readyMinutesAgo: 30 });
    await redis.hset(activityKey(prefix), server.id, String(Date.now() - minutes(1)));
    await cullIdleServers(deps());
    const row = await t.db.server.findUniqueOrThrow({ where: { id: server.id } });
    expect(row.status).toBe("RUNNING");
    expect(row.cullWarnedAt).toBeNull();
  });

  it("warns five minutes before the idle timeout, then stops with the reason", async () => {
    const server = await runningServer({ readyMinutesAgo: 30 });
    await redis.hset(activityKey(prefix), server.id, String(Date.now() - minutes(6)));
    await cullIdleServers(deps());
    const warned = await t.db.server.findUniqueOrThrow({ where: { id: server.id } });
    expect(warned.status).toBe("RUNNING");
    expect(warned.cullWarnedAt).not.toBeNull();
    const events = await readProgressHistory(redis, prefix, server.id);
    expect(events.at(-1)?.message).toMatch(/will stop in about 5 minutes/);

    await redis.hset(activityKey(prefix), server.id, String(Date.now() - minutes(11)));
    await cullIdleServers(deps());
    const stopped = await t.db.server.findUniqueOrThrow({ where: { id: server.id } });
    expect(stopped.status).toBe("STOPPING");
    expect(stopped.stopReason).toBe("Stopped after 10 minutes without activity. Your files are kept.");
    expect(await stops.getJob(`stop-${server.id}`)).toBeDefined();
  });

  it("stops a busy server that reached the course's maximum session length", async () => {
    const server = await runningServer({ readyMinutesAgo: 125, maxAgeS: 2 * 3600 });
    await redis.hset(activityKey(prefix), server.id, String(Date.now()));
    await cullIdleServers(deps());
    const row = await t.db.server.findUniqueOrThrow({ where: { id: server.id } });
    expect(row.status).toBe("STOPPING");
    expect(row.stopReason).toMatch(/maximum session length \(2 h\)/);
  });
});
