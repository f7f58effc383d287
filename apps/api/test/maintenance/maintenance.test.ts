import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createTestApp, errorOf, signIn, type TestApp } from "../support/test-app";

describe("maintenance actions", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await createAccount(t.db, "root", "admin");
    await createAccount(t.db, "sara", "student");
  });
  afterAll(async () => t?.close());

  it("refuses a cleanup that is not confirmed, and changes nothing", async () => {
    const admin = await signIn(t.app, "root");
    const before = await t.db.auditEvent.count();
    const r = await t.app.inject({ method: "POST", url: "/api/v1/maintenance/remove-unused-images", headers: admin.headers, payload: {} });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r).error.code).toBe("validation_failed");
    expect(await t.db.auditEvent.count()).toBe(before);
  });

  it("refuses students", async () => {
    const student = await signIn(t.app, "sara");
    const r = await t.app.inject({ method: "POST", url: "/api/v1/maintenance/prune-build-cache", headers: student.headers, payload: { confirm: true } });
    expect(r.statusCode).toBe(403);
  });

  it("queues a confirmed cleanup for the worker, audits it, and reports its state", async () => {
    const admin = await signIn(t.app, "root");
    const r = await t.app.inject({ method: "POST", url: "/api/v1/maintenance/remove-unused-images", headers: admin.headers, payload: { confirm: true } });
    expect(r.statusCode).toBe(202);
    const { job } = r.json<{ job: { id: string; status: string } }>();
    expect(job.status).toBe("queued");
    expect(await t.db.auditEvent.count({ where: { action: "maintenance.requested", targetId: job.id } })).toBe(1);
    const state = await t.app.inject({ method: "GET", url: `/api/v1/maintenance/jobs/${job.id}`, headers: { cookie: admin.cookie } });
    expect(state.json()).toMatchObject({ job: { id: job.id, action: "remove-unused-images", status: "queued", result: null } });
  });
});
