import { BuildResponse, EnvironmentListResponse, EnvironmentResponse, RequestBuildResponse } from "@aula/contracts";
import { BuildStatus } from "@aula/db";
import { completeBuild, createBuildLogWriter, requestBuild, startBuild, syncEnvironments } from "@aula/domain";
import { buildLogChannel, createImageBuildQueue, type BuildLogMessage } from "@aula/queue";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, signIn, type Signed, type TestApp } from "../support/test-app";

const environmentsDir = fileURLToPath(new URL("../../../../docker/environments", import.meta.url));

interface SseEvent {
  event: string;
  data: unknown;
}

function sseEvents(body: string): SseEvent[] {
  return body
    .split("\n\n")
    .filter((chunk) => chunk.startsWith("event:"))
    .map((chunk) => {
      const [eventLine, dataLine] = chunk.split("\n");
      const data: unknown = JSON.parse(dataLine!.slice("data: ".length));
      return { event: eventLine!.slice("event: ".length), data };
    });
}

describe("environments and builds", () => {
  let t: TestApp;
  let admin: Signed;
  let student: Signed;

  beforeAll(async () => {
    t = await createTestApp();
    await syncEnvironments({ db: t.db, environmentsDir: path.resolve(environmentsDir) });
    await createAccount(t.db, "root", "admin");
    await createAccount(t.db, "lola", "student");
    admin = await signIn(t.app, "root");
    student = await signIn(t.app, "lola");
  });
  afterAll(async () => t?.close());

  it("lists every environment with its stage, weeks, target size and publication state", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/environments", headers: { cookie: student.cookie } });
    expect(response.statusCode).toBe(200);
    const { environments } = bodyOf(EnvironmentListResponse, response);
    const python = environments.find((e) => e.name === "python");
    expect(python?.stage).toBeTruthy();
    expect(python).toMatchObject({ weeks: "1-6", gpu: "none", targetSizeMb: 500, published: null, withinTarget: null, lastBuild: null });
    expect(environments.map((e) => e.name)).toEqual(expect.arrayContaining(["python", "pytorch", "pytorch-nlp"]));
  });

  it("answers an unknown environment with not_found, for reading and for building", async () => {
    const get = await t.app.inject({ method: "GET", url: "/api/v1/environments/nope", headers: { cookie: student.cookie } });
    expect(get.statusCode).toBe(404);
    expect(errorOf(get).error.code).toBe("not_found");
    const post = await t.app.inject({ method: "POST", url: "/api/v1/environments/nope/builds", headers: admin.headers });
    expect(post.statusCode).toBe(404);
    expect(errorOf(post).error.code).toBe("not_found");
  });

  it("queues a build for an admin with 202 and a job whose id is the build id; a second request joins it", async () => {
    const first = await t.app.inject({ method: "POST", url: "/api/v1/environments/pytorch/builds", headers: admin.headers });
    expect(first.statusCode).toBe(202);
    const a = bodyOf(RequestBuildResponse, first);
    expect(a).toMatchObject({ joined: false, build: { environment: "pytorch", status: "queued", requestedBy: "root", recipe: null, imageTag: null } });
    const queue = createImageBuildQueue(t.redis, t.prefix);
    try {
      expect((await queue.getJob(a.build.id))?.data).toEqual({ buildId: a.build.id });
    } finally {
      await queue.close();
    }
    const second = bodyOf(RequestBuildResponse, await t.app.inject({ method: "POST", url: "/api/v1/environments/pytorch/builds", headers: admin.headers }));
    expect(second).toMatchObject({ joined: true, build: { id: a.build.id } });

    const env = bodyOf(EnvironmentResponse, await t.app.inject({ method: "GET", url: "/api/v1/environments/pytorch", headers: { cookie: admin.cookie } }));
    expect(env.environment.lastBuild?.id).toBe(a.build.id);
    const build = bodyOf(BuildResponse, await t.app.inject({ method: "GET", url: `/api/v1/builds/${a.build.id}`, headers: { cookie: admin.cookie } }));
    expect(build.build).toMatchObject({ id: a.build.id, status: "queued", logsUrl: `/api/v1/builds/${a.build.id}/logs` });
  });

  it("refuses builds to non-admins and build details to students", async () => {
    const post = await t.app.inject({ method: "POST", url: "/api/v1/environments/python/builds", headers: student.headers });
    expect(post.statusCode).toBe(403);
    expect(errorOf(post).error.code).toBe("forbidden");
    const { build } = await requestBuild({ db: t.db, environmentName: "python" });
    const get = await t.app.inject({ method: "GET", url: `/api/v1/builds/${build.id}`, headers: { cookie: student.cookie } });
    expect(get.statusCode).toBe(403);
    const anonymous = await t.app.inject({ method: "GET", url: `/api/v1/builds/${build.id}` });
    expect(anonymous.statusCode).toBe(401);
  });

  it("answers an unknown build with not_found and a malformed id with validation_failed", async () => {
    const missing = await t.app.inject({ method: "GET", url: "/api/v1/builds/00000000-0000-4000-8000-000000000000/logs", headers: { cookie: admin.cookie } });
    expect(missing.statusCode).toBe(404);
    const bad = await t.app.inject({ method: "GET", url: "/api/v1/builds/not-a-uuid", headers: { cookie: admin.cookie } });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).error.code).toBe("validation_failed");
  });

  it("streams the stored log, then live lines from Redis, then an end event with the final status", async () => {
    const { build } = await requestBuild({ db: t.db, environmentName: "pytorch-nlp" });
    await startBuild(t.db, build.id);
    const publish = (m: BuildLogMessage) => t.redis.publish(buildLogChannel(t.prefix, build.id), JSON.stringify(m)).then(() => undefined);
    const writer = await createBuildLogWriter({ db: t.db, buildId: build.id, onFlushed: (b) => publish({ type: "lines", ...b }) });
    writer.write("stored one");
    writer.write("stored two");
    await writer.flush();

    const streaming = t.app.inject({ method: "GET", url: `/api/v1/builds/${build.id}/logs`, headers: { cookie: admin.cookie } });
    // Give the stream time to subscribe; lines written before that are read from the row anyway.
    await new Promise((r) => setTimeout(r, 300));
    writer.write("live three");
    await writer.flush();
    await completeBuild(t.db, build.id, BuildStatus.SUCCEEDED, { imageId: "sha256:x", sizeBytes: 1, layerCount: 1, durationMs: 1 });
    await publish({ type: "end", status: "SUCCEEDED" });

    const response = await streaming;
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/event-stream");
    const events = sseEvents(response.body);
    expect(events).toEqual([
      { event: "line", data: { seq: 0, line: "stored one" } },
      { event: "line", data: { seq: 1, line: "stored two" } },
      { event: "line", data: { seq: 2, line: "live three" } },
      { event: "end", data: { status: "succeeded", error: null } },
    ]);
  });

  it("ends the stream of a finished build at once", async () => {
    const { build } = await requestBuild({ db: t.db, environmentName: "pytorch-nlp" });
    await startBuild(t.db, build.id);
    await completeBuild(t.db, build.id, BuildStatus.UNCHANGED, { imageId: "sha256:x", sizeBytes: 1, layerCount: 1, durationMs: 1 });
    const response = await t.app.inject({ method: "GET", url: `/api/v1/builds/${build.id}/logs`, headers: { cookie: admin.cookie } });
    expect(sseEvents(response.body)).toEqual([{ event: "end", data: { status: "unchanged", error: null } }]);
  });
});
