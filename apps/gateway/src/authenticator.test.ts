import { createTestDatabase, type Db, type TestDatabase } from "@aula/db";
import { hashSecret, newSessionSecret } from "@aula/domain";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Authenticator } from "./authenticator";

/** The real client, with session lookups counted (the query still runs against PostgreSQL). */
function countingSessions(db: Db): { db: Db; lookups: () => number } {
  let count = 0;
  const sessions = new Proxy(db.session, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== "findUnique" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const wrapped = new Proxy(db, { get: (target, prop, receiver) => (prop === "session" ? sessions : Reflect.get(target, prop, receiver)) as unknown });
  return { db: wrapped, lookups: () => count };
}

describe("Authenticator", () => {
  let testDb: TestDatabase;
  let redis: Redis;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  });

  afterAll(async () => {
    redis?.disconnect();
    await testDb?.drop();
  });

  it("costs one database query for a burst of requests with the same cookie", async () => {
    const user = await testDb.db.user.create({ data: { username: "burst", displayName: "B", role: "STUDENT" } });
    const secret = newSessionSecret();
    await testDb.db.session.create({ data: { userId: user.id, tokenHash: hashSecret(secret), csrfToken: "c", expiresAt: new Date(Date.now() + 60_000) } });
    const counted = countingSessions(testDb.db);
    const auth = new Authenticator({ db: counted.db, redis, prefix: "unused", ttlMs: 60_000, maxEntries: 100 });
    const principals = await Promise.all(Array.from({ length: 50 }, () => auth.authenticate(secret, null)));
    expect(principals.every((p) => p?.userId === user.id)).toBe(true);
    expect(counted.lookups()).toBe(1);

    // Unknown cookies are cached too, so a flood of a forged one does not reach the database each time.
    await Promise.all(Array.from({ length: 10 }, () => auth.authenticate("forged", null)));
    expect(counted.lookups()).toBe(2);

    // A revocation forgets the user's cached lookups at once.
    auth.revokeUser(user.id);
    await auth.authenticate(secret, null);
    expect(counted.lookups()).toBe(3);
  });
});
