import path from "node:path";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { buildEnvironment, chooseRecipe, ensureOfflineBase, findEnvironmentsDir, followProgress, imageExists, LABEL_ENVIRONMENT, LABEL_SMOKE, OFFLINE_BASE_IMAGE, packBuildContext, readBuildContext } from "@aula/docker";
import { readEnvironmentDefinitions, ENVIRONMENT_BASE_PREFIX } from "@aula/domain";
import type { Stack } from "../../e2e/src/stack";
import { figure, type Figure } from "./stats";

// Scenario 7: each environment's image size against the seed's target (the newest image of
// that environment in the local store), the no-change rebuild (`./aula env build <name>` when
// nothing changed: it hashes the context, finds the tag that passed the gate and publishes it
// again, building nothing), and a cold build: the same recipe with Docker's cache off, from the
// base image (the debootstrap base itself is made once per machine, ~30 s, and not counted).
// Cold builds take minutes each, so only the environments named in `coldBuild` get one.

export interface ImageFigures {
  name: string;
  sizeMb: number | null;
  targetMb: number | null;
  /** The first build in the bench's fresh database: every step from Docker's cache, then the gate. */
  firstCachedBuildMs: number | null;
  noChangeRebuildMs: Figure | null;
  coldBuildMs: number | null;
  recipe: string | null;
}

const SHARED_CONTEXT_DIR = "_contract"; // @aula/docker's build-context.ts: files every environment shares

async function newestImageOf(docker: Docker, name: string): Promise<Docker.ImageInfo | null> {
  const images = await docker.listImages({ filters: { label: [`${LABEL_ENVIRONMENT}=${name}`] } });
  return images.filter((i) => i.Labels?.[LABEL_SMOKE] !== "1").sort((a, b) => b.Created - a.Created)[0] ?? null;
}

async function coldBuild(docker: Docker, environmentsDir: string, name: string, log: (l: string) => void): Promise<{ ms: number; recipe: string }> {
  const def = (await readEnvironmentDefinitions(environmentsDir)).find((d) => d.name === name)!;
  const choice = await chooseRecipe({ docker, onlineBase: def.manifest.recipes.online.base });
  const recipe = def.manifest.recipes[choice.recipe];
  let base = recipe.base;
  if (base === OFFLINE_BASE_IMAGE) await ensureOfflineBase({ docker });
  if (base.startsWith(ENVIRONMENT_BASE_PREFIX)) {
    const parent = await newestImageOf(docker, base.slice(ENVIRONMENT_BASE_PREFIX.length));
    if (!parent?.RepoTags?.[0]) throw new Error(`no image of ${base} to build ${name} on`);
    base = parent.RepoTags[0];
  }
  const other = def.manifest.recipes[choice.recipe === "online" ? "offline" : "online"].dockerfile;
  const context = await readBuildContext({ dir: def.dir, dockerfile: recipe.dockerfile, exclude: other === recipe.dockerfile ? [] : [other], sharedDir: path.join(environmentsDir, SHARED_CONTEXT_DIR) });
  const tag = `aula-bench-cold/${name}:${randomBytes(4).toString("hex")}`;
  const t0 = performance.now();
  const stream = await docker.buildImage(packBuildContext(context), { t: tag, dockerfile: context.dockerfile, networkmode: "host", nocache: true, rm: true, forcerm: true, buildargs: { BASE_IMAGE: base } });
  try {
    await followProgress(docker, stream, (event) => {
      if (event.stream?.startsWith("Step ")) log(event.stream.trim());
    });
    if (!(await imageExists(docker, tag))) throw new Error(`the cold build of ${name} left no image`);
    return { ms: performance.now() - t0, recipe: choice.recipe };
  } finally {
    await docker.getImage(tag).remove({ noprune: false }).catch(() => undefined);
  }
}

export async function imagesScenario(stack: Stack, opts: { environments?: string[]; coldBuild: string[]; noChangeRuns: number; log: (l: string) => void }): Promise<ImageFigures[]> {
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const environmentsDir = findEnvironmentsDir();
  if (!environmentsDir) throw new Error("docker/environments not found");
  const out: ImageFigures[] = [];
  for (const def of await readEnvironmentDefinitions(environmentsDir)) {
    if (opts.environments && !opts.environments.includes(def.name)) continue;
    const image = await newestImageOf(docker, def.name);
    const f: ImageFigures = { name: def.name, sizeMb: image ? image.Size / 1e6 : null, targetMb: def.manifest.targetSizeMb ?? null, firstCachedBuildMs: null, noChangeRebuildMs: null, coldBuildMs: null, recipe: null };
    out.push(f);
    if (!image) continue;
    const build = async () => {
      const t0 = performance.now();
      const r = await buildEnvironment({ db: stack.db, docker, name: def.name, environmentsDir });
      if (r.status === "FAILED") throw new Error(`build of ${def.name} failed: ${r.error ?? ""}`);
      return { ms: performance.now() - t0, status: r.status };
    };
    const first = await build();
    if (first.status !== "UNCHANGED") f.firstCachedBuildMs = first.ms;
    const runs: number[] = first.status === "UNCHANGED" ? [first.ms] : [];
    while (runs.length < opts.noChangeRuns) {
      const r = await build();
      if (r.status !== "UNCHANGED") throw new Error(`a rebuild of ${def.name} with nothing changed built something (${r.status})`);
      runs.push(r.ms);
    }
    f.noChangeRebuildMs = figure(runs);
  }
  for (const name of opts.coldBuild) {
    const f = out.find((o) => o.name === name);
    if (!f) continue;
    const cold = await coldBuild(docker, environmentsDir, name, opts.log);
    f.coldBuildMs = cold.ms;
    f.recipe = cold.recipe;
  }
  return out;
}
