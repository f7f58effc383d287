import { dataEnv, databaseEnv, logEnv, parseEnv, portsEnv, publicEnv, redisEnv, userDomainEnv } from "@aula/config";
import { userDomainProblem } from "@aula/domain";
import { z } from "zod";
import type { ApiConfig } from "./app";

const apiEnv = databaseEnv
  .extend(redisEnv.shape)
  .extend(portsEnv.shape)
  .extend(publicEnv.shape)
  .extend(logEnv.shape)
  .extend(dataEnv.shape)
  .extend(userDomainEnv.shape)
  .extend({
    /** Largest course-material file (and zip) an instructor may upload, in MB. */
    AULA_MATERIAL_MAX_MB: z.coerce.number().int().min(1).max(10_240).default(200),
  })
  .superRefine((env, ctx) => {
    const problem = userDomainProblem(env.AULA_PUBLIC_URL, env.AULA_USER_DOMAIN);
    if (problem !== null) ctx.addIssue({ code: "custom", path: ["AULA_USER_DOMAIN"], message: problem });
  });

export type ApiEnv = ReturnType<typeof loadEnv>;

/** Parsed once, at boot, by server.ts; nothing else in the api reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env) {
  return parseEnv(apiEnv, source);
}

export function configFromEnv(env: ApiEnv): ApiConfig {
  return {
    publicUrl: env.AULA_PUBLIC_URL,
    redisPrefix: env.AULA_REDIS_PREFIX,
    logLevel: env.LOG_LEVEL,
    dataDir: env.AULA_DATA_DIR,
    materialMaxBytes: env.AULA_MATERIAL_MAX_MB * 1024 * 1024,
    userDomain: env.AULA_USER_DOMAIN,
  };
}
