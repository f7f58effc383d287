import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache";

describe("TtlCache", () => {
  it("shares one load between concurrent callers and reloads after the TTL", async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(2000, 10, () => now);
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("k", load), cache.get("k", load), cache.get("k", load)])).toEqual([1, 1, 1]);
    now = 1999;
    expect(await cache.get("k", load)).toBe(1);
    now = 2000;
    expect(await cache.get("k", load)).toBe(2);
  });

  it("does not keep failed loads or values turned down", async () => {
    const cache = new TtlCache<boolean>(2000, 10);
    await expect(cache.get("k", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(cache.size).toBe(0);
    await cache.get("k", async () => false, (v) => v);
    expect(cache.size).toBe(0);
  });

  it("stays within its bound, dropping the oldest entry", async () => {
    const cache = new TtlCache<string>(60_000, 3);
    for (const k of ["a", "b", "c", "d"]) await cache.get(k, async () => k);
    expect(cache.size).toBe(3);
    let reloaded = false;
    await cache.get("a", async () => ((reloaded = true), "a"));
    expect(reloaded).toBe(true);
  });

  it("forgets matching values on request", async () => {
    const cache = new TtlCache<{ userId: string } | null>(60_000, 10);
    await cache.get("s1", async () => ({ userId: "u1" }));
    await cache.get("s2", async () => ({ userId: "u2" }));
    await cache.get("s3", async () => null);
    cache.deleteWhere((p) => p?.userId === "u1");
    expect(cache.size).toBe(2);
  });
});
