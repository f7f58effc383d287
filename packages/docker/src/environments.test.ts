import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readEnvironmentDefinitions } from "@aula/domain";
import { readBuildContext } from "./build-context";
import { findEnvironmentsDir } from "./environments-dir";

const dir = findEnvironmentsDir()!;
// Every image carries the same container contract; these files are copies (each environment
// folder is its own build context) and must not drift apart.
const SHARED = ["aula-start", "jupyter_notebook_config.py", "warm.py", ".dockerignore"];

describe("docker/environments", () => {
  it("holds python, pytorch and pytorch-nlp with valid manifests and both recipes", async () => {
    const defs = await readEnvironmentDefinitions(dir);
    expect(defs.map((d) => d.name)).toEqual(expect.arrayContaining(["python", "pytorch", "pytorch-nlp"]));
    for (const def of defs) {
      for (const kind of ["online", "offline"] as const) {
        const ctx = await readBuildContext({ dir: def.dir, dockerfile: def.manifest.recipes[kind].dockerfile });
        expect(ctx.files.map((f) => f.path)).toContain("aula-start");
      }
    }
  });

  it("keeps the contract files identical in every environment", async () => {
    const defs = await readEnvironmentDefinitions(dir);
    for (const file of SHARED) {
      const contents = await Promise.all(defs.map((d) => readFile(path.join(d.dir, file), "utf8")));
      expect(new Set(contents).size, file).toBe(1);
    }
  });

  it("starts Notebook with the contract's flags and never as root or with a token on the command line", async () => {
    const start = await readFile(path.join(dir, "python", "aula-start"), "utf8");
    expect(start).toContain("python3 -m notebook");
    for (const flag of ["--ip=0.0.0.0", "--port=8888", "--no-browser", '--NotebookApp.base_url="$base_url"']) expect(start).toContain(flag);
    expect(start).not.toMatch(/allow-root|NotebookApp\.token=/);
    const config = await readFile(path.join(dir, "python", "jupyter_notebook_config.py"), "utf8");
    expect(config).toContain('c.NotebookApp.token = os.environ["JUPYTER_TOKEN"]');
    expect(config).not.toMatch(/allow_origin\s*=\s*["']\*["']/);
  });
});
