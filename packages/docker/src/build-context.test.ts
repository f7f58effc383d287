import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import tar from "tar-stream";
import { BuildContextError, contentHash, packBuildContext, readBuildContext } from "./build-context";

let dir: string;

async function write(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), text);
}

async function hashOf(baseImageIds = ["sha256:base"], recipe = "offline"): Promise<string> {
  const ctx = await readBuildContext({ dir, dockerfile: "Dockerfile.offline", exclude: ["Dockerfile"] });
  return contentHash({ recipe, files: ctx.files, baseImageIds });
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "aula-ctx-"));
  await write("Dockerfile.offline", "FROM scratch\nCOPY aula-start /\n");
  await write("Dockerfile", "FROM python:3.11-slim\n");
  await write("aula-start", "#!/bin/sh\n");
  await write("lib/helper.py", "print('hi')\n");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readBuildContext", () => {
  it("respects .dockerignore, including exceptions, but always sends the Dockerfile", async () => {
    await write(".dockerignore", "# comment\n**/__pycache__\n*.md\n!KEEP.md\nDockerfile.offline\n");
    await write("README.md", "docs");
    await write("KEEP.md", "kept");
    await write("lib/__pycache__/helper.cpython-311.pyc", "bytecode");
    const ctx = await readBuildContext({ dir, dockerfile: "Dockerfile.offline", exclude: ["Dockerfile"] });
    expect(ctx.files.map((f) => f.path)).toEqual([".dockerignore", "Dockerfile.offline", "KEEP.md", "aula-start", "lib/helper.py"]);
  });

  it("refuses a symbolic link, even one that points inside the folder", async () => {
    await symlink("aula-start", path.join(dir, "link"));
    await expect(readBuildContext({ dir, dockerfile: "Dockerfile.offline" })).rejects.toThrow(/"link" .* symbolic link/);
  });

  it("refuses a link that would pull host files into the image", async () => {
    await symlink("/etc", path.join(dir, "lib", "etc"));
    await expect(readBuildContext({ dir, dockerfile: "Dockerfile.offline" })).rejects.toThrow(BuildContextError);
  });

  it("refuses a Dockerfile path outside the folder and a missing Dockerfile", async () => {
    await expect(readBuildContext({ dir, dockerfile: "../Dockerfile" })).rejects.toThrow(/outside the build context/);
    await expect(readBuildContext({ dir, dockerfile: "Nope" })).rejects.toThrow(/not found/);
  });

  describe("with a shared folder", () => {
    let shared: string;
    beforeEach(async () => {
      shared = await mkdtemp(path.join(tmpdir(), "aula-shared-"));
      await writeFile(path.join(shared, "contract.py"), "shared\n");
      await writeFile(path.join(shared, "aula-start"), "#!/bin/sh\n# shared\n");
      await writeFile(path.join(shared, ".dockerignore"), "*.md\n");
    });
    afterEach(async () => {
      await rm(shared, { recursive: true, force: true });
    });

    it("adds its files at the root, the environment's own file winning, and applies its .dockerignore", async () => {
      await write("README.md", "docs");
      const ctx = await readBuildContext({ dir, dockerfile: "Dockerfile.offline", exclude: ["Dockerfile"], sharedDir: shared });
      expect(ctx.files.map((f) => f.path)).toEqual([".dockerignore", "Dockerfile.offline", "aula-start", "contract.py", "lib/helper.py"]);
      expect(ctx.files.find((f) => f.path === "aula-start")?.bytes.toString()).toBe("#!/bin/sh\n");
    });

    it("hashes the same as a folder holding copies of the shared files", async () => {
      await rm(path.join(dir, "aula-start"));
      const merged = await readBuildContext({ dir, dockerfile: "Dockerfile.offline", exclude: ["Dockerfile"], sharedDir: shared });
      for (const f of ["contract.py", "aula-start", ".dockerignore"]) await writeFile(path.join(dir, f), await readFile(path.join(shared, f)));
      const copied = await readBuildContext({ dir, dockerfile: "Dockerfile.offline", exclude: ["Dockerfile"] });
      expect(contentHash({ recipe: "offline", files: merged.files, baseImageIds: [] })).toBe(contentHash({ recipe: "offline", files: copied.files, baseImageIds: [] }));
    });

    it("refuses a symbolic link in the shared folder too", async () => {
      await symlink("/etc/passwd", path.join(shared, "passwd"));
      await expect(readBuildContext({ dir, dockerfile: "Dockerfile.offline", sharedDir: shared })).rejects.toThrow(/symbolic link/);
    });
  });

  it("packs exactly the listed files, executable bits included", async () => {
    await chmod(path.join(dir, "aula-start"), 0o755);
    const ctx = await readBuildContext({ dir, dockerfile: "Dockerfile.offline", exclude: ["Dockerfile"] });
    const entries: { name: string; mode: number | undefined; type: string | null | undefined }[] = [];
    const extract = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
      extract.on("entry", (header, stream, next) => {
        entries.push({ name: header.name, mode: header.mode, type: header.type });
        stream.on("end", next);
        stream.resume();
      });
      extract.on("finish", resolve);
      extract.on("error", reject);
    });
    (packBuildContext(ctx)).pipe(extract);
    await done;
    expect(entries.filter((e) => e.type === "file").map((e) => e.name)).toEqual(["Dockerfile.offline", "aula-start", "lib/helper.py"]);
    expect(entries.find((e) => e.name === "aula-start")?.mode).toBe(0o755);
  });
});

describe("contentHash", () => {
  it("is stable for the same files, whatever their timestamps", async () => {
    const first = await hashOf();
    await write("lib/helper.py", "print('hi')\n");
    expect(await hashOf()).toBe(first);
  });

  it("changes when a file's bytes, a file's mode, the recipe or the base image change", async () => {
    const first = await hashOf();
    await write("lib/helper.py", "print('hello')\n");
    const edited = await hashOf();
    expect(edited).not.toBe(first);
    await chmod(path.join(dir, "aula-start"), 0o755);
    expect(await hashOf()).not.toBe(edited);
    expect(await hashOf(["sha256:other-base"])).not.toBe(await hashOf());
    expect(await hashOf(undefined, "online")).not.toBe(await hashOf());
  });

  it("ignores the other recipe's Dockerfile and ignored files", async () => {
    const first = await hashOf();
    await write("Dockerfile", "FROM python:3.12-slim\n");
    expect(await hashOf()).toBe(first);
  });
});
