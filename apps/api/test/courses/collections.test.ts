import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { CollectionList, CollectionResponse } from "@aula/contracts";
import { collectionFile, createCourse } from "@aula/domain";
import { queueNames, type CollectPayload, type CollectResult } from "@aula/queue";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, errorOf, type Signed } from "../support/test-app";
import { createCourseTestApp, type CourseTestApp } from "./support";

// The api's half of collecting: 202 with an id, status, listing and the download. The worker's
// half (volumes, helper containers, the archive) is tested in apps/worker; here a stand-in
// worker writes a small archive the way the real one does.

describe("collections", () => {
  let t: CourseTestApp;
  let ines: Signed;
  let otto: Signed;
  let worker: Worker<CollectPayload, CollectResult>;
  let workerRedis: Redis;
  let release: () => void = () => {};
  let gate = Promise.resolve();

  beforeAll(async () => {
    t = await createCourseTestApp();
    ines = await t.account("ines", "instructor");
    otto = await t.account("otto", "instructor");
    const ins = await t.db.user.findUniqueOrThrow({ where: { username: "ines" } });
    await createCourse(t.db, { slug: "col", title: "Collect", template: "empty", emptyWeeks: 2, instructorId: ins.id });
    workerRedis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
    worker = new Worker<CollectPayload, CollectResult>(
      queueNames.collections,
      async (job) => {
        await gate;
        const file = collectionFile(t.dataDir, job.data.courseSlug, job.data.collectionId);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, gzipSync(Buffer.from("not really a tar")));
        return { file, students: 1, files: 1, bytes: 5, missing: [{ username: "idle", reason: "has never started a server" }], finishedAt: new Date().toISOString() };
      },
      { connection: workerRedis, prefix: t.prefix },
    );
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker?.close(true);
    await workerRedis?.quit();
    await t?.close();
  });

  it("answers 202 with a queued collection, then reports it ready with a download", async () => {
    gate = new Promise((r) => (release = r));
    const response = await t.app.inject({ method: "POST", url: "/api/v1/courses/col/collections", headers: ines.headers, payload: { scope: "practicas", week: 2 } });
    expect(response.statusCode, response.body).toBe(202);
    const { collection } = bodyOf(CollectionResponse, response);
    expect(collection).toMatchObject({ scope: "practicas", week: 2, downloadUrl: null });
    expect(["queued", "running"]).toContain(collection.status);
    expect(collection.fileName).toMatch(/^col-week-02-practicas-\d{8}-\d{4}\.tar\.gz$/);

    const early = await t.app.inject({ method: "GET", url: `/api/v1/courses/col/collections/${collection.id}/download`, headers: { cookie: ines.cookie } });
    expect(early.statusCode).toBe(409);
    expect(errorOf(early).error.message).toMatch(/not ready yet/);

    release();
    let ready = collection;
    for (let i = 0; i < 100 && ready.status !== "ready"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      ready = bodyOf(CollectionResponse, await t.app.inject({ method: "GET", url: `/api/v1/courses/col/collections/${collection.id}`, headers: { cookie: ines.cookie } })).collection;
    }
    expect(ready).toMatchObject({ status: "ready", students: 1, files: 1, missing: [{ username: "idle" }], downloadUrl: `/api/v1/courses/col/collections/${collection.id}/download` });

    const download = await t.app.inject({ method: "GET", url: ready.downloadUrl!, headers: { cookie: ines.cookie } });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("application/gzip");
    expect(download.headers["content-disposition"]).toBe(`attachment; filename="${ready.fileName}"`);
    expect(download.rawPayload.length).toBeGreaterThan(0);

    const list = bodyOf(CollectionList, await t.app.inject({ method: "GET", url: "/api/v1/courses/col/collections", headers: { cookie: ines.cookie } }));
    expect(list.collections.map((c) => c.id)).toContain(collection.id);
    const audit = await t.db.auditEvent.findFirst({ where: { action: "course.collect" } });
    expect(audit?.data).toMatchObject({ course: "col", scope: "practicas", week: 2, collectionId: collection.id });
  });

  it("collects projects without a week", async () => {
    const response = await t.app.inject({ method: "POST", url: "/api/v1/courses/col/collections", headers: ines.headers, payload: { scope: "proyecto" } });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(CollectionResponse, response).collection.fileName).toMatch(/^col-proyecto-/);
  });

  it("refuses weeks outside the course, bad bodies, other instructors and unknown collections", async () => {
    const week = await t.app.inject({ method: "POST", url: "/api/v1/courses/col/collections", headers: ines.headers, payload: { scope: "practicas", week: 7 } });
    expect(week.statusCode).toBe(404);
    expect(errorOf(week).error.message).toMatch(/no week 7/);
    for (const payload of [{ scope: "practicas" }, { scope: "everything" }, { scope: "proyecto", week: 1 }]) {
      const r = await t.app.inject({ method: "POST", url: "/api/v1/courses/col/collections", headers: ines.headers, payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const other = await t.app.inject({ method: "POST", url: "/api/v1/courses/col/collections", headers: otto.headers, payload: { scope: "proyecto" } });
    expect(other.statusCode).toBe(403);
    const unknown = await t.app.inject({ method: "GET", url: "/api/v1/courses/col/collections/00000000-0000-4000-8000-000000000000", headers: { cookie: ines.cookie } });
    expect(unknown.statusCode).toBe(404);
  });
});
