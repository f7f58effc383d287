import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildStatus, createTestDatabase, type TestDatabase } from "@aula/db";
import { completeBuild, failBuild, startBuild } from "./build-state";
import { createBuildLogWriter } from "./build-log";
import { requestBuild } from "./request-build";
import { syncEnvironments } from "./sync-environments";

let t: TestDatabase;

async function createEnvironment(name = `env-${randomBytes(4).toString("hex")}`) {
  return t.db.environment.create({ data: { name, title: name, stage: "Tests" } });
}

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe("requestBuild", () => {
  it("makes one build of two concurrent requests; the second joins the first", async () => {
    const env = await createEnvironment();
    const results = await Promise.all([requestBuild({ db: t.db, environmentName: env.name }), requestBuild({ db: t.db, environmentName: env.name })]);
    expect(new Set(results.map((r) => r.build.id)).size).toBe(1);
    expect(results.map((r) => r.joined).sort()).toEqual([false, true]);
    expect(await t.db.imageBuild.count({ where: { environmentId: env.id } })).toBe(1);
  });

  it("joins a RUNNING build too, and starts a new one once it has finished", async () => {
    const env = await createEnvironment();
    const first = await requestBuild({ db: t.db, environmentName: env.name });
    await startBuild(t.db, first.build.id);
    const joined = await requestBuild({ db: t.db, environmentName: env.name });
    expect(joined).toMatchObject({ joined: true, build: { id: first.build.id, status: BuildStatus.RUNNING } });
    await failBuild(t.db, first.build.id, "test");
    const next = await requestBuild({ db: t.db, environmentName: env.name });
    expect(next.joined).toBe(false);
    expect(next.build.id).not.toBe(first.build.id);
  });

  it("answers not_found for an environment that does not exist", async () => {
    await expect(requestBuild({ db: t.db, environmentName: "no-such-env" })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("build state", () => {
  it("publishes only through a passed build, and a late failure cannot undo a finished build", async () => {
    const env = await createEnvironment();
    const { build } = await requestBuild({ db: t.db, environmentName: env.name, plan: { recipe: "offline", contentHash: "a".repeat(64), imageTag: `aula-env/${env.name}:aaaaaaaaaaaa` } });
    await startBuild(t.db, build.id);
    const { published } = await completeBuild(t.db, build.id, BuildStatus.SUCCEEDED, { imageId: "sha256:1", sizeBytes: 10, layerCount: 1, durationMs: 5 });
    expect(published).toBe(true);
    expect(await failBuild(t.db, build.id, "too late")).toBe(false);
    const after = await t.db.environment.findUniqueOrThrow({ where: { id: env.id } });
    expect(after).toMatchObject({ publishedImage: `aula-env/${env.name}:aaaaaaaaaaaa`, publishedImageId: "sha256:1", publishedBuildId: build.id, recipe: "offline" });
    expect(await startBuild(t.db, build.id)).toBeNull();
  });

  it("stores log lines in batches and numbers them for readers that join late", async () => {
    const env = await createEnvironment();
    const { build } = await requestBuild({ db: t.db, environmentName: env.name });
    const batches: { seq: number; lines: string[] }[] = [];
    const writer = await createBuildLogWriter({ db: t.db, buildId: build.id, onFlushed: (b) => void batches.push(b), flushMs: 10_000 });
    for (let i = 0; i < 100; i++) writer.write(`line ${i}`);
    writer.write("two\nlines");
    await writer.flush();
    const again = await createBuildLogWriter({ db: t.db, buildId: build.id, onFlushed: (b) => void batches.push(b) });
    again.write("after a restart");
    await again.flush();
    expect(batches.map((b) => [b.seq, b.lines.length])).toEqual([[0, 102], [102, 1]]);
    const row = await t.db.imageBuild.findUniqueOrThrow({ where: { id: build.id } });
    const lines = row.log.split("\n").slice(0, -1);
    expect(lines).toHaveLength(103);
    expect(lines[101]).toBe("lines");
    expect(lines[102]).toBe("after a restart");
  });
});

describe("syncEnvironments", () => {
  it("creates rows from the manifests and updates them without touching what builds published", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "aula-sync-"));
    const name = `sync-${randomBytes(3).toString("hex")}`;
    const manifest = (title: string) => ({
      title,
      stage: "Fundamentos",
      weeks: "1-6",
      gpu: "optional",
      gpuShare: 2,
      defaults: { cpus: 2, memoryMb: 4096, shmMb: 1024 },
      targetSizeMb: 500,
      recipes: { online: { dockerfile: "Dockerfile", base: "python:3.11-slim" }, offline: { dockerfile: "Dockerfile.offline", base: "aula-base/debian:bookworm" } },
      check: { python: "import sys" },
    });
    try {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, "environment.json"), JSON.stringify(manifest("First")));
      expect((await syncEnvironments({ db: t.db, environmentsDir: dir })).created).toEqual([name]);
      await t.db.environment.update({ where: { name }, data: { publishedImage: "aula-env/x:1", recipe: "offline" } });
      await writeFile(path.join(dir, name, "environment.json"), JSON.stringify(manifest("Second")));
      expect((await syncEnvironments({ db: t.db, environmentsDir: dir })).updated).toEqual([name]);
      const row = await t.db.environment.findUniqueOrThrow({ where: { name } });
      expect(row).toMatchObject({ title: "Second", weeksLabel: "1-6", gpu: "OPTIONAL", gpuShare: 2, defaultCpus: 2, defaultMemoryMb: 4096, defaultShmMb: 1024, targetSizeMb: 500, publishedImage: "aula-env/x:1" });
      await writeFile(path.join(dir, name, "environment.json"), JSON.stringify({ ...manifest("Bad"), gpu: "maybe" }));
      await expect(syncEnvironments({ db: t.db, environmentsDir: dir })).rejects.toThrow(/gpu/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads the repository's own environment manifests", async () => {
    const dir = path.resolve(import.meta.dirname, "../../../../docker/environments");
    const result = await syncEnvironments({ db: t.db, environmentsDir: dir });
    expect([...result.created, ...result.updated]).toEqual(expect.arrayContaining(["python", "pytorch", "pytorch-nlp"]));
    const python = await t.db.environment.findUniqueOrThrow({ where: { name: "python" } });
    expect(python).toMatchObject({ weeksLabel: "1-6", gpu: "NONE", targetSizeMb: 500, defaultCpus: 4, defaultMemoryMb: 8192, defaultShmMb: 2048 });
  });
});
