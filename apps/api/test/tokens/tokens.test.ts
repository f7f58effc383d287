import { ApiTokenList, CreatedApiToken } from "@aula/contracts";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, signIn, type TestApp } from "../support/test-app";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await createAccount(t.db, "root", "admin");
  await createAccount(t.db, "ada");
  await createAccount(t.db, "bob");
});

afterAll(async () => {
  await t.close();
});

describe("API tokens", () => {
  it("creates a token shown once, stored only as a digest, that authenticates writes without CSRF", async () => {
    const ada = await signIn(t.app, "ada");
    const created = await t.app.inject({ method: "POST", url: "/api/v1/users/ada/tokens", headers: ada.headers, payload: { name: "notebook sync", expiresInDays: 30 } });
    expect(created.statusCode).toBe(201);
    const body = bodyOf(CreatedApiToken, created);
    expect(body.name).toBe("notebook sync");
    expect(body.expiresAt).not.toBeNull();
    expect(body.token).toMatch(/^aula_/);
    expect(body.token.startsWith(body.prefix)).toBe(true);

    const row = await t.db.apiToken.findUniqueOrThrow({ where: { id: body.id } });
    expect(row.tokenHash).toBe(createHash("sha256").update(body.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(body.token);

    const bearer = { authorization: `Bearer ${body.token}` };
    const me = await t.app.inject({ method: "GET", url: "/api/v1/me", headers: bearer });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { username: "ada" }, csrfToken: null });

    // A write with the bearer token and no CSRF header goes through.
    const second = await t.app.inject({ method: "POST", url: "/api/v1/users/ada/tokens", headers: bearer, payload: {} });
    expect(second.statusCode).toBe(201);

    const list = await t.app.inject({ method: "GET", url: "/api/v1/users/ada/tokens", headers: bearer });
    expect(list.statusCode).toBe(200);
    expect(bodyOf(ApiTokenList, list).tokens).toHaveLength(2);
    expect(list.body).not.toContain(body.token);
    expect(list.body).not.toContain(bodyOf(CreatedApiToken, second).token);
  });

  it("stops a revoked token from working", async () => {
    const ada = await signIn(t.app, "ada");
    const { token, id } = (await t.app.inject({ method: "POST", url: "/api/v1/users/ada/tokens", headers: ada.headers, payload: {} })).json<{ token: string; id: string }>();
    const removed = await t.app.inject({ method: "DELETE", url: `/api/v1/users/ada/tokens/${id}`, headers: ada.headers });
    expect(removed.statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    const again = await t.app.inject({ method: "DELETE", url: `/api/v1/users/ada/tokens/${id}`, headers: ada.headers });
    expect(again.statusCode).toBe(404);
  });

  it("does not fall back to the cookie when a bad bearer token is sent", async () => {
    const ada = await signIn(t.app, "ada");
    const response = await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie: ada.cookie, authorization: "Bearer aula_not-a-real-token" } });
    expect(response.statusCode).toBe(401);
  });

  it("keeps other users' tokens out of reach, except for admins", async () => {
    const bob = await signIn(t.app, "bob");
    const forbidden = await t.app.inject({ method: "GET", url: "/api/v1/users/ada/tokens", headers: bob.headers });
    expect(forbidden.statusCode).toBe(403);
    const make = await t.app.inject({ method: "POST", url: "/api/v1/users/ada/tokens", headers: bob.headers, payload: {} });
    expect(make.statusCode).toBe(403);

    const admin = await signIn(t.app, "root");
    const list = await t.app.inject({ method: "GET", url: "/api/v1/users/ada/tokens", headers: admin.headers });
    expect(list.statusCode).toBe(200);
    const created = await t.app.inject({ method: "POST", url: "/api/v1/users/bob/tokens", headers: admin.headers, payload: { name: "for bob" } });
    expect(created.statusCode).toBe(201);
    const event = await t.db.auditEvent.findFirst({ where: { action: "api_token.create", data: { path: ["name"], equals: "for bob" } } });
    expect(event).not.toBeNull();
  });
});
