import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createSubdomainCookie, exchangeSubdomainCode, issueSubdomainCode, readSubdomainCookie, subdomainCodeKey, type SubdomainGrant } from "./subdomain-auth";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
const prefix = `aula-test-subdomain-${randomBytes(4).toString("hex")}`;
const grant: SubdomainGrant = { server: "ana", sessionId: "8d3c8f1e-0000-4000-8000-000000000001", userId: "8d3c8f1e-0000-4000-8000-000000000002" };

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("subdomain one-time codes", () => {
  it("trade for their grant exactly once", async () => {
    const code = await issueSubdomainCode(redis, prefix, grant);
    const [first, second] = await Promise.all([exchangeSubdomainCode(redis, prefix, code, "ana"), exchangeSubdomainCode(redis, prefix, code, "ana")]);
    expect([first, second].filter((g) => g !== null)).toEqual([grant]);
    expect(await exchangeSubdomainCode(redis, prefix, code, "ana")).toBeNull();
  });

  it("are refused on another user's subdomain, and spent by the attempt", async () => {
    const code = await issueSubdomainCode(redis, prefix, grant);
    expect(await exchangeSubdomainCode(redis, prefix, code, "bob")).toBeNull();
    expect(await exchangeSubdomainCode(redis, prefix, code, "ana")).toBeNull();
  });

  it("are stored only as a digest, with a short expiry", async () => {
    const code = await issueSubdomainCode(redis, prefix, grant);
    const keys = await redis.keys(`${prefix}:subdomain-code:*`);
    expect(keys.some((k) => k.includes(code))).toBe(false);
    const ttl = await redis.ttl(subdomainCodeKey(prefix, code));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("expire unused", async () => {
    const code = await issueSubdomainCode(redis, prefix, grant, 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await exchangeSubdomainCode(redis, prefix, code, "ana")).toBeNull();
  });

  it.each(["", "short", "x".repeat(43) + "=", "a/b".padEnd(43, "a"), "\u0000".repeat(43)])("refuses the malformed code %j without a lookup", async (code) => {
    expect(await exchangeSubdomainCode(redis, prefix, code, "ana")).toBeNull();
  });
});

describe("subdomain cookies", () => {
  it("resolve to the grant they were made for until they expire", async () => {
    const secret = await createSubdomainCookie(redis, prefix, grant, 1);
    expect(await readSubdomainCookie(redis, prefix, secret)).toEqual(grant);
    expect(await readSubdomainCookie(redis, prefix, `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`)).toBeNull();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await readSubdomainCookie(redis, prefix, secret)).toBeNull();
  });
});
