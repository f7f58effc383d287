import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { syncEnvironments } from "@aula/domain";
import { buildEnvironment } from "./build-environment";
import { LABEL_ENVIRONMENT } from "./container-spec";
import { ensurePublishedPython, removeEnvironmentImages, writeFixtureEnvironment } from "./testing";

const docker = new Docker();
let tdb: TestDatabase;
let root: string;
const name = `fixture-${randomBytes(4).toString("hex")}`;

async function build(fixtureName = name) {
  const lines: string[] = [];
  const result = await buildEnvironment({ db: tdb.db, docker, name: fixtureName, environmentsDir: root, recipePreference: "offline", onLog: (l) => lines.push(l) });
  return { ...result, lines };
}

async function published(fixtureName = name) {
  return tdb.db.environment.findUniqueOrThrow({ where: { name: fixtureName } });
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), "aula-envs-"));
  await ensurePublishedPython(tdb.db, docker);
  await writeFixtureEnvironment(root, { name });
  await syncEnvironments({ db: tdb.db, environmentsDir: root });
}, 900_000);

afterAll(async () => {
  await removeEnvironmentImages(docker, name);
  await removeEnvironmentImages(docker, `${name}-orphan`);
  await rm(root, { recursive: true, force: true });
  await tdb?.drop();
});

describe("buildEnvironment", () => {
  it("builds an environment, passes it through the smoke test and publishes it; the same folder again is UNCHANGED", async () => {
    const first = await build();
    expect(first.status, first.error).toBe("SUCCEEDED");
    expect(first.build.imageTag).toMatch(new RegExp(`^aula-env/${name}:[0-9a-f]{12}$`));
    expect(first.build.contentHash).toHaveLength(64);
    expect(first.build.recipe).toBe("offline");
    expect(Number(first.build.sizeBytes)).toBeGreaterThan(0);
    expect(first.build.layerCount).toBeGreaterThan(1);
    expect(first.build.totalSteps).toBeGreaterThan(0);
    expect(first.build.log).toContain("smoke: kernel WebSocket round trip");
    expect(first.build.log).toContain("hello from the fixture");
    const env = await published();
    expect(env.publishedImage).toBe(first.build.imageTag);
    expect(env.publishedImageId).toBe(first.build.imageId);
    expect(env.publishedBuildId).toBe(first.build.id);
    expect(env.recipe).toBe("offline");
    const image = await docker.getImage(first.build.imageTag).inspect();
    expect(image.Config.Labels?.[LABEL_ENVIRONMENT]).toBe(name);

    const second = await build();
    expect(second.status).toBe("UNCHANGED");
    expect(second.build.imageTag).toBe(first.build.imageTag);
    expect(second.build.log).toMatch(/nothing changed, so nothing is built/);
    expect((await published()).publishedBuildId).toBe(first.build.id);
    const leftovers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_ENVIRONMENT}=${name}`] } });
    expect(leftovers).toEqual([]);
  });

  it("records a failing Dockerfile as FAILED with its log, and keeps the published image", async () => {
    const before = await published();
    const dockerfile = path.join(root, name, "Dockerfile.offline");
    await writeFile(dockerfile, `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nLABEL ${LABEL_ENVIRONMENT}=${name}\nCOPY hello.txt /opt/aula-fixture/hello.txt\nRUN echo boom-marker && exit 7\n`);
    try {
      const result = await build();
      expect(result.status).toBe("FAILED");
      expect(result.build.error).toMatch(/returned a non-zero code: 7/);
      expect(result.build.log).toContain("boom-marker");
      expect(result.build.log).toContain("was not changed");
      expect(result.build.finishedAt).not.toBeNull();
      const after = await published();
      expect(after.publishedImage).toBe(before.publishedImage);
      expect(after.publishedBuildId).toBe(before.publishedBuildId);
    } finally {
      await writeFixtureEnvironment(root, { name });
    }
  });

  it("records a failing smoke check as FAILED, removes the probe container and keeps the published image", async () => {
    const before = await published();
    await writeFixtureEnvironment(root, { name, check: "import sys\nprint('check-marker')\nsys.exit(3)" });
    try {
      const result = await build();
      expect(result.status).toBe("FAILED");
      expect(result.build.error).toMatch(/check exited with 3/);
      expect(result.build.error).toContain("check-marker");
      const after = await published();
      expect(after.publishedImage).toBe(before.publishedImage);
      expect(after.publishedImageId).toBe(before.publishedImageId);
      const leftovers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_ENVIRONMENT}=${name}`, "aula.smoke=1"] } });
      expect(leftovers).toEqual([]);
    } finally {
      await writeFixtureEnvironment(root, { name });
    }
  });

  it("refuses to build on an environment that has nothing published, saying which one", async () => {
    const orphan = `${name}-orphan`;
    await writeFixtureEnvironment(root, { name: orphan, base: "environment:does-not-exist" });
    const result = await build(orphan);
    expect(result.status).toBe("FAILED");
    expect(result.build.error).toMatch(/"does-not-exist" environment, which has no published image yet/);
    expect((await published(orphan)).publishedImage).toBeNull();
  });
});
