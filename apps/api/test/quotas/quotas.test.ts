import { GrantList, GrantResponse, QuotaOverrideResponse, QuotaPolicyResponse, QuotaResponse } from "@aula/contracts";
import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, signIn, type Signed, type TestApp } from "../support/test-app";

describe("GPU-hour quotas", () => {
  let t: TestApp;
  let admin: Signed;
  let teacher: Signed;
  let outsider: Signed;
  let student: Signed;
  let course: { id: string; slug: string };

  beforeAll(async () => {
    t = await createTestApp();
    const environment = await createPublishedEnvironment(t.db, { gpu: "OPTIONAL" });
    course = await createCourseWithWeeks(t.db, { environmentId: environment.id });
    const other = await createCourseWithWeeks(t.db, { environmentId: environment.id });
    await t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { gpuHoursPerWeek: 6 } });
    await createAccount(t.db, "root", "admin");
    const prof = await createAccount(t.db, "prof", "instructor");
    const otherProf = await createAccount(t.db, "otherprof", "instructor");
    const ana = await createAccount(t.db, "ana");
    await createAccount(t.db, "bea");
    await enrollTestUser(t.db, { courseId: course.id, userId: prof.id, role: "INSTRUCTOR" });
    await enrollTestUser(t.db, { courseId: other.id, userId: otherProf.id, role: "INSTRUCTOR" });
    await enrollTestUser(t.db, { courseId: course.id, userId: ana.id });
    admin = await signIn(t.app, "root");
    teacher = await signIn(t.app, "prof");
    outsider = await signIn(t.app, "otherprof");
    student = await signIn(t.app, "ana");
  });
  afterAll(async () => t?.close());

  const quotaOf = (who: Signed, name = "ana") => t.app.inject({ method: "GET", url: `/api/v1/users/${name}/quota?course=${course.slug}`, headers: { cookie: who.cookie } });

  it("shows a student this week's GPU-hours: used, allowed and left", async () => {
    const response = await quotaOf(student);
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(QuotaResponse, response)).toMatchObject({ username: "ana", usedHours: 0, weeklyHours: 6, grantedHours: 0, allowedHours: 6, remainingHours: 6, level: "ok", holdingGpu: false });
  });

  it("shows it to the course's instructors but not to other students or other courses' instructors", async () => {
    expect((await quotaOf(teacher)).statusCode).toBe(200);
    expect(errorOf(await quotaOf(outsider)).error.code).toBe("forbidden");
    expect(errorOf(await quotaOf(await signIn(t.app, "bea"))).error.code).toBe("forbidden");
  });

  it("lets an admin grant extra hours, audited, and counts them at once", async () => {
    const payload = { username: "ana", course: course.slug, hours: 4, reason: "Final project training run" };
    expect(errorOf(await t.app.inject({ method: "POST", url: "/api/v1/quotas/grants", headers: teacher.headers, payload })).error.code).toBe("forbidden");
    const response = await t.app.inject({ method: "POST", url: "/api/v1/quotas/grants", headers: admin.headers, payload });
    expect(response.statusCode, response.body).toBe(201);
    expect(bodyOf(GrantResponse, response).grant).toMatchObject({ username: "ana", hours: 4, grantedBy: "root" });
    expect(bodyOf(QuotaResponse, await quotaOf(student))).toMatchObject({ grantedHours: 4, allowedHours: 10, remainingHours: 10 });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "quota.grant" } });
    expect(audit).toMatchObject({ targetId: "ana", data: expect.objectContaining({ hours: 4, course: course.slug }) });
    const list = await t.app.inject({ method: "GET", url: `/api/v1/quotas/grants?course=${course.slug}`, headers: { cookie: teacher.cookie } });
    expect(bodyOf(GrantList, list).grants.map((g) => g.reason)).toEqual(["Final project training run"]);
  });

  it("refuses a grant to someone not in the course", async () => {
    const response = await t.app.inject({ method: "POST", url: "/api/v1/quotas/grants", headers: admin.headers, payload: { username: "bea", course: course.slug, hours: 1, reason: "x" } });
    expect(errorOf(response).error.code).toBe("not_enrolled");
  });

  it("lets the course's instructor change the policy, and nobody else", async () => {
    const url = `/api/v1/quotas/courses/${course.slug}`;
    expect(errorOf(await t.app.inject({ method: "PATCH", url, headers: outsider.headers, payload: { gpuHoursPerWeek: 100 } })).error.code).toBe("forbidden");
    expect(errorOf(await t.app.inject({ method: "PATCH", url, headers: student.headers, payload: { gpuHoursPerWeek: 100 } })).error.code).toBe("forbidden");
    const response = await t.app.inject({ method: "PATCH", url, headers: teacher.headers, payload: { gpuHoursPerWeek: 8, maxAgeS: 4 * 3600 } });
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(QuotaPolicyResponse, response).policy).toMatchObject({ gpuHoursPerWeek: 8, maxAgeS: 14400, idleTimeoutS: 3600 });
    expect(bodyOf(QuotaResponse, await quotaOf(student))).toMatchObject({ weeklyHours: 8, allowedHours: 12 });
    expect(await t.db.auditEvent.count({ where: { action: "quota.policy.update", targetId: course.slug } })).toBe(1);
    const bad = await t.app.inject({ method: "PATCH", url, headers: teacher.headers, payload: { gpuHoursPerWeek: -1 } });
    expect(errorOf(bad).error.code).toBe("validation_failed");
  });

  it("sets and clears one student's override, which wins over the policy", async () => {
    const url = `/api/v1/quotas/courses/${course.slug}/users/ana`;
    const set = await t.app.inject({ method: "PUT", url, headers: teacher.headers, payload: { gpuHoursPerWeek: 20 } });
    expect(set.statusCode, set.body).toBe(200);
    expect(bodyOf(QuotaOverrideResponse, set).override).toMatchObject({ username: "ana", gpuHoursPerWeek: 20, maxAgeS: null });
    expect(bodyOf(QuotaResponse, await quotaOf(student))).toMatchObject({ weeklyHours: 20, allowedHours: 24 });
    expect((await t.app.inject({ method: "DELETE", url, headers: teacher.headers })).statusCode).toBe(204);
    expect(bodyOf(QuotaResponse, await quotaOf(student))).toMatchObject({ weeklyHours: 8 });
    const get = await t.app.inject({ method: "GET", url, headers: { cookie: teacher.cookie } });
    expect(bodyOf(QuotaOverrideResponse, get).override).toBeNull();
    expect(await t.db.auditEvent.count({ where: { action: { in: ["quota.override.set", "quota.override.clear"] } } })).toBe(2);
  });

  it("sets the size of each student's disk per course and per student, within bounds", async () => {
    const policyUrl = `/api/v1/quotas/courses/${course.slug}`;
    const policy = await t.app.inject({ method: "PATCH", url: policyUrl, headers: teacher.headers, payload: { diskMb: 2048 } });
    expect(bodyOf(QuotaPolicyResponse, policy).policy).toMatchObject({ diskMb: 2048 });
    const override = await t.app.inject({ method: "PUT", url: `${policyUrl}/users/ana`, headers: teacher.headers, payload: { diskMb: 8192 } });
    expect(bodyOf(QuotaOverrideResponse, override).override).toMatchObject({ username: "ana", diskMb: 8192, gpuHoursPerWeek: null });
    expect(errorOf(await t.app.inject({ method: "PATCH", url: policyUrl, headers: teacher.headers, payload: { diskMb: 1 } })).error.code).toBe("validation_failed");
    expect((await t.app.inject({ method: "DELETE", url: `${policyUrl}/users/ana`, headers: teacher.headers })).statusCode).toBe(204);
    expect(bodyOf(QuotaPolicyResponse, await t.app.inject({ method: "PATCH", url: policyUrl, headers: teacher.headers, payload: { diskMb: null } })).policy.diskMb).toBeNull();
  });
});
