import { sessionsChannel } from "@aula/queue/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createTestApp, signIn, type TestApp } from "../support/test-app";

// The gateway closes a user's open notebook WebSockets when the api announces it; these are the
// announcements, read from the real Redis channel.

describe("ending a user's sessions tells the gateway", () => {
  let t: TestApp;
  const received: string[] = [];
  let subscriber: TestApp["redis"];

  beforeAll(async () => {
    t = await createTestApp();
    subscriber = t.redis.duplicate();
    subscriber.on("message", (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe(sessionsChannel(t.prefix));
  });
  afterAll(async () => {
    await subscriber?.quit();
    await t?.close();
  });

  async function announced(userId: string): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      if (received.some((m) => (JSON.parse(m) as { userId?: string }).userId === userId)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  it("announces a logout", async () => {
    const user = await createAccount(t.db, "lola");
    const s = await signIn(t.app, "lola");
    await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: s.headers });
    expect(await announced(user.id)).toBe(true);
  });

  it("announces a password change", async () => {
    const user = await createAccount(t.db, "pepe");
    const s = await signIn(t.app, "pepe");
    const r = await t.app.inject({ method: "POST", url: "/api/v1/auth/password", headers: s.headers, payload: { currentPassword: "correct horse battery", newPassword: "another long password" } });
    expect(r.statusCode).toBe(200);
    expect(await announced(user.id)).toBe(true);
  });

  it("announces disabling a user", async () => {
    await createAccount(t.db, "boss", "admin");
    const user = await createAccount(t.db, "nico");
    const admin = await signIn(t.app, "boss");
    const r = await t.app.inject({ method: "PATCH", url: "/api/v1/users/nico", headers: admin.headers, payload: { disabled: true } });
    expect(r.statusCode).toBe(200);
    expect(await announced(user.id)).toBe(true);
  });
});
