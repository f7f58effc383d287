import type { Principal } from "@aula/domain";
import { describe, expect, it } from "vitest";
import { SessionCache } from "./session-cache";

const principal = (userId: string, expiresAt = new Date(Date.now() + 3_600_000)): Principal => ({
  userId,
  username: userId,
  displayName: userId,
  role: "STUDENT",
  session: { id: `s-${userId}`, csrfToken: "c", expiresAt },
});

function counting(value: Principal | null) {
  let calls = 0;
  return {
    load: () => {
      calls++;
      return Promise.resolve(value);
    },
    get calls() {
      return calls;
    },
  };
}

describe("SessionCache", () => {
  it("shares one lookup per secret until the TTL runs out", async () => {
    let now = 1000;
    const cache = new SessionCache(2000, 100, () => now);
    cache.enabled = true;
    const l = counting(principal("ada"));
    await Promise.all([cache.get("x", l.load), cache.get("x", l.load)]);
    await cache.get("x", l.load);
    expect(l.calls).toBe(1);
    now += 2001;
    await cache.get("x", l.load);
    expect(l.calls).toBe(2);
  });

  it("looks every request up while disabled (its subscriber is not connected)", async () => {
    const cache = new SessionCache(2000, 100);
    const l = counting(principal("ada"));
    await cache.get("x", l.load);
    await cache.get("x", l.load);
    expect(l.calls).toBe(2);
  });

  it("forgets a revoked user's sessions and keeps other users'", async () => {
    const cache = new SessionCache(2000, 100);
    cache.enabled = true;
    const ada = counting(principal("ada"));
    const bob = counting(principal("bob"));
    await cache.get("a", ada.load);
    await cache.get("b", bob.load);
    cache.revokeUser("ada");
    await cache.get("a", ada.load);
    await cache.get("b", bob.load);
    expect([ada.calls, bob.calls]).toEqual([2, 1]);
  });

  it("does not keep a lookup that was in flight when its user was revoked", async () => {
    const cache = new SessionCache(2000, 100);
    cache.enabled = true;
    let release!: (p: Principal) => void;
    const first = cache.get("a", () => new Promise<Principal>((r) => (release = r)));
    cache.revokeUser("ada");
    release(principal("ada"));
    await first;
    const again = counting(null);
    expect(await cache.get("a", again.load)).toBeNull();
    expect(again.calls).toBe(1);
  });

  it("never keeps an unknown secret, and drops a session whose expiry passed inside the TTL", async () => {
    let now = 1000;
    const cache = new SessionCache(60_000, 100, () => now);
    cache.enabled = true;
    const unknown = counting(null);
    await cache.get("nope", unknown.load);
    await cache.get("nope", unknown.load);
    expect(unknown.calls).toBe(2);
    const expiring = counting(principal("ada", new Date(1500)));
    await cache.get("a", expiring.load);
    now = 1500;
    await cache.get("a", expiring.load);
    expect(expiring.calls).toBe(2);
  });

  it("holds at most maxEntries", async () => {
    const cache = new SessionCache(60_000, 3);
    cache.enabled = true;
    for (const k of ["a", "b", "c", "d", "e"]) await cache.get(k, () => Promise.resolve(principal(k)));
    expect(cache.size).toBeLessThanOrEqual(3);
  });
});
