import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** Environment names are folder names, image repositories and URL segments alike. */
export const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const EnvironmentName = z.string().regex(ENVIRONMENT_NAME, "lowercase letters, digits and '-'");

/** `environment:<name>` builds on another environment's published image. */
export const ENVIRONMENT_BASE_PREFIX = "environment:";

const Recipe = z.object({
  dockerfile: z.string().min(1),
  /**
   * The image the recipe starts FROM, passed as build arg BASE_IMAGE: an image reference, or
   * `environment:<name>` for another environment's published image.
   */
  base: z.string().min(1),
});

export const EnvironmentManifest = z.object({
  title: z.string().min(1).max(200),
  stage: z.string().min(1).max(100),
  /** "1-6", shown next to the stage. */
  weeks: z.string().max(100),
  gpu: z.enum(["none", "optional", "required"]),
  /** 1 = a GPU per student; N = N students share one. */
  gpuShare: z.number().int().min(1).max(64).default(1),
  defaults: z.object({
    cpus: z.number().positive().max(256),
    memoryMb: z.number().int().min(256),
    shmMb: z.number().int().min(64),
  }),
  targetSizeMb: z.number().int().positive().optional(),
  recipes: z.object({ online: Recipe, offline: Recipe }),
  /** Python run with `docker exec` as uid 1000 in a started server; exit 0 = pass. */
  check: z.object({ python: z.string().min(1), timeoutS: z.number().int().min(1).max(1800).default(300) }),
});
export type EnvironmentManifest = z.infer<typeof EnvironmentManifest>;

export interface EnvironmentDefinition {
  name: string;
  dir: string;
  manifest: EnvironmentManifest;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

export async function readEnvironmentDefinition(environmentsDir: string, name: string): Promise<EnvironmentDefinition> {
  if (!ENVIRONMENT_NAME.test(name)) throw new ManifestError(`"${name}" is not a valid environment name`);
  const dir = path.join(environmentsDir, name);
  const file = path.join(dir, "environment.json");
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch {
    throw new ManifestError(`environment "${name}" has no ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ManifestError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = EnvironmentManifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new ManifestError(`${file} is invalid: ${issues}`);
  }
  return { name, dir, manifest: parsed.data };
}

/** Every `<dir>/<name>/environment.json`, in name order; folders without one are skipped. */
export async function readEnvironmentDefinitions(environmentsDir: string): Promise<EnvironmentDefinition[]> {
  const entries = await readdir(environmentsDir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory() && ENVIRONMENT_NAME.test(e.name)).map((e) => e.name).sort();
  const out: EnvironmentDefinition[] = [];
  for (const name of names) {
    const has = await readFile(path.join(environmentsDir, name, "environment.json")).then(() => true, () => false);
    if (has) out.push(await readEnvironmentDefinition(environmentsDir, name));
  }
  return out;
}
