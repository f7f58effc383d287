import { randomBytes, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { materialsDir, requestServerStart, requestServerStop } from "@aula/domain";
import { createReadyStudent, createTestUser, enrollTestUser } from "@aula/domain/testing";
import { createCollectQueue, enqueueCollect, enqueueSpawn, enqueueStop, type CollectQueue, type CollectResult } from "@aula/queue";
import { startCollectWorker } from "../src/collect/start-collect-worker";
import { LABEL_COLLECT } from "../src/collect/helper-container";
import { collectedPath } from "../src/collect/collect-processor";
import { startServerWorkers } from "../src/servers/start-server-workers";
import { createLogger } from "../src/log";
import { newestPythonImage, readTarGz } from "@aula/docker/testing";
import { until } from "./support/waits";

// 2-practicas reaches the student's workspace without a shared filesystem (a tar through the
// Docker API, never overwriting their edits), and collecting reads every student's volume
// through an offline, read-only helper container into one archive. Real Docker, real image.

describe("the week's practicas in each workspace, and collecting the students' work", () => {
  let t: TestDatabase;
  let redis: Redis;
  let workerRedis: Redis;
  let workers: Awaited<ReturnType<typeof startServerWorkers>>;
  let collector: Awaited<ReturnType<typeof startCollectWorker>>;
  let queue: CollectQueue;
  let dataDir: string;
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const prefix = `aula-test-${randomBytes(5).toString("hex")}`;
  const usernames: string[] = [];
  const image = newestPythonImage();

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    workerRedis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
    dataDir = await mkdtemp(path.join(os.tmpdir(), "aula-data-"));
    const log = createLogger("warn");
    workers = await startServerWorkers({ db: t.db, docker, publisher: redis, workerRedis, prefix, dataDir, log, readyTimeoutMs: 60_000, spawnConcurrency: 2, reconcileEveryMs: 3_600_000, cullEveryMs: 3_600_000 });
    collector = await startCollectWorker({ db: t.db, docker, dataDir, prefix, log, workerRedis, maxStudentBytes: 1024 * 1024 });
    queue = createCollectQueue(redis, prefix);
  }, 120_000);

  afterAll(async () => {
    for (const u of usernames) {
      await docker.getContainer(`aula-${u}`).remove({ force: true }).catch(() => {});
      for (const kind of ["home", "checkpoints", "cache"]) await docker.getVolume(`aula-${kind}-${u}`).remove().catch(() => {});
    }
    await queue?.close();
    await collector?.close(true);
    await workers?.close(true);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await Promise.allSettled([redis.quit(), workerRedis.quit()]);
    await t?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function exec(username: string, cmd: string): Promise<string> {
    const container = docker.getContainer(`aula-${username}`);
    const run = await container.exec({ Cmd: ["sh", "-c", cmd], AttachStdout: true, AttachStderr: true, User: "1000:1000" });
    const stream = await run.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", resolve);
    });
    // Strip Docker's 8-byte multiplexing headers.
    const raw = Buffer.concat(chunks);
    const out: Buffer[] = [];
    for (let i = 0; i + 8 <= raw.length; ) {
      const size = raw.readUInt32BE(i + 4);
      out.push(raw.subarray(i + 8, i + 8 + size));
      i += 8 + size;
    }
    return Buffer.concat(out).toString("utf8").trim();
  }

  async function start(username: string, courseSlug: string): Promise<string> {
    const server = await requestServerStart(t.db, { username, course: courseSlug, week: 1, gpu: "none" });
    await enqueueSpawn(workers.spawns, { serverId: server.id });
    await until("RUNNING", async () => {
      const row = await t.db.server.findUnique({ where: { id: server.id } });
      if (row?.status === "FAILED") throw new Error(`spawn failed: ${row.failureReason}`);
      return row?.status === "RUNNING";
    });
    return server.id;
  }

  async function stop(username: string, serverId: string) {
    await requestServerStop(t.db, { username, reason: "Stopped by you." });
    await enqueueStop(workers.stops, { serverId });
    await until("STOPPED", async () => (await t.db.server.findUnique({ where: { id: serverId } }))?.status === "STOPPED");
  }

  async function collect(courseId: string, courseSlug: string, scope: "practicas" | "proyecto"): Promise<CollectResult> {
    const collectionId = randomUUID();
    await enqueueCollect(queue, { collectionId, courseId, courseSlug, scope, week: scope === "practicas" ? 1 : null, requestedById: null, requestedAt: new Date().toISOString() });
    return until("collection", async () => {
      const job = await queue.getJob(collectionId);
      const state = await job?.getState();
      if (state === "failed") throw new Error(`collection failed: ${job?.failedReason}`);
      return state === "completed" ? (job?.returnvalue) : null;
    });
  }

  it("copies 2-practicas into the workspace once, owned by the student, never overwriting their edits", async () => {
    const { student, course } = await createReadyStudent(t.db, { image });
    usernames.push(student.username);
    const practicas = materialsDir(dataDir, course.slug, 1, "2-practicas");
    await mkdir(path.join(practicas, "lib"), { recursive: true });
    await writeFile(path.join(practicas, "ex1.ipynb"), "original exercise");
    await writeFile(path.join(practicas, "lib", "helper.py"), "HELP = 1\n");
    const teoria = materialsDir(dataDir, course.slug, 1, "1-teoria");
    await mkdir(teoria, { recursive: true });
    await writeFile(path.join(teoria, "lesson.md"), "# Lesson 1\n");

    const first = await start(student.username, course.slug);
    const week = "/bootcamp/2-practicas/week-01";
    expect(await exec(student.username, `cat ${week}/ex1.ipynb`)).toBe("original exercise");
    expect(await exec(student.username, `stat -c '%u:%g' ${week}/ex1.ipynb ${week}/lib/helper.py ${week} /bootcamp/3-proyecto`)).toBe(["1000:1000", "1000:1000", "1000:1000", "1000:1000"].join("\n"));
    expect(await exec(student.username, "cat /bootcamp/1-teoria/lesson.md")).toBe("# Lesson 1");
    // 1-teoria is read-only for the student.
    expect(await exec(student.username, "touch /bootcamp/1-teoria/x 2>&1 || echo refused")).toMatch(/refused|Read-only/);

    // The student works on the exercise and their project; the instructor updates and adds files.
    await exec(student.username, `echo 'my answer' > ${week}/ex1.ipynb && echo 'print(42)' > /bootcamp/3-proyecto/model.py`);
    await stop(student.username, first);
    await writeFile(path.join(practicas, "ex1.ipynb"), "new version of the exercise");
    await writeFile(path.join(practicas, "ex2.py"), "# second exercise\n");

    await start(student.username, course.slug);
    expect(await exec(student.username, `cat ${week}/ex1.ipynb`)).toBe("my answer");
    expect(await exec(student.username, `cat ${week}/ex2.py`)).toBe("# second exercise");
    expect(await exec(student.username, "cat /bootcamp/3-proyecto/model.py")).toBe("print(42)");
  }, 240_000);

  it("collects every student's week folder and project into one archive, through read-only helpers that are removed", async () => {
    const { student, course } = await createReadyStudent(t.db, { image });
    usernames.push(student.username);
    const idle = await createTestUser(t.db);
    usernames.push(idle.username);
    await enrollTestUser(t.db, { courseId: course.id, userId: idle.id });
    const practicas = materialsDir(dataDir, course.slug, 1, "2-practicas");
    await mkdir(practicas, { recursive: true });
    await writeFile(path.join(practicas, "ex1.ipynb"), "exercise");

    const serverId = await start(student.username, course.slug);
    const week = "/bootcamp/2-practicas/week-01";
    await exec(
      student.username,
      [
        `echo 'solved' > ${week}/ex1.ipynb`,
        `mkdir -p ${week}/.ipynb_checkpoints ${week}/__pycache__`,
        `echo autosave > ${week}/.ipynb_checkpoints/ex1-checkpoint.ipynb`,
        `echo bytecode > ${week}/__pycache__/x.pyc`,
        `ln -s /etc/passwd ${week}/passwd-link`,
        "echo 'project' > /bootcamp/3-proyecto/train.py",
      ].join(" && "),
    );

    // Collected while the server runs (its volume is mounted twice, read-only in the helper).
    const result = await collect(course.id, course.slug, "practicas");
    expect(result).toMatchObject({ students: 1, files: 1, missing: [{ username: idle.username, reason: "has never started a server" }] });
    const files = await readTarGz(createReadStream(result.file));
    const root = `${course.slug}-week-01-practicas`;
    expect(files.get(`${root}/${student.username}/ex1.ipynb`)).toBe("solved\n");
    expect([...files.keys()].filter((f) => f.startsWith(`${root}/${student.username}/`))).toEqual([`${root}/${student.username}/ex1.ipynb`]);
    expect(JSON.parse(files.get(`${root}/manifest.json`) ?? "{}")).toMatchObject({ scope: "practicas", week: 1, missing: [{ username: idle.username }] });

    await stop(student.username, serverId);
    const project = await collect(course.id, course.slug, "proyecto");
    const projectFiles = await readTarGz(createReadStream(project.file));
    expect(projectFiles.get(`${course.slug}-proyecto/${student.username}/train.py`)).toBe("project\n");

    const helpers = await docker.listContainers({ all: true, filters: { label: [LABEL_COLLECT] } });
    expect(helpers.filter((c) => c.Labels["aula.deployment"] === prefix)).toEqual([]);
  }, 240_000);

  it("keeps entries that would escape the student's folder out of the archive", () => {
    expect(collectedPath("week-01/ex1.ipynb")).toBe("ex1.ipynb");
    expect(collectedPath("week-01/")).toBeNull();
    expect(collectedPath("week-01/../../etc/passwd")).toBeNull();
    expect(collectedPath("/week-01/x")).toBeNull();
    expect(collectedPath("3-proyecto/a\\b")).toBeNull();
    expect(collectedPath("3-proyecto/.ipynb_checkpoints/a")).toBeNull();
    expect(collectedPath("3-proyecto/model.pt")).toBeNull();
    expect(collectedPath("3-proyecto/src/train.py")).toBe("src/train.py");
  });
});
