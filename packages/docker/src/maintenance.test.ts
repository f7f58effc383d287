import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFLINE_BASE_IMAGE } from "./offline-base";
import { removeUnusedEnvironmentImages } from "./maintenance";

// Real images on the real daemon, in a repository of this test's own so nothing else is touched.

describe("removing unused environment images", () => {
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const repo = `aula-env/maint-${randomBytes(4).toString("hex")}`;
  let containerId: string | undefined;

  async function tag(name: string, label: string): Promise<void> {
    // A distinct image per tag (a label changes the id), built on the offline base.
    const c = await docker.createContainer({ Image: OFFLINE_BASE_IMAGE, Cmd: ["true"], Labels: { step: label } });
    await c.commit({ repo, tag: name, changes: [`LABEL aula.test=${label}`] });
    await c.remove({ force: true });
  }

  beforeAll(async () => {
    await tag("published", "a");
    await tag("in-use", "b");
    await tag("old", "c");
    const c = await docker.createContainer({ Image: `${repo}:in-use`, Cmd: ["true"] });
    containerId = c.id;
  }, 120_000);

  afterAll(async () => {
    if (containerId) await docker.getContainer(containerId).remove({ force: true }).catch(() => {});
    for (const t of ["published", "in-use", "old"]) await docker.getImage(`${repo}:${t}`).remove({ force: true }).catch(() => {});
  });

  it("removes only images that are neither published nor used by a container, and says how much it freed", async () => {
    const result = await removeUnusedEnvironmentImages(docker, { published: [{ image: `${repo}:published`, imageId: null }], reference: `${repo}:*` });
    expect(result.removed).toEqual([`${repo}:old`]);
    expect(result.kept.map((k) => `${k.image} ${k.reason}`).sort()).toEqual([`${repo}:in-use used by a container`, `${repo}:published published`]);
    expect(result.spaceFreedBytes).toBeGreaterThanOrEqual(0);
    await expect(docker.getImage(`${repo}:old`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getImage(`${repo}:published`).inspect()).Id).toBeTruthy();
    expect((await docker.getImage(`${repo}:in-use`).inspect()).Id).toBeTruthy();
  });
});
