import { revokeAllSessions } from "@aula/domain";
import { publishRevokeUser } from "@aula/queue/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createTestApp, signIn, type TestApp } from "../support/test-app";

// The api reuses a looked-up session for a moment. With a TTL far longer than any test, these
// prove that revocation never waits for it: the api forgets a user at once when it ends their
// sessions itself, and when another process announces it on the revoke-user channel.

describe("the api's session cache", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ sessionCacheTtlMs: 600_000 });
    // The cache is used only once the api listens for revoke-user.
    for (let i = 0; i < 250 && !t.app.sessionCache.enabled; i++) await new Promise((r) => setTimeout(r, 20));
    expect(t.app.sessionCache.enabled).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
  });

  const me = (cookie: string) => t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie } });

  it("refuses a cached session right after logout", async () => {
    await createAccount(t.db, "cara");
    const s = await signIn(t.app, "cara");
    expect((await me(s.cookie)).statusCode).toBe(200);
    expect((await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: s.headers })).statusCode).toBe(204);
    expect((await me(s.cookie)).statusCode).toBe(401);
  });

  it("shows a role change on the next request", async () => {
    await createAccount(t.db, "root", "admin");
    await createAccount(t.db, "rita");
    const admin = await signIn(t.app, "root");
    const s = await signIn(t.app, "rita");
    expect((await me(s.cookie)).json<{ user: { role: string } }>().user.role).toBe("student");
    expect((await t.app.inject({ method: "PATCH", url: "/api/v1/users/rita", headers: admin.headers, payload: { role: "instructor" } })).statusCode).toBe(200);
    expect((await me(s.cookie)).json<{ user: { role: string } }>().user.role).toBe("instructor");
  });

  it("refuses a session another process revoked once revoke-user arrives", async () => {
    const user = await createAccount(t.db, "olga");
    const s = await signIn(t.app, "olga");
    expect((await me(s.cookie)).statusCode).toBe(200);
    // As the CLI or a second api would: revoke in the database, then announce it.
    await revokeAllSessions(t.db, { userId: user.id });
    await publishRevokeUser(t.redis, t.prefix, user.id);
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      status = (await me(s.cookie)).statusCode;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
  });

  it("answers /me from the session lookup with the same view as /users/:name", async () => {
    await createAccount(t.db, "vera");
    const s = await signIn(t.app, "vera");
    const fromMe = (await me(s.cookie)).json<{ user: unknown }>().user;
    const fromUsers = (await t.app.inject({ method: "GET", url: "/api/v1/users/vera", headers: { cookie: s.cookie } })).json<{ user: unknown }>().user;
    expect(fromMe).toEqual(fromUsers);
  });
});
