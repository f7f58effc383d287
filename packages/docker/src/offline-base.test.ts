import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { ensureOfflineBase, splitTag } from "./offline-base";

const docker = new Docker();

describe("ensureOfflineBase", () => {
  it("does nothing when the tag is already present, and says so", async () => {
    // Any local image stands in for the base: the point is that debootstrap never runs.
    const [any] = await docker.listImages();
    if (!any?.RepoTags?.[0] || any.RepoTags[0] === "<none>:<none>") throw new Error("this test needs at least one tagged image on the daemon");
    const lines: string[] = [];
    const result = await ensureOfflineBase({ docker, tag: any.RepoTags[0], debootstrap: "/bin/false", onProgress: (l) => lines.push(l) });
    expect(result).toMatchObject({ created: false, imageId: any.Id });
    expect(lines.join("\n")).toMatch(/already present/);
  });

  it("splits image references the way the daemon's import endpoint wants them", () => {
    expect(splitTag("aula-base/debian:bookworm")).toEqual(["aula-base/debian", "bookworm"]);
    expect(splitTag("localhost:5000/aula-base/debian")).toEqual(["localhost:5000/aula-base/debian", undefined]);
  });
});
