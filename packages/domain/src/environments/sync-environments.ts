import type { Db } from "@aula/db";
import { GpuRequirement } from "@aula/db";
import { readEnvironmentDefinitions, type EnvironmentDefinition } from "./manifest";

export interface SyncEnvironmentsOptions {
  db: Db;
  /** docker/environments */
  environmentsDir: string;
}

export interface SyncEnvironmentsResult {
  created: string[];
  updated: string[];
}

const gpuRequirement = { none: GpuRequirement.NONE, optional: GpuRequirement.OPTIONAL, required: GpuRequirement.REQUIRED } as const;

export function environmentFields(def: EnvironmentDefinition) {
  const m = def.manifest;
  return {
    title: m.title,
    stage: m.stage,
    weeksLabel: m.weeks,
    gpu: gpuRequirement[m.gpu],
    gpuShare: m.gpuShare,
    defaultCpus: m.defaults.cpus,
    defaultMemoryMb: m.defaults.memoryMb,
    defaultShmMb: m.defaults.shmMb,
    targetSizeMb: m.targetSizeMb ?? null,
  };
}

/**
 * Upserts one Environment row per manifest. Only the manifest's own fields are written: what
 * builds publish (image, recipe) and what admins attach (weeks) is left alone, and rows whose
 * folder disappeared stay, since weeks and servers may still point at them.
 */
export async function syncEnvironments({ db, environmentsDir }: SyncEnvironmentsOptions): Promise<SyncEnvironmentsResult> {
  const defs = await readEnvironmentDefinitions(environmentsDir);
  const result: SyncEnvironmentsResult = { created: [], updated: [] };
  for (const def of defs) {
    const fields = environmentFields(def);
    const existing = await db.environment.findUnique({ where: { name: def.name }, select: { id: true } });
    await db.environment.upsert({ where: { name: def.name }, create: { name: def.name, ...fields }, update: fields });
    (existing ? result.updated : result.created).push(def.name);
  }
  return result;
}
