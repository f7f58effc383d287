import { LoginResponse, UserResponse } from "@aula/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, PASSWORD, sessionCookieOf, signIn, type TestApp } from "../support/test-app";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await createAccount(t.db, "root", "admin");
});

afterAll(async () => {
  await t.close();
});

async function status(cookie: string): Promise<number> {
  return (await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie } })).statusCode;
}

describe("changing and resetting passwords", () => {
  it("ends every session of the user and hands the caller a fresh one", async () => {
    await createAccount(t.db, "ada");
    const laptop = await signIn(t.app, "ada");
    const phone = await signIn(t.app, "ada");

    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/password",
      headers: laptop.headers,
      payload: { currentPassword: PASSWORD, newPassword: "a much newer password" },
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(LoginResponse, response).user.username).toBe("ada");
    const fresh = sessionCookieOf(response);

    expect(await status(laptop.cookie)).toBe(401);
    expect(await status(phone.cookie)).toBe(401);
    expect(await status(fresh)).toBe(200);

    const oldLogin = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "ada", password: PASSWORD } });
    expect(oldLogin.statusCode).toBe(401);
    await signIn(t.app, "ada", "a much newer password");
  });

  it("refuses a wrong current password and a short new one, changing nothing", async () => {
    await createAccount(t.db, "bob");
    const bob = await signIn(t.app, "bob");
    const before = await t.db.user.findUniqueOrThrow({ where: { username: "bob" } });

    const wrong = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/password",
      headers: bob.headers,
      payload: { currentPassword: "not my password", newPassword: "a much newer password" },
    });
    expect(wrong.statusCode).toBe(400);
    expect(errorOf(wrong).error.code).toBe("validation_failed");

    const short = await t.app.inject({ method: "POST", url: "/api/v1/auth/password", headers: bob.headers, payload: { currentPassword: PASSWORD, newPassword: "short" } });
    expect(short.statusCode).toBe(400);
    expect(errorOf(short).error.details).toMatchObject({ fields: [{ path: "body.newPassword" }] });

    const after = await t.db.user.findUniqueOrThrow({ where: { username: "bob" } });
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(await status(bob.cookie)).toBe(200);
  });

  it("lets an admin reset a password, which returns a new one and ends the user's sessions", async () => {
    await createAccount(t.db, "cid");
    const cid = await signIn(t.app, "cid");
    const admin = await signIn(t.app, "root");

    const response = await t.app.inject({ method: "POST", url: "/api/v1/users/cid/password", headers: admin.headers });
    expect(response.statusCode).toBe(200);
    const { password } = response.json<{ password: string }>();
    expect(password.length).toBeGreaterThanOrEqual(12);

    expect(await status(cid.cookie)).toBe(401);
    await signIn(t.app, "cid", password);
    const event = await t.db.auditEvent.findFirst({ where: { action: "user.password_reset" } });
    expect(event?.data).toMatchObject({ username: "cid" });
    expect(JSON.stringify(event?.data)).not.toContain(password);
  });

  it("refuses a password reset from a non-admin", async () => {
    await createAccount(t.db, "dan");
    const dan = await signIn(t.app, "dan");
    const response = await t.app.inject({ method: "POST", url: "/api/v1/users/root/password", headers: dan.headers });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).error.code).toBe("forbidden");
  });

  it("ends sessions and API tokens of a user an admin disables, and lets no one in until re-enabled", async () => {
    await createAccount(t.db, "eve");
    const eve = await signIn(t.app, "eve");
    const token = (await t.app.inject({ method: "POST", url: "/api/v1/users/eve/tokens", headers: eve.headers, payload: { name: "script" } })).json<{ token: string }>().token;
    const bearer = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: "GET", url: "/api/v1/me", headers: bearer })).statusCode).toBe(200);

    const admin = await signIn(t.app, "root");
    const disable = await t.app.inject({ method: "PATCH", url: "/api/v1/users/eve", headers: admin.headers, payload: { disabled: true } });
    expect(disable.statusCode).toBe(200);
    expect(bodyOf(UserResponse, disable).user.disabled).toBe(true);

    expect(await status(eve.cookie)).toBe(401);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/me", headers: bearer })).statusCode).toBe(401);
    const login = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "eve", password: PASSWORD } });
    expect(login.statusCode).toBe(401);

    const enable = await t.app.inject({ method: "PATCH", url: "/api/v1/users/eve", headers: admin.headers, payload: { disabled: false } });
    expect(bodyOf(UserResponse, enable).user.disabled).toBe(false);
    await signIn(t.app, "eve");
    // Re-enabling does not bring the revoked token back.
    expect((await t.app.inject({ method: "GET", url: "/api/v1/me", headers: bearer })).statusCode).toBe(401);

    const actions = (await t.db.auditEvent.findMany({ where: { targetType: "user" }, orderBy: { id: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["user.disable", "user.enable"]));
  });

  it("does not let an admin disable themselves", async () => {
    const admin = await signIn(t.app, "root");
    const response = await t.app.inject({ method: "PATCH", url: "/api/v1/users/root", headers: admin.headers, payload: { disabled: true } });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).error.code).toBe("forbidden");
    expect((await t.db.user.findUniqueOrThrow({ where: { username: "root" } })).disabledAt).toBeNull();
    expect(await status(admin.cookie)).toBe(200);
  });
});
