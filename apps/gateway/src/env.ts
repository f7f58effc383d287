import { databaseEnv, logEnv, parseEnv, portsEnv, publicEnv, redisEnv, userDomainEnv } from "@aula/config";
import { userDomainProblem } from "@aula/domain";
import { z } from "zod";

// Parsed once at boot by server.ts; an invalid value stops the process before it listens.
export const gatewayEnvSchema = z.object({
  ...databaseEnv.shape,
  ...redisEnv.shape,
  ...portsEnv.shape,
  ...publicEnv.shape,
  ...userDomainEnv.shape,
  ...logEnv.shape,
})
  .superRefine((env, ctx) => {
    const problem = userDomainProblem(env.AULA_PUBLIC_URL, env.AULA_USER_DOMAIN);
    if (problem !== null) ctx.addIssue({ code: "custom", path: ["AULA_USER_DOMAIN"], message: problem });
  });
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return parseEnv(gatewayEnvSchema, source);
}
