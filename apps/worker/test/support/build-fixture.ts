import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { syncEnvironments } from "@aula/domain";
import { ensurePublishedPython, removeEnvironmentImages, writeFixtureEnvironment, type FixtureEnvironment } from "@aula/docker/testing";
import { createImageBuildQueue, type ImageBuildQueue } from "@aula/queue";
import { redisUrl } from "./server-harness";

// What the image-build tests share: their own database with the python environment published,
// a fixture environment under a temporary environments dir, a Redis prefix and the build queue.
// close() removes the fixture's images, the queue's keys and the database.

export interface BuildFixture {
  tdb: TestDatabase;
  /** The environments dir holding the fixture. */
  root: string;
  /** The fixture environment's name. */
  name: string;
  prefix: string;
  /** The test's producer connection; the queue uses it. */
  redis: Redis;
  queue: ImageBuildQueue;
  docker: Docker;
  close(): Promise<void>;
}

export async function createBuildFixture(fixture: Omit<FixtureEnvironment, "name"> = {}): Promise<BuildFixture> {
  const docker = new Docker();
  const prefix = `aula-test-${randomBytes(4).toString("hex")}`;
  const name = `fixture-${randomBytes(4).toString("hex")}`;
  const tdb = await createTestDatabase();
  const root = await mkdtemp(path.join(tmpdir(), "aula-worker-envs-"));
  await ensurePublishedPython(tdb.db, docker);
  await writeFixtureEnvironment(root, { ...fixture, name });
  await syncEnvironments({ db: tdb.db, environmentsDir: root });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const queue = createImageBuildQueue(redis, prefix);
  return {
    tdb,
    root,
    name,
    prefix,
    redis,
    queue,
    docker,
    async close() {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await removeEnvironmentImages(docker, name);
      await rm(root, { recursive: true, force: true });
      await tdb.drop();
    },
  };
}
