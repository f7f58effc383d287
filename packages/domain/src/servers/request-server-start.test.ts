import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { createCourseWithWeeks, createPublishedEnvironment, createReadyStudent, createTestUser, enrollTestUser } from "../testing";
import { requestServerStart } from "./request-server-start";
import { requestServerStop } from "./request-server-stop";

describe("starting a server (preflight)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it("queues a server for an enrolled student on a released week with a published environment", async () => {
    const { student, course, environment } = await createReadyStudent(t.db);
    const server = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    expect(server).toMatchObject({ status: "QUEUED", image: environment.publishedImage, containerName: `aula-${student.username}`, cpus: 1, memoryMb: 512 });
    expect(server.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it("records the disk size of the user's override, else the course policy's, else none (the deployment's default)", async () => {
    const { student, course } = await createReadyStudent(t.db);
    const byDefault = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    expect(byDefault.diskMb).toBeNull();
    await requestServerStop(t.db, { username: student.username, reason: "test" });
    await t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { diskMb: 2048 } });
    const byPolicy = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    expect(byPolicy.diskMb).toBe(2048);
    await requestServerStop(t.db, { username: student.username, reason: "test" });
    await t.db.quotaOverride.create({ data: { courseId: course.id, userId: student.id, diskMb: 4096 } });
    const byOverride = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    expect(byOverride.diskMb).toBe(4096);
    // The database refuses a size no file system could be made with.
    await expect(t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { diskMb: 1 } })).rejects.toThrow();
  });

  it("refuses a student who is not enrolled, with not_enrolled", async () => {
    const { course } = await createReadyStudent(t.db);
    const outsider = await createTestUser(t.db);
    await expect(requestServerStart(t.db, { username: outsider.username, course: course.slug, week: 1, gpu: "none" })).rejects.toMatchObject({ code: "not_enrolled" });
  });

  it("refuses a week that is not released, with week_not_released", async () => {
    const { student, course } = await createReadyStudent(t.db);
    await expect(requestServerStart(t.db, { username: student.username, course: course.slug, week: 2, gpu: "none" })).rejects.toMatchObject({ code: "week_not_released" });
  });

  it("refuses an environment without a published image, with environment_not_ready", async () => {
    const environment = await createPublishedEnvironment(t.db);
    await t.db.environment.update({ where: { id: environment.id }, data: { publishedImage: null } });
    const course = await createCourseWithWeeks(t.db, { environmentId: environment.id });
    const student = await createTestUser(t.db);
    await enrollTestUser(t.db, { courseId: course.id, userId: student.id });
    await expect(requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" })).rejects.toMatchObject({ code: "environment_not_ready" });
  });

  it("refuses a second server while one is active, even when both requests race", async () => {
    const { student, course } = await createReadyStudent(t.db);
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, () => requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" })),
    );
    expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(1);
    for (const a of attempts.filter((a): a is PromiseRejectedResult => a.status === "rejected")) expect(a.reason).toMatchObject({ code: "server_already_running" });
    expect(await t.db.server.count({ where: { userId: student.id } })).toBe(1);
  });

  it("refuses when the course allows no servers, with server_limit_reached", async () => {
    const { student, course } = await createReadyStudent(t.db);
    await t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { maxServers: 0 } });
    await expect(requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" })).rejects.toMatchObject({ code: "server_limit_reached" });
  });

  it("stops a queued server at once and leaves a running one to the worker", async () => {
    const { student, course } = await createReadyStudent(t.db);
    await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    const queued = await requestServerStop(t.db, { username: student.username, reason: "Stopped by you." });
    expect(queued).toMatchObject({ needsJob: false, server: { status: "STOPPED" } });
    const again = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    await t.db.server.update({ where: { id: again.id }, data: { status: "RUNNING" } });
    const running = await requestServerStop(t.db, { username: student.username, reason: "Stopped by you." });
    expect(running).toMatchObject({ needsJob: true, server: { id: again.id, status: "STOPPING" } });
  });
});
