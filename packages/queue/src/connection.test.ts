import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { isRedisUnavailable } from "./connection";

describe("isRedisUnavailable", () => {
  it("recognises ioredis' errors while Redis cannot be reached", async () => {
    // Port 1 on loopback: nothing listens there.
    const failFast = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    failFast.on("error", () => {});
    const notWritable = await failFast.get("k").then(() => null, (e: unknown) => e);
    expect(isRedisUnavailable(notWritable)).toBe(true);
    failFast.disconnect();

    const retrying = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, retryStrategy: () => 10 });
    retrying.on("error", () => {});
    const maxRetries = await retrying.get("k").then(() => null, (e: unknown) => e);
    expect(isRedisUnavailable(maxRetries)).toBe(true);
    retrying.disconnect();
  });

  it("leaves command errors from a live Redis alone", async () => {
    const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
    const key = `aula-test-${randomBytes(4).toString("hex")}:string`;
    try {
      await redis.set(key, "x", "EX", 60);
      const wrongType = await redis.lpush(key, "y").then(() => null, (e: unknown) => e);
      expect(wrongType).toBeInstanceOf(Error);
      expect(isRedisUnavailable(wrongType)).toBe(false);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});
