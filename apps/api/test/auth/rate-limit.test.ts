import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createTestApp, errorOf, PASSWORD, type TestApp } from "../support/test-app";

// Small limits keep the test short; the mechanism is the same as with the defaults.
const LIMITS = { perAccount: 3, perAddress: 5, windowSeconds: 900 };

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ loginLimits: LIMITS });
  for (const name of ["ada", "bob", "cid", "dan", "eve", "fay"]) await createAccount(t.db, name);
});

afterEach(async () => {
  const keys = await t.redis.keys(`${t.prefix}:*`);
  if (keys.length > 0) await t.redis.del(...keys);
});

afterAll(async () => {
  await t.close();
});

function login(username: string, password: string, extra: { remoteAddress?: string; headers?: Record<string, string> } = {}) {
  return t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username, password }, ...extra });
}

describe("login rate limiting", () => {
  it("locks an account after repeated wrong passwords, even with the right one, and says when to retry", async () => {
    for (let i = 0; i < LIMITS.perAccount; i++) expect((await login("ada", "wrong password")).statusCode).toBe(401);
    const blocked = await login("ada", PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(errorOf(blocked).error.code).toBe("rate_limited");
    expect(errorOf(blocked).error.message).toMatch(/Try again in \d+ minutes?\./);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    // Other accounts from other addresses are unaffected.
    expect((await login("bob", PASSWORD, { remoteAddress: "198.51.100.7" })).statusCode).toBe(200);
  });

  it("clears an account's failures after a successful login", async () => {
    for (let i = 0; i < LIMITS.perAccount - 1; i++) await login("ada", "wrong password");
    expect((await login("ada", PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < LIMITS.perAccount - 1; i++) await login("ada", "wrong password");
    expect((await login("ada", PASSWORD)).statusCode).toBe(200);
  });

  it("blocks an address that sprays wrong passwords across accounts", async () => {
    const remoteAddress = "203.0.113.9";
    for (const name of ["ada", "bob", "cid", "dan", "eve"]) {
      expect((await login(name, "wrong password", { remoteAddress })).statusCode).toBe(401);
    }
    const blocked = await login("fay", PASSWORD, { remoteAddress });
    expect(blocked.statusCode).toBe(429);
    expect(errorOf(blocked).error.code).toBe("rate_limited");
    // The same account from another address still signs in.
    expect((await login("fay", PASSWORD, { remoteAddress: "203.0.113.10" })).statusCode).toBe(200);
  });

  it("ignores a client-sent X-Forwarded-For when the request does not come through the gateway", async () => {
    const remoteAddress = "203.0.113.20";
    const names = ["ada", "bob", "cid", "dan", "eve"];
    for (const [i, name] of names.entries()) {
      const response = await login(name, "wrong password", { remoteAddress, headers: { "x-forwarded-for": `192.0.2.${i + 1}` } });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await login("fay", PASSWORD, { remoteAddress, headers: { "x-forwarded-for": "192.0.2.200" } });
    expect(blocked.statusCode).toBe(429);
  });

  it("counts by the X-Forwarded-For address the gateway on loopback sets", async () => {
    const gateway = { remoteAddress: "127.0.0.1" };
    for (const name of ["ada", "bob", "cid", "dan", "eve"]) {
      await login(name, "wrong password", { ...gateway, headers: { "x-forwarded-for": "192.0.2.50" } });
    }
    expect((await login("fay", PASSWORD, { ...gateway, headers: { "x-forwarded-for": "192.0.2.50" } })).statusCode).toBe(429);
    // A different student behind the same gateway is another address.
    expect((await login("fay", PASSWORD, { ...gateway, headers: { "x-forwarded-for": "192.0.2.51" } })).statusCode).toBe(200);
  });

  it("keeps its counters under the app's Redis prefix with an expiry", async () => {
    await login("ada", "wrong password");
    const keys = await t.redis.keys(`${t.prefix}:*`);
    expect(keys.length).toBe(2);
    for (const key of keys) expect(await t.redis.ttl(key)).toBeGreaterThan(0);
  });
});
