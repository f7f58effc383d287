import { z } from "zod";

// Env fragments shared by the apps. Each app composes the ones it needs in its own src/env.ts
// and parses process.env exactly once, at boot.

export const databaseEnv = z.object({
  DATABASE_URL: z.string().url().describe("PostgreSQL URL, e.g. postgresql://aula:…@127.0.0.1:5432/aula"),
});

export const redisEnv = z.object({
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** Key prefix for every BullMQ queue and pub/sub channel; tests use their own. */
  AULA_REDIS_PREFIX: z.string().regex(/^[a-z0-9:_-]{1,64}$/i).default("aula"),
});

export const portsEnv = z.object({
  AULA_PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  AULA_API_PORT: z.coerce.number().int().min(1).max(65535).default(8001),
  AULA_WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  AULA_HOST: z.string().default("127.0.0.1"),
});

export const publicEnv = z.object({
  /** The URL students type; used for redirects, cookie security and per-user subdomains. */
  AULA_PUBLIC_URL: z.string().url().default("http://127.0.0.1:8000"),
});

/**
 * Per-user subdomains (JupyterHub's `subdomain_host`): with a domain set, each student's server is
 * served at `<name>.<domain>` (same scheme and port as AULA_PUBLIC_URL), its own browser origin,
 * so the portal's cookies never reach it. Empty (the default) keeps `/user/<name>/` on the portal.
 */
export const userDomainEnv = z.object({
  AULA_USER_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^$|^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "must be a DNS name such as users.aula.example.org (no scheme, no port), or empty to turn per-user subdomains off")
    .default(""),
});

export const logEnv = z.object({
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export const dataEnv = z.object({
  /** Where Aula keeps materials, collected archives and build contexts on the host. */
  AULA_DATA_DIR: z.string().default("/var/lib/aula"),
});

export const gpuEnv = z.object({
  /** Simulated inventory when no NVIDIA driver: "sim:4xH100-80GB". Empty = detect with nvidia-smi. */
  AULA_GPUS: z.string().default(""),
});

export class EnvError extends Error {}

/**
 * Parses `source` with `schema`. An invalid value throws an EnvError naming every bad variable,
 * so the process stops before it listens with a message an operator can act on.
 */
export function parseEnv<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
  throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
}
