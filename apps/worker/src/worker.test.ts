import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildStatus } from "@aula/db";
import { requestBuild } from "@aula/domain";
import { enqueueImageBuild } from "@aula/queue";
import { createBuildFixture, type BuildFixture } from "../test/support/build-fixture";
import { redisUrl } from "../test/support/server-harness";
import { until } from "../test/support/waits";
import { createLogger } from "./log";
import { startWorker, type RunningWorker } from "./worker";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
let f: BuildFixture;

function startWorkerProcess(): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: f.tdb.url,
      REDIS_URL: redisUrl,
      AULA_REDIS_PREFIX: f.prefix,
      AULA_ENVIRONMENTS_DIR: f.root,
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
  // A nonce defeats Docker's cache, so the slow step really runs when the worker is killed.
  f = await createBuildFixture({ files: { "nonce.txt": randomBytes(8).toString("hex") }, steps: ["COPY nonce.txt /opt/nonce.txt", "RUN sleep 5"] });
}, 900_000);

afterAll(async () => {
  await f?.close();
});

describe("a worker killed mid-build", () => {
  it("leaves no build RUNNING: the next worker takes the job over and finishes the build", async () => {
    const { child, output } = startWorkerProcess();
    let next: RunningWorker | undefined;
    try {
      await until("the worker process to be ready", async () => output().includes("worker ready"), 60_000).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\n${output()}`);
      });
      const { build } = await requestBuild({ db: f.tdb.db, environmentName: f.name });
      await enqueueImageBuild(f.queue, { buildId: build.id });
      await until("the slow step to start", async () => {
        const row = await f.tdb.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } });
        return row.status === BuildStatus.RUNNING && row.log.includes("RUN sleep 5");
      });
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      expect((await f.tdb.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } })).status).toBe(BuildStatus.RUNNING);

      next = await startWorker({ roles: ["image-builds"], db: f.tdb.db, redisUrl, prefix: f.prefix, environmentsDir: f.root, recipePreference: "offline", log: createLogger("silent"), lockDurationMs: 2000, stalledIntervalMs: 1000 });
      const done = await until("the build to end", async () => {
        const row = await f.tdb.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } });
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
