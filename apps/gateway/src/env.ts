import { databaseEnv, logEnv, parseEnv, portsEnv, publicEnv, redisEnv, userDomainEnv } from "@aula/config";
import { z } from "zod";

// Parsed once at boot by server.ts; an invalid value stops the process before it listens.
export const gatewayEnvSchema = z.object({
  ...databaseEnv.shape,
  ...redisEnv.shape,
  ...portsEnv.shape,
  ...publicEnv.shape,
  ...userDomainEnv.shape,
  ...logEnv.shape,
});
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return parseEnv(gatewayEnvSchema, source);
}
