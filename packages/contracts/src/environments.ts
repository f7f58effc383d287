import { z } from "zod";

export const EnvironmentNameParam = z.object({
  name: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, "an environment name: lowercase letters, digits and '-'"),
});

export const BuildIdParam = z.object({ id: z.uuid() });

export const BuildStatusName = z.enum(["queued", "running", "succeeded", "unchanged", "failed"]);
export type BuildStatusName = z.infer<typeof BuildStatusName>;

export const BuildView = z.object({
  id: z.string(),
  environment: z.string(),
  status: BuildStatusName,
  /** online | offline; null until the worker has chosen. */
  recipe: z.string().nullable(),
  contentHash: z.string().nullable(),
  imageTag: z.string().nullable(),
  imageId: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  sizeMb: z.number().nullable(),
  layerCount: z.number().nullable(),
  durationMs: z.number().nullable(),
  cachedSteps: z.number().nullable(),
  totalSteps: z.number().nullable(),
  error: z.string().nullable(),
  requestedBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Where the log streams (server-sent events). */
  logsUrl: z.string(),
});
export type BuildView = z.infer<typeof BuildView>;

export const EnvironmentView = z.object({
  name: z.string(),
  title: z.string(),
  stage: z.string(),
  weeks: z.string(),
  gpu: z.enum(["none", "optional", "required"]),
  /** 1 = a GPU per student; N = N students per GPU. */
  gpuShare: z.number(),
  defaults: z.object({ cpus: z.number(), memoryMb: z.number(), shmMb: z.number() }),
  /** The recipe the published image was built with. */
  recipe: z.string().nullable(),
  published: z
    .object({
      image: z.string(),
      imageId: z.string().nullable(),
      buildId: z.string().nullable(),
      at: z.string().nullable(),
      sizeMb: z.number().nullable(),
    })
    .nullable(),
  targetSizeMb: z.number().nullable(),
  /** Published size within the target; null while either is unknown. */
  withinTarget: z.boolean().nullable(),
  lastBuild: BuildView.nullable(),
});
export type EnvironmentView = z.infer<typeof EnvironmentView>;

export const EnvironmentListResponse = z.object({ environments: z.array(EnvironmentView) });
export const EnvironmentResponse = z.object({ environment: EnvironmentView });
export const BuildResponse = z.object({ build: BuildView });
export const RequestBuildResponse = z.object({
  build: BuildView,
  /** True when a build was already queued or running and this request joined it. */
  joined: z.boolean(),
});
