import { MyCoursesResponse, ServerResponse } from "@aula/contracts";
import { createPublishedEnvironment, createCourseWithWeeks, enrollTestUser } from "@aula/domain/testing";
import { publishProgress } from "@aula/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, signIn, type TestApp } from "../support/test-app";

describe("a student's server", () => {
  let t: TestApp;
  let course: { slug: string; id: string };

  beforeAll(async () => {
    t = await createTestApp();
    const env = await createPublishedEnvironment(t.db);
    course = await createCourseWithWeeks(t.db, { environmentId: env.id, released: 1 });
  });
  afterAll(async () => t?.close());

  async function student(name: string) {
    const user = await createAccount(t.db, name);
    await enrollTestUser(t.db, { courseId: course.id, userId: user.id });
    return signIn(t.app, name);
  }

  it("is queued with 202 and a spawn job whose id is the server id", async () => {
    const s = await student("ana");
    const response = await t.app.inject({ method: "POST", url: "/api/v1/users/ana/server", headers: s.headers, payload: { course: course.slug, week: 1 } });
    expect(response.statusCode).toBe(202);
    const { server } = bodyOf(ServerResponse, response);
    expect(server).toMatchObject({ status: "queued", url: "/user/ana/", week: { number: 1 } });
    const job = await t.app.queues.spawns.getJob(server!.id);
    expect(job?.data).toEqual({ serverId: server!.id });
  });

  it("answers a week that is not released with week_not_released and creates nothing", async () => {
    const s = await student("bea");
    const response = await t.app.inject({ method: "POST", url: "/api/v1/users/bea/server", headers: s.headers, payload: { course: course.slug, week: 2 } });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).error.code).toBe("week_not_released");
    expect(await t.db.server.count({ where: { user: { username: "bea" } } })).toBe(0);
  });

  it("refuses starting another student's server", async () => {
    const s = await student("cris");
    await student("dani");
    const response = await t.app.inject({ method: "POST", url: "/api/v1/users/dani/server", headers: s.headers, payload: { course: course.slug, week: 1 } });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).error.code).toBe("forbidden");
  });

  it("refuses unknown fields and bad week numbers with validation_failed", async () => {
    const s = await student("eva");
    for (const payload of [{ course: course.slug, week: 0 }, { course: course.slug, week: "1" }, { course: course.slug, week: 1, image: "evil" }, { course: "../x", week: 1 }]) {
      const response = await t.app.inject({ method: "POST", url: "/api/v1/users/eva/server", headers: s.headers, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorOf(response).error.code).toBe("validation_failed");
    }
    expect(await t.db.server.count({ where: { user: { username: "eva" } } })).toBe(0);
  });

  it("stops a queued server at once and shows the reason", async () => {
    const s = await student("fer");
    await t.app.inject({ method: "POST", url: "/api/v1/users/fer/server", headers: s.headers, payload: { course: course.slug, week: 1 } });
    const response = await t.app.inject({ method: "DELETE", url: "/api/v1/users/fer/server", headers: s.headers });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(ServerResponse, response).server).toMatchObject({ status: "stopped", stopReason: "Stopped by you." });
    const get = await t.app.inject({ method: "GET", url: "/api/v1/users/fer/server", headers: { cookie: s.cookie } });
    expect(bodyOf(ServerResponse, get).server?.status).toBe("stopped");
  });

  it("streams stored progress and ends the stream at the final phase", async () => {
    const s = await student("gil");
    const post = await t.app.inject({ method: "POST", url: "/api/v1/users/gil/server", headers: s.headers, payload: { course: course.slug, week: 1 } });
    const id = bodyOf(ServerResponse, post).server!.id;
    await publishProgress(t.redis, t.prefix, { serverId: id, phase: "creating", message: "Creating your container…", progress: 30 });
    await publishProgress(t.redis, t.prefix, { serverId: id, phase: "ready", message: "Your server is ready.", progress: 100 });
    const response = await t.app.inject({ method: "GET", url: "/api/v1/users/gil/server/progress", headers: { cookie: s.cookie } });
    expect(response.headers["content-type"], response.body).toMatch(/text\/event-stream/);
    const phases = [...response.body.matchAll(/data: (.*)\n/g)].map((m) => (JSON.parse(m[1]!) as { phase: string }).phase);
    expect(phases).toEqual(["queued", "creating", "ready"]);
  });
});

describe("my courses", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it("shows a student only the released weeks with their environment", async () => {
    const env = await createPublishedEnvironment(t.db);
    const course = await createCourseWithWeeks(t.db, { environmentId: env.id, weeks: 4, released: 2 });
    const user = await createAccount(t.db, "hugo");
    await enrollTestUser(t.db, { courseId: course.id, userId: user.id });
    const s = await signIn(t.app, "hugo");
    const response = await t.app.inject({ method: "GET", url: "/api/v1/me/courses", headers: { cookie: s.cookie } });
    const { courses } = bodyOf(MyCoursesResponse, response);
    expect(courses).toHaveLength(1);
    expect(courses[0]!.weeks.map((w) => w.number)).toEqual([1, 2]);
    expect(courses[0]!.weeks[0]!.environment).toMatchObject({ name: env.name, ready: true, gpu: "none" });
  });
});
