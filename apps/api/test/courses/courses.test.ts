import { CourseList, CourseResponse, CourseStudents, EnrollReport, MyCoursesResponse, WeekResponse } from "@aula/contracts";
import { createPublishedEnvironment } from "@aula/domain/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, errorOf, type Signed } from "../support/test-app";
import { createCourseTestApp, type CourseTestApp } from "./support";

describe("courses run by their instructors", () => {
  let t: CourseTestApp;
  let admin: Signed;
  let ines: Signed;
  let otto: Signed;
  let sara: Signed;

  beforeAll(async () => {
    t = await createCourseTestApp();
    admin = await t.account("adm", "admin");
    ines = await t.account("ines", "instructor");
    otto = await t.account("otto", "instructor");
    sara = await t.account("sara", "student");
  });
  afterAll(async () => t?.close());

  const inject = (who: Signed, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: method === "GET" ? { cookie: who.cookie } : who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

  it("lets an instructor create a course from the bootcamp template and become its instructor", async () => {
    const response = await inject(ines, "POST", "/courses", { slug: "pytorch-a", title: "PyTorch A" });
    expect(response.statusCode, response.body).toBe(201);
    const { course } = bodyOf(CourseResponse, response);
    expect(course.weekList).toHaveLength(24);
    expect(course.instructors.map((i) => i.username)).toEqual(["ines"]);
    expect(course.weekList.every((w) => w.state === "draft")).toBe(true);
    expect(bodyOf(CourseList, await inject(ines, "GET", "/courses")).courses.map((c) => c.slug)).toContain("pytorch-a");
    expect(bodyOf(CourseList, await inject(otto, "GET", "/courses")).courses.map((c) => c.slug)).not.toContain("pytorch-a");
    const audit = await t.db.auditEvent.findFirst({ where: { action: "course.create" } });
    expect(audit?.data).toMatchObject({ slug: "pytorch-a", template: "bootcamp" });
  });

  it("lets an admin create an empty course with draft weeks, and refuses a taken slug with conflict", async () => {
    const response = await inject(admin, "POST", "/courses", { slug: "empty-b", title: "Empty B", template: "empty", weeks: 3 });
    expect(response.statusCode, response.body).toBe(201);
    const { course } = bodyOf(CourseResponse, response);
    expect(course.weekList.map((w) => w.number)).toEqual([1, 2, 3]);
    expect(course.instructors).toEqual([]);
    const again = await inject(ines, "POST", "/courses", { slug: "empty-b", title: "Again" });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).error.code).toBe("conflict");
  });

  it("keeps a course to its instructors and admins (canManageCourse)", async () => {
    const other = await inject(otto, "GET", "/courses/pytorch-a");
    expect(other.statusCode).toBe(403);
    expect(errorOf(other).error.code).toBe("forbidden");
    expect((await inject(admin, "GET", "/courses/pytorch-a")).statusCode).toBe(200);
    const student = await inject(sara, "GET", "/courses");
    expect(student.statusCode).toBe(403);
    const release = await inject(otto, "POST", "/courses/pytorch-a/weeks/1/release");
    expect(release.statusCode).toBe(403);
    const missing = await inject(admin, "GET", "/courses/no-such-course");
    expect(missing.statusCode).toBe(404);
  });

  it("adds and removes instructors, never a student account and never the last instructor", async () => {
    const add = await inject(ines, "POST", "/courses/pytorch-a/instructors", { username: "otto" });
    expect(add.statusCode, add.body).toBe(200);
    expect(bodyOf(CourseResponse, add).course.instructors.map((i) => i.username)).toEqual(["ines", "otto"]);
    expect((await inject(otto, "GET", "/courses/pytorch-a")).statusCode).toBe(200);

    const student = await inject(ines, "POST", "/courses/pytorch-a/instructors", { username: "sara" });
    expect(student.statusCode).toBe(400);
    expect(errorOf(student).error.message).toMatch(/student account/);

    expect((await inject(ines, "DELETE", "/courses/pytorch-a/instructors/otto")).statusCode).toBe(200);
    expect((await inject(otto, "GET", "/courses/pytorch-a")).statusCode).toBe(403);
    const last = await inject(ines, "DELETE", "/courses/pytorch-a/instructors/ines");
    expect(last.statusCode).toBe(409);
    expect(errorOf(last).error.code).toBe("conflict");
  });

  it("enrolls existing students and refuses unknown or non-student accounts with reasons", async () => {
    const response = await inject(ines, "POST", "/courses/pytorch-a/students", { usernames: ["sara", "nobody", "otto"] });
    expect(response.statusCode, response.body).toBe(200);
    const report = bodyOf(EnrollReport, response);
    expect(report.enrolled).toEqual(["sara"]);
    expect(report.refused.map((r) => r.username)).toEqual(["nobody", "otto"]);
  });

  it("releases a week now, and students see exactly the released weeks", async () => {
    const response = await inject(ines, "POST", "/courses/pytorch-a/weeks/1/release");
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(WeekResponse, response).week).toMatchObject({ number: 1, state: "released", released: true });
    const mine = bodyOf(MyCoursesResponse, await inject(sara, "GET", "/me/courses"));
    expect(mine.courses.find((c) => c.slug === "pytorch-a")?.weeks.map((w) => w.number)).toEqual([1]);
  });

  it("schedules a release in the future and refuses one in the past without changing the week", async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const scheduled = await inject(ines, "POST", "/courses/pytorch-a/weeks/2/release", { at });
    expect(scheduled.statusCode, scheduled.body).toBe(200);
    expect(bodyOf(WeekResponse, scheduled).week).toMatchObject({ state: "scheduled", released: false, releaseAt: at });

    const past = await inject(ines, "POST", "/courses/pytorch-a/weeks/3/release", { at: new Date(Date.now() - 60_000).toISOString() });
    expect(past.statusCode).toBe(400);
    expect(errorOf(past).error).toMatchObject({ code: "validation_failed" });
    expect(errorOf(past).error.message).toMatch(/not in the future/);
    const week3 = await t.db.week.findFirstOrThrow({ where: { course: { slug: "pytorch-a" }, number: 3 } });
    expect([week3.releaseAt, week3.releasedAt]).toEqual([null, null]);

    const garbage = await inject(ines, "POST", "/courses/pytorch-a/weeks/3/release", { at: "tomorrow" });
    expect(garbage.statusCode).toBe(400);
    expect(errorOf(garbage).error.code).toBe("validation_failed");
  });

  it("opens a scheduled week by itself once its time has come (isWeekReleased, no tick needed)", async () => {
    await t.db.week.updateMany({ where: { course: { slug: "pytorch-a" }, number: 2 }, data: { releaseAt: new Date(Date.now() - 1000) } });
    const course = bodyOf(CourseResponse, await inject(ines, "GET", "/courses/pytorch-a")).course;
    expect(course.weekList[1]).toMatchObject({ number: 2, state: "released", released: true });
    const mine = bodyOf(MyCoursesResponse, await inject(sara, "GET", "/me/courses"));
    expect(mine.courses.find((c) => c.slug === "pytorch-a")?.weeks.map((w) => w.number)).toEqual([1, 2]);
  });

  it("closes and reopens a week", async () => {
    const closed = await inject(ines, "POST", "/courses/pytorch-a/weeks/2/close");
    expect(bodyOf(WeekResponse, closed).week.state).toBe("closed");
    expect(bodyOf(MyCoursesResponse, await inject(sara, "GET", "/me/courses")).courses[0]?.weeks.map((w) => w.number)).toEqual([1]);
    const reopened = await inject(ines, "POST", "/courses/pytorch-a/weeks/2/reopen");
    expect(bodyOf(WeekResponse, reopened).week.state).toBe("released");
    const never = await inject(ines, "POST", "/courses/pytorch-a/weeks/5/reopen");
    expect(bodyOf(WeekResponse, never).week.state).toBe("released");
  });

  it("refuses a week number outside the course with not_found naming the course's weeks", async () => {
    const response = await inject(ines, "POST", "/courses/pytorch-a/weeks/30/release");
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).error).toMatchObject({ code: "not_found" });
    expect(errorOf(response).error.message).toMatch(/no week 30; its weeks are 1–24/);
    for (const bad of ["0", "-1", "1.5", "x"]) {
      const r = await inject(ines, "POST", `/courses/pytorch-a/weeks/${bad}/release`);
      expect(r.statusCode, bad).toBe(400);
      expect(errorOf(r).error.code).toBe("validation_failed");
    }
    const empty = await inject(admin, "POST", "/courses/empty-b/weeks/4/close");
    expect(errorOf(empty).error.message).toMatch(/its weeks are 1–3/);
  });

  it("chooses a week's environment (which must exist) and tells a running server to restart for it", async () => {
    const unknown = await inject(ines, "PATCH", "/courses/pytorch-a/weeks/1", { environment: "no-such-env" });
    expect(unknown.statusCode).toBe(400);
    expect(errorOf(unknown).error.message).toMatch(/no environment "no-such-env"/);

    const oldEnv = await createPublishedEnvironment(t.db, { name: "env-old", image: "aula-env/env-old:1" });
    const newEnv = await createPublishedEnvironment(t.db, { name: "env-new", image: "aula-env/env-new:1" });
    const first = await inject(ines, "PATCH", "/courses/pytorch-a/weeks/1", { environment: "env-old", title: "Tensors" });
    expect(bodyOf(WeekResponse, first).week).toMatchObject({ title: "Tensors", environment: { name: "env-old", ready: true, image: "aula-env/env-old:1" } });

    const course = await t.db.course.findUniqueOrThrow({ where: { slug: "pytorch-a" } });
    const week = await t.db.week.findFirstOrThrow({ where: { courseId: course.id, number: 1 } });
    const user = await t.db.user.findUniqueOrThrow({ where: { username: "sara" } });
    await t.db.server.create({
      data: { userId: user.id, courseId: course.id, weekId: week.id, environmentId: oldEnv.id, image: "aula-env/env-old:1", status: "RUNNING", containerName: "aula-sara", token: "x".repeat(32), cpus: 1, memoryMb: 512, shmMb: 64, readyAt: new Date() },
    });
    const before = bodyOf(MyCoursesResponse, await inject(sara, "GET", "/me/courses")).courses[0]?.weeks[0];
    expect(before?.restartForNewEnvironment).toBe(false);

    await inject(ines, "PATCH", "/courses/pytorch-a/weeks/1", { environment: newEnv.name });
    const after = bodyOf(MyCoursesResponse, await inject(sara, "GET", "/me/courses")).courses[0]?.weeks[0];
    expect(after).toMatchObject({ number: 1, restartForNewEnvironment: true, environment: { name: "env-new" } });
    const grid = bodyOf(CourseStudents, await inject(ines, "GET", "/courses/pytorch-a/students"));
    expect(grid.students.find((s) => s.username === "sara")?.server).toMatchObject({ status: "running", week: 1, restartForNewEnvironment: true });
    await t.db.server.updateMany({ where: { userId: user.id }, data: { status: "STOPPED", stoppedAt: new Date() } });
  });

  it("validates course creation input", async () => {
    for (const payload of [{ slug: "Bad Slug", title: "x" }, { slug: "ok-slug", title: "" }, { slug: "ok-slug", title: "x", template: "weird" }, { slug: "ok-slug", title: "x", extra: 1 }]) {
      const r = await inject(ines, "POST", "/courses", payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorOf(r).error.code).toBe("validation_failed");
    }
  });
});
