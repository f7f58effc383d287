import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildStatus, createTestDatabase, type TestDatabase } from "@aula/db";
import { requestBuild, syncEnvironments } from "@aula/domain";
import { ensurePublishedPython, removeEnvironmentImages, writeFixtureEnvironment } from "@aula/docker/testing";
import { createImageBuildQueue, enqueueImageBuild, type ImageBuildQueue } from "@aula/queue";
import { createLogger } from "./log";
import { startWorker, type RunningWorker } from "./worker";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `aula-test-${randomBytes(4).toString("hex")}`;
const name = `fixture-${randomBytes(4).toString("hex")}`;
const docker = new Docker();
let tdb: TestDatabase;
let root: string;
let redis: Redis;
let queue: ImageBuildQueue;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startWorkerProcess(): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: tdb.url,
      REDIS_URL: redisUrl,
      AULA_REDIS_PREFIX: prefix,
      AULA_ENVIRONMENTS_DIR: root,
      AULA_IMAGE_RECIPE: "offline",
      // Only builds: a servers role would reconcile (remove) other tests' student containers.
      AULA_WORKER_ROLES: "image-builds",
      AULA_BUILD_LOCK_S: "2",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), "aula-kill-envs-"));
  await ensurePublishedPython(tdb.db, docker);
  // A nonce defeats Docker's cache, so the slow step really runs when the worker is killed.
  await writeFixtureEnvironment(root, { name, files: { "nonce.txt": randomBytes(8).toString("hex") }, steps: ["COPY nonce.txt /opt/nonce.txt", "RUN sleep 5"] });
  await syncEnvironments({ db: tdb.db, environmentsDir: root });
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  queue = createImageBuildQueue(redis, prefix);
}, 900_000);

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
  await removeEnvironmentImages(docker, name);
  await rm(root, { recursive: true, force: true });
  await tdb?.drop();
});

describe("a worker killed mid-build", () => {
  it("leaves no build RUNNING: the next worker takes the job over and finishes the build", async () => {
    const { child, output } = startWorkerProcess();
    let next: RunningWorker | undefined;
    try {
      await waitFor("the worker process to be ready", async () => output().includes("worker ready"), 60_000).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\n${output()}`);
      });
      const { build } = await requestBuild({ db: tdb.db, environmentName: name });
      await enqueueImageBuild(queue, { buildId: build.id });
      await waitFor("the slow step to start", async () => {
        const row = await tdb.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } });
        return row.status === BuildStatus.RUNNING && row.log.includes("RUN sleep 5");
      });
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      expect((await tdb.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } })).status).toBe(BuildStatus.RUNNING);

      next = await startWorker({ roles: ["image-builds"], db: tdb.db, redisUrl, prefix, environmentsDir: root, recipePreference: "offline", log: createLogger("silent"), lockDurationMs: 2000, stalledIntervalMs: 1000 });
      const done = await waitFor("the build to end", async () => {
        const row = await tdb.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } });
        return row.status === BuildStatus.RUNNING || row.status === BuildStatus.QUEUED ? null : row;
      });
      expect(done.status, done.error ?? "").toBe(BuildStatus.SUCCEEDED);
      expect(done.log).toContain("restarted this build");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await next?.close();
    }
  }, 240_000);
});
