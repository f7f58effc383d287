import { z } from "zod";

export const ServerStatusName = z.enum(["queued", "starting", "running", "stopping", "stopped", "failed"]);
export type ServerStatusName = z.infer<typeof ServerStatusName>;

export const StartServerBody = z.strictObject({
  course: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, "a course slug: lowercase letters, digits and '-'"),
  week: z.number().int().min(1).max(104),
  gpu: z.enum(["none", "required", "preferred"]).default("none"),
  /** With gpu "preferred": start on CPU when no GPU is free or GPU-hours are used up. */
  cpuFallback: z.boolean().optional(),
});
export type StartServerBody = z.infer<typeof StartServerBody>;

export const ServerView = z.object({
  id: z.string(),
  status: ServerStatusName,
  course: z.object({ slug: z.string(), title: z.string() }),
  week: z.object({ number: z.number(), title: z.string() }),
  environment: z.object({ name: z.string(), title: z.string() }),
  usesGpu: z.boolean(),
  /** Where Jupyter answers once running: /user/<name>/, or http(s)://<name>.<AULA_USER_DOMAIN>[:port]/user/<name>/ in subdomain mode. */
  url: z.string(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  readyAt: z.string().nullable(),
  stoppedAt: z.string().nullable(),
  lastActivityAt: z.string().nullable(),
  stopReason: z.string().nullable(),
  failureReason: z.string().nullable(),
  /** Set when the idle culler has warned that this server stops soon (portal banner). */
  cullWarnedAt: z.string().nullable(),
});
export type ServerView = z.infer<typeof ServerView>;

export const ServerResponse = z.object({ server: ServerView.nullable() });
export type ServerResponse = z.infer<typeof ServerResponse>;
