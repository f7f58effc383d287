import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createTestApp, signIn, type TestApp } from "../support/test-app";

const SECRET_PASSWORD = "never-log-this-password-91";
const lines: string[] = [];
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ logStream: { write: (line: string) => void lines.push(line) } });
  await createAccount(t.db, "ada", "student", SECRET_PASSWORD);
});

afterAll(async () => {
  await t.close();
});

describe("logs", () => {
  it("never contain passwords, session cookies, CSRF tokens or API tokens", async () => {
    await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "ada", password: `${SECRET_PASSWORD}-wrong` } });
    const ada = await signIn(t.app, "ada", SECRET_PASSWORD);
    const token = (await t.app.inject({ method: "POST", url: "/api/v1/users/ada/tokens", headers: ada.headers, payload: {} })).json<{ token: string }>().token;
    await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { authorization: `Bearer ${token}` } });
    await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/password",
      headers: ada.headers,
      payload: { currentPassword: SECRET_PASSWORD, newPassword: `${SECRET_PASSWORD}-new` },
    });
    // A malformed body must not be echoed into the logs either.
    await t.app.inject({ method: "POST", url: "/api/v1/auth/login", headers: { "content-type": "application/json" }, payload: `{"password":"${SECRET_PASSWORD}"` });

    const log = lines.join("");
    expect(lines.length).toBeGreaterThan(5);
    expect(log).toContain("login failed");
    expect(log).toContain("login succeeded");
    for (const secret of [SECRET_PASSWORD, ada.cookie.split("=")[1] ?? "", ada.csrfToken, token]) {
      expect(secret.length).toBeGreaterThan(10);
      expect(log).not.toContain(secret);
    }
    // Every line is JSON, so log shippers never choke on a stray print.
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
