import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFLINE_BASE_IMAGE, ensureOfflineBase } from "./offline-base";
import { removeStaleSmokeContainers } from "./smoke-test";

const docker = new Docker();
const created: string[] = [];

async function probe(owner: string): Promise<string> {
  const c = await docker.createContainer({ Image: OFFLINE_BASE_IMAGE, Cmd: ["true"], Labels: { "aula.smoke": "1", "aula.smoke.owner": owner, "aula.environment": "smoke-cleanup-test" } });
  created.push(c.id);
  return c.id;
}

async function exists(id: string): Promise<boolean> {
  return docker.getContainer(id).inspect().then(() => true, () => false);
}

beforeAll(async () => {
  await ensureOfflineBase({ docker });
}, 300_000);

afterAll(async () => {
  for (const id of created) await docker.getContainer(id).remove({ force: true }).catch(() => {});
});

describe("removeStaleSmokeContainers", () => {
  it("removes a probe whose worker process is gone and leaves a live worker's probe alone", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid;
    const stale = await probe(`${hostname()}:${dead}`);
    const live = await probe(`${hostname()}:${process.pid}`);
    const foreign = await probe("another-host:1");
    expect(await removeStaleSmokeContainers(docker)).toBeGreaterThanOrEqual(1);
    expect(await exists(stale)).toBe(false);
    expect(await exists(live)).toBe(true);
    // Another host's worker may still be gating: its fresh probe is not ours to judge.
    expect(await exists(foreign)).toBe(true);
  });
});
