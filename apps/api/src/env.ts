import { databaseEnv, logEnv, parseEnv, portsEnv, publicEnv, redisEnv } from "@aula/config";
import type { ApiConfig } from "./app";

const apiEnv = databaseEnv.extend(redisEnv.shape).extend(portsEnv.shape).extend(publicEnv.shape).extend(logEnv.shape);

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
  };
}
