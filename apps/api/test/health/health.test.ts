import { createTestDatabase } from "@aula/db";
import { createSpawnQueue, createStopQueue } from "@aula/queue";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { createTestApp, type TestApp } from "../support/test-app";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t.close();
});

describe("health", () => {
  it("reports postgres and redis as ok", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok", checks: { postgres: "ok", redis: "ok" } });
  });

  it("answers 503 naming the dependency that is down", async () => {
    const database = await createTestDatabase();
    // Port 1 on loopback: nothing listens there, so every Redis command fails.
    const deadRedis = new Redis({ host: "127.0.0.1", port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    deadRedis.on("error", () => {});
    const queues = { spawns: createSpawnQueue(deadRedis, "aula-test-dead"), stops: createStopQueue(deadRedis, "aula-test-dead") };
    const app = buildApp({ db: database.db, redis: deadRedis, queues, config: { publicUrl: "http://127.0.0.1:8000", redisPrefix: "aula-test-dead", logLevel: "silent" } });
    try {
      const response = await app.inject({ method: "GET", url: "/api/v1/health" });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: "degraded", checks: { postgres: "ok", redis: "down" } });
    } finally {
      await app.close();
      await Promise.allSettled([queues.spawns.close(), queues.stops.close()]);
      deadRedis.disconnect();
      await database.drop();
    }
  });
});
