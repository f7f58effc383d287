import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readEnvironmentDefinitions } from "@aula/domain";
import { SHARED_CONTEXT_DIR, readBuildContext } from "./build-context";
import { findEnvironmentsDir } from "./environments-dir";

const dir = findEnvironmentsDir()!;
// Every image carries the same container contract: one copy in _contract/, added to each
// environment's build context.
const SHARED = ["aula-start", "jupyter_notebook_config.py", "warm.py", ".dockerignore"];
const sharedDir = path.join(dir, SHARED_CONTEXT_DIR);

describe("docker/environments", () => {
  it("holds python, pytorch and pytorch-nlp with valid manifests and both recipes", async () => {
    const defs = await readEnvironmentDefinitions(dir);
    expect(defs.map((d) => d.name)).toEqual(expect.arrayContaining(["python", "pytorch", "pytorch-nlp"]));
    for (const def of defs) {
      for (const kind of ["online", "offline"] as const) {
        const ctx = await readBuildContext({ dir: def.dir, dockerfile: def.manifest.recipes[kind].dockerfile, sharedDir });
        expect(ctx.files.map((f) => f.path)).toEqual(expect.arrayContaining(SHARED));
        expect(ctx.files.find((f) => f.path === "aula-start")?.executable).toBe(true);
      }
    }
  });

  it("keeps the contract in one place: no environment carries its own copy", async () => {
    const defs = await readEnvironmentDefinitions(dir);
    expect(defs.map((d) => d.name)).not.toContain(SHARED_CONTEXT_DIR);
    for (const def of defs) {
      for (const file of SHARED) {
        await expect(readFile(path.join(def.dir, file)), `${def.name}/${file}`).rejects.toThrow(/ENOENT/);
      }
    }
  });

  it("starts Notebook with the contract's flags and never as root or with a token on the command line", async () => {
    const start = await readFile(path.join(sharedDir, "aula-start"), "utf8");
    expect(start).toContain("python3 -m notebook");
    for (const flag of ["--ip=0.0.0.0", "--port=8888", "--no-browser", '--NotebookApp.base_url="$base_url"']) expect(start).toContain(flag);
    expect(start).not.toMatch(/allow-root|NotebookApp\.token=/);
    const config = await readFile(path.join(sharedDir, "jupyter_notebook_config.py"), "utf8");
    expect(config).toContain('c.NotebookApp.token = os.environ["JUPYTER_TOKEN"]');
    expect(config).not.toMatch(/allow_origin\s*=\s*["']\*["']/);
  });
});
