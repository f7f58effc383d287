import { CourseStudents, MyCoursesResponse, RemoveStudentResponse, RosterImportReport, ServerAccessResponse, StudentPasswordResponse } from "@aula/contracts";
import { createCourse, enrollUser } from "@aula/domain";
import { accessKey } from "@aula/queue/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, errorOf, signIn, type Signed } from "../support/test-app";
import { createCourseTestApp, type CourseTestApp } from "./support";

describe("a course's roster", () => {
  let t: CourseTestApp;
  let ines: Signed;
  let otto: Signed;
  let courseId: string;

  beforeAll(async () => {
    t = await createCourseTestApp();
    ines = await t.account("ines", "instructor");
    otto = await t.account("otto", "instructor");
    await t.account("old", "student");
    const ins = await t.db.user.findUniqueOrThrow({ where: { username: "ines" } });
    const course = await createCourse(t.db, { slug: "ros", title: "Roster Course", template: "empty", emptyWeeks: 2, releasedThrough: 2, instructorId: ins.id });
    courseId = course.id;
    const oth = await t.db.user.findUniqueOrThrow({ where: { username: "otto" } });
    await createCourse(t.db, { slug: "other", title: "Other", template: "empty", instructorId: oth.id });
  });
  afterAll(async () => t?.close());

  const csv = (who: Signed, body: string) =>
    t.app.inject({ method: "POST", url: "/api/v1/courses/ros/roster/import", headers: { ...who.headers, "content-type": "text/csv" }, payload: body });

  it("imports a class list: new students get passwords once, existing ones are enrolled, bad rows are refused with reasons", async () => {
    const file = [
      "username,display name,email",
      "ana,Ana Uno,ana@example.org",
      "bob,Bob Dos,",
      "old,Old Student,",
      "ana,Ana Again,",
      '"broken,Broken Quote,',
      "short,Only Two",
      "Bad Name,Bad,",
      "ines,Ines Teacher,",
      "",
      "cai,Cai Tres,not-an-email",
    ].join("\n");
    const response = await csv(ines, file);
    expect(response.statusCode, response.body).toBe(200);
    const report = bodyOf(RosterImportReport, response);
    expect(report.created.map((c) => [c.row, c.username])).toEqual([
      [2, "ana"],
      [3, "bob"],
    ]);
    expect(report.enrolled).toEqual([{ row: 4, username: "old" }]);
    const refused = new Map(report.refused.map((r) => [r.row, r.reason]));
    expect([...refused.keys()]).toEqual([5, 6, 7, 8, 9, 11]);
    expect(refused.get(5)).toMatch(/appears earlier in this file \(line 2\)/);
    expect(refused.get(6)).toMatch(/not valid CSV/);
    expect(refused.get(7)).toMatch(/2 fields; the header has 3/);
    expect(refused.get(8)).toMatch(/not valid/);
    expect(refused.get(9)).toMatch(/instructor or admin account/);
    expect(refused.get(11)).toMatch(/not a valid address/);

    // The generated password works once handed out, and the new account is a student of this course.
    const ana = report.created[0]!;
    const signed = await signIn(t.app, "ana", ana.password);
    const mine = bodyOf(MyCoursesResponse, await t.app.inject({ method: "GET", url: "/api/v1/me/courses", headers: { cookie: signed.cookie } }));
    expect(mine.courses.map((c) => [c.slug, c.role])).toEqual([["ros", "student"]]);
    expect((await t.db.user.findUniqueOrThrow({ where: { username: "ana" } })).role).toBe("STUDENT");
    const grid = bodyOf(CourseStudents, await t.app.inject({ method: "GET", url: "/api/v1/courses/ros/students", headers: { cookie: ines.cookie } }));
    expect(grid.students.map((s) => s.username)).toEqual(["ana", "bob", "old"]);
    expect(grid.weeks).toEqual([1, 2]);
  });

  it("never creates instructors or enrolls into another course through a roster", async () => {
    const response = await csv(ines, "username,display name,role,course\nzed,Zed,instructor,\nyan,Yan,student,other\nxia,Xia,student,ros\n");
    const report = bodyOf(RosterImportReport, response);
    expect(report.created.map((c) => c.username)).toEqual(["xia"]);
    expect(report.refused.map((r) => r.row)).toEqual([2, 3]);
    expect(report.refused[0]?.reason).toMatch(/students only/);
    expect(report.refused[1]?.reason).toMatch(/names the course "other"/);
    expect(await t.db.user.findUnique({ where: { username: "zed" } })).toBeNull();
  });

  it("refuses a CSV without a username column, and another course's instructor", async () => {
    const header = await csv(ines, "name,email\nA,a@example.org\n");
    expect(header.statusCode).toBe(400);
    expect(errorOf(header).error.message).toMatch(/lacks the column username/);
    const empty = await csv(ines, "\n\n");
    expect(errorOf(empty).error.message).toMatch(/empty/);
    const other = await csv(otto, "username,display name\nq,Q\n");
    expect(other.statusCode).toBe(403);
  });

  async function runningServer(username: string, week = 1) {
    const user = await t.db.user.findUniqueOrThrow({ where: { username } });
    const w = await t.db.week.findFirstOrThrow({ where: { courseId, number: week } });
    const env = await t.db.environment.upsert({ where: { name: "env-r" }, create: { name: "env-r", title: "Env R", stage: "t", publishedImage: "aula-env/env-r:1" }, update: {} });
    return t.db.server.create({
      data: { userId: user.id, courseId, weekId: w.id, environmentId: env.id, image: "aula-env/env-r:1", status: "RUNNING", containerName: `aula-${username}`, token: "t".repeat(32), cpus: 1, memoryMb: 512, shmMb: 64, readyAt: new Date(), lastActivityAt: new Date() },
    });
  }

  it("grants an instructor audited, time-limited access to a student's running server", async () => {
    const none = await t.app.inject({ method: "POST", url: "/api/v1/courses/ros/students/bob/access", headers: ines.headers });
    expect(none.statusCode).toBe(409);
    expect(errorOf(none).error.message).toMatch(/no running server/);

    const server = await runningServer("bob");
    const response = await t.app.inject({ method: "POST", url: "/api/v1/courses/ros/students/bob/access", headers: ines.headers });
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(ServerAccessResponse, response)).toMatchObject({ serverId: server.id, url: "/user/bob/" });
    const ins = await t.db.user.findUniqueOrThrow({ where: { username: "ines" } });
    const ttl = await t.redis.ttl(accessKey(t.prefix, server.id, ins.id));
    expect(ttl).toBeGreaterThan(60);
    expect(ttl).toBeLessThanOrEqual(1800);
    const audit = await t.db.auditEvent.findFirst({ where: { action: "server.access_grant", targetId: server.id } });
    expect(audit).toMatchObject({ actorId: ins.id, data: { course: "ros", username: "bob" } });

    const other = await t.app.inject({ method: "POST", url: "/api/v1/courses/ros/students/bob/access", headers: otto.headers });
    expect(other.statusCode).toBe(403);
    const oth = await t.db.user.findUniqueOrThrow({ where: { username: "otto" } });
    expect(await t.redis.exists(accessKey(t.prefix, server.id, oth.id))).toBe(0);
  });

  it("shows running servers, last activity and GPU-hours in the students × weeks grid", async () => {
    const server = await t.db.server.findFirstOrThrow({ where: { user: { username: "bob" }, status: "RUNNING" } });
    const gpu = await t.db.gpu.create({ data: { uuid: "GPU-roster-test", index: 0, name: "Sim", memoryMb: 1000, simulated: true } });
    await t.db.gpuAllocation.create({ data: { gpuId: gpu.id, serverId: server.id, userId: server.userId, courseId, allocatedAt: new Date(Date.now() - 2 * 3600_000), releasedAt: new Date(Date.now() - 3600_000) } });
    const grid = bodyOf(CourseStudents, await t.app.inject({ method: "GET", url: "/api/v1/courses/ros/students", headers: { cookie: ines.cookie } }));
    const bob = grid.students.find((s) => s.username === "bob")!;
    expect(bob.server).toMatchObject({ status: "running", week: 1 });
    expect(bob.weeks[0]).toMatchObject({ week: 1, running: true, starts: 1, gpuHours: 1 });
    expect(bob.weeks[1]).toMatchObject({ week: 2, running: false, starts: 0, gpuHours: 0, lastActiveAt: null });
    expect(bob.gpuHoursTotal).toBe(1);
    expect(bob.lastActiveAt).not.toBeNull();
  });

  it("removes a student: their server stops with a reason, the enrollment is kept as removed, files stay", async () => {
    const server = await t.db.server.findFirstOrThrow({ where: { user: { username: "bob" }, status: "RUNNING" } });
    const response = await t.app.inject({ method: "DELETE", url: "/api/v1/courses/ros/students/bob", headers: ines.headers });
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(RemoveStudentResponse, response)).toEqual({ username: "bob", serverStopped: true });
    const after = await t.db.server.findUniqueOrThrow({ where: { id: server.id } });
    expect(after.status).toBe("STOPPING");
    expect(after.stopReason).toMatch(/removed from Roster Course.*files are kept/);
    expect(await t.app.queues.stops.getJob(`stop-${server.id}`)).toBeTruthy();
    const enrollment = await t.db.enrollment.findFirstOrThrow({ where: { courseId, user: { username: "bob" } } });
    expect(enrollment.removedAt).not.toBeNull();
    const again = await t.app.inject({ method: "DELETE", url: "/api/v1/courses/ros/students/bob", headers: ines.headers });
    expect(again.statusCode).toBe(404);
  });

  it("resets a student's password (shown once, sessions end) but never an instructor's", async () => {
    const before = await signIn(t.app, "old");
    const response = await t.app.inject({ method: "POST", url: "/api/v1/courses/ros/students/old/password", headers: ines.headers });
    expect(response.statusCode, response.body).toBe(200);
    const { password } = bodyOf(StudentPasswordResponse, response);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie: before.cookie } })).statusCode).toBe(401);
    await signIn(t.app, "old", password);
    const teacher = await t.app.inject({ method: "POST", url: "/api/v1/courses/ros/students/otto/password", headers: ines.headers });
    expect(teacher.statusCode).toBe(404);
    const student = await t.db.user.findUniqueOrThrow({ where: { username: "old" } });
    await enrollUser(t.db, { courseId, userId: student.id, role: "STUDENT" });
  });
});
