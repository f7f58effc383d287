import { LoginResponse } from "@aula/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, PASSWORD, sessionCookieOf, signIn, type TestApp } from "../support/test-app";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await createAccount(t.db, "ada", "student");
  await createAccount(t.db, "grace", "student");
});

afterAll(async () => {
  await t.close();
});

describe("login, me and logout", () => {
  it("signs in with a session cookie, answers /me with the CSRF token, and signs out", async () => {
    const login = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "ada", password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const body = bodyOf(LoginResponse, login);
    expect(body.user).toMatchObject({ username: "ada", role: "student", disabled: false, email: null });
    expect(body.user).not.toHaveProperty("passwordHash");
    expect(typeof body.csrfToken).toBe("string");

    const cookie = login.cookies.find((c) => c.name === "aula_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/", maxAge: 7 * 24 * 3600 });
    expect(cookie?.secure).toBeFalsy();

    const headers = { cookie: sessionCookieOf(login) };
    const me = await t.app.inject({ method: "GET", url: "/api/v1/me", headers });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ user: body.user, csrfToken: body.csrfToken });

    const logout = await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: { ...headers, "x-aula-csrf": body.csrfToken } });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === "aula_session")?.value).toBe("");

    const after = await t.app.inject({ method: "GET", url: "/api/v1/me", headers });
    expect(after.statusCode).toBe(401);
    expect(errorOf(after).error.code).toBe("unauthenticated");
  });

  it("refuses a request carrying a second, planted session cookie instead of picking one", async () => {
    const ada = await signIn(t.app, "ada");
    const grace = await signIn(t.app, "grace");
    // grace's cookie tossed onto ada's browser (Domain= a parent, Path=/api): both are sent.
    for (const cookie of [`${grace.cookie}; ${ada.cookie}`, `${ada.cookie}; ${grace.cookie}`, `${ada.cookie}; ${ada.cookie}`]) {
      const me = await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie } });
      expect(me.statusCode).toBe(401);
      expect(errorOf(me).error).toMatchObject({ code: "unauthenticated", message: expect.stringMatching(/two Aula sign-in cookies/) });
    }
    const write = await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: { cookie: `${grace.cookie}; ${ada.cookie}`, "x-aula-csrf": grace.csrfToken } });
    expect(write.statusCode).toBe(401);
    // Each alone still works: nothing was revoked.
    expect((await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie: ada.cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie: `other=1; ${grace.cookie}; xaula_session=2` } })).statusCode).toBe(200);
  });

  it("stores only a digest of the session secret", async () => {
    const { cookie } = await signIn(t.app, "ada");
    const secret = cookie.split("=")[1] ?? "";
    const rows = await t.db.session.findMany({ where: { user: { username: "ada" } } });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.tokenHash).not.toContain(secret);
  });

  it("refuses a cookie-authenticated write without the X-Aula-CSRF header", async () => {
    const { cookie, csrfToken } = await signIn(t.app, "ada");
    const missing = await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: { cookie } });
    expect(missing.statusCode).toBe(403);
    expect(errorOf(missing).error.code).toBe("csrf_failed");

    const wrong = await t.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: { cookie, "x-aula-csrf": `${csrfToken}x` } });
    expect(wrong.statusCode).toBe(403);
    expect(errorOf(wrong).error.code).toBe("csrf_failed");

    // The refused logout did not end the session.
    const me = await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie } });
    expect(me.statusCode).toBe(200);
  });

  it("lets a signed-in browser sign in again without a CSRF header", async () => {
    const { cookie } = await signIn(t.app, "ada");
    const again = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", headers: { cookie }, payload: { username: "grace", password: PASSWORD } });
    expect(again.statusCode).toBe(200);
    expect(bodyOf(LoginResponse, again).user.username).toBe("grace");
  });

  it("answers a wrong password and an unknown user identically", async () => {
    const wrong = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "ada", password: "not the password" } });
    const unknown = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "nobody", password: "not the password" } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (r: typeof wrong) => ({ ...errorOf(r), requestId: undefined });
    expect(strip(wrong)).toEqual(strip(unknown));
    expect(errorOf(wrong).error).toEqual({ code: "unauthenticated", message: "Wrong username or password." });
    expect(wrong.cookies).toEqual([]);
  });

  it("gives a disabled user the same answer as a wrong password", async () => {
    await createAccount(t.db, "dora");
    await t.db.user.update({ where: { username: "dora" }, data: { disabledAt: new Date() } });
    const response = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "dora", password: PASSWORD } });
    expect(response.statusCode).toBe(401);
    expect(errorOf(response).error).toEqual({ code: "unauthenticated", message: "Wrong username or password." });
  });

  it("accepts the username in any case", async () => {
    const response = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "  ADA ", password: PASSWORD } });
    expect(response.statusCode).toBe(200);
  });

  it("refuses /me without credentials", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/me" });
    expect(response.statusCode).toBe(401);
    expect(errorOf(response).error.code).toBe("unauthenticated");
  });

  it("marks the cookie Secure when the public URL is https", async () => {
    const secure = await createTestApp({ publicUrl: "https://aula.example.org" });
    try {
      await createAccount(secure.db, "ada");
      const login = await secure.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "ada", password: PASSWORD } });
      expect(login.cookies.find((c) => c.name === "aula_session")?.secure).toBe(true);
    } finally {
      await secure.close();
    }
  });
});
