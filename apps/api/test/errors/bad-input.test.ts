import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createTestApp, errorOf, type Signed, signIn, type TestApp } from "../support/test-app";

let t: TestApp;
let admin: Signed;
let rowsBefore: { users: number; audit: number };

beforeAll(async () => {
  t = await createTestApp();
  await createAccount(t.db, "root", "admin");
  admin = await signIn(t.app, "root");
  rowsBefore = { users: await t.db.user.count(), audit: await t.db.auditEvent.count() };
});

afterAll(async () => {
  // Nothing that was refused below left a row behind.
  expect(await t.db.user.count()).toBe(rowsBefore.users);
  expect(await t.db.auditEvent.count()).toBe(rowsBefore.audit);
  await t.close();
});

function createUserRaw(payload: string, contentType = "application/json") {
  return t.app.inject({ method: "POST", url: "/api/v1/users", headers: { ...admin.headers, "content-type": contentType }, payload });
}

function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  const body = errorOf(response);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.requestId).toEqual(expect.any(String));
  expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe("bad input gets a stable error code, never a 500", () => {
  it("refuses malformed JSON", async () => {
    expectError(await createUserRaw('{"username": "ada", '), 400, "validation_failed");
  });

  it("refuses an empty JSON body", async () => {
    expectError(await createUserRaw(""), 400, "validation_failed");
  });

  it("refuses a body over the limit", async () => {
    const huge = JSON.stringify({ username: "ada", displayName: "x".repeat(1024 * 1024 + 10), role: "student" });
    expectError(await createUserRaw(huge), 413, "payload_too_large");
  });

  it("refuses a content type the endpoint does not take", async () => {
    expectError(await createUserRaw("username=ada", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    expectError(await createUserRaw("username,display name,role\nada,Ada,student", "text/csv"), 415, "unsupported_media_type");
  });

  it("refuses wrong types with the field named in the details", async () => {
    const response = await createUserRaw(JSON.stringify({ username: 42, displayName: ["x"], role: "student" }));
    expectError(response, 400, "validation_failed");
    const { fields } = errorOf(response).error.details as { fields: { path: string }[] };
    const paths = fields.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["body.username", "body.displayName"]));
  });

  it("refuses unknown fields", async () => {
    const response = await createUserRaw(JSON.stringify({ username: "ada", displayName: "Ada", role: "admin", isSuperuser: true }));
    expectError(response, 400, "validation_failed");
    expect(response.body).toContain("isSuperuser");
  });

  it("refuses a 10,000-character username on create and on login", async () => {
    expectError(await createUserRaw(JSON.stringify({ username: "a".repeat(10_000), displayName: "Long", role: "student" })), 400, "validation_failed");
    const login = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "a".repeat(10_000), password: "whatever password" } });
    expectError(login, 400, "validation_failed");
    const path = await t.app.inject({ method: "GET", url: `/api/v1/users/${"a".repeat(10_000)}`, headers: { cookie: admin.cookie } });
    expect(path.statusCode).toBeGreaterThanOrEqual(400);
    expect(path.statusCode).toBeLessThan(500);
  });

  it("refuses an invalid username, enum value and query parameter", async () => {
    expectError(await createUserRaw(JSON.stringify({ username: "Ada Lovelace", displayName: "Ada", role: "student" })), 400, "validation_failed");
    expectError(await createUserRaw(JSON.stringify({ username: "ada", displayName: "Ada", role: "superuser" })), 400, "validation_failed");
    const query = await t.app.inject({ method: "GET", url: "/api/v1/users?limit=100000", headers: { cookie: admin.cookie } });
    expectError(query, 400, "validation_failed");
    const cursor = await t.app.inject({ method: "GET", url: "/api/v1/audit?cursor=abc", headers: { cookie: admin.cookie } });
    expectError(cursor, 400, "validation_failed");
  });

  it("refuses a prototype-poisoning body", async () => {
    const response = await createUserRaw('{"username":"ada","displayName":"Ada","role":"student","__proto__":{"admin":true}}');
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).error.code).toBe("validation_failed");
  });

  it("answers an unknown route with not_found", async () => {
    expectError(await t.app.inject({ method: "GET", url: "/api/v1/no-such-thing" }), 404, "not_found");
    expectError(await t.app.inject({ method: "DELETE", url: "/api/v1/me" }), 404, "not_found");
  });

  it("answers an unexpected failure with a generic internal_error that names the request id", async () => {
    const broken = await createTestApp();
    try {
      // Dropping a table under the running app is the most honest way to make a query fail.
      await broken.db.$executeRawUnsafe('DROP TABLE "User" CASCADE');
      const response = await broken.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username: "ada", password: "whatever password" } });
      expectError(response, 500, "internal_error");
      const body = errorOf(response);
      expect(body.error.message).toContain(body.requestId);
      expect(response.body).not.toMatch(/prisma|User|relation|stack/i);
    } finally {
      await broken.close();
    }
  });
});
