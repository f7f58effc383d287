import { z } from "zod";
import { dataEnv, databaseEnv, gpuEnv, parseEnv, portsEnv, publicEnv, redisEnv } from "@aula/config";

// The CLI runs with .aula/env loaded by ./aula; parsed once here like every app's env.
const schema = databaseEnv.extend(redisEnv.shape).extend(portsEnv.shape).extend(publicEnv.shape).extend(dataEnv.shape).extend(gpuEnv.shape).extend({
  ROOT: z.string().default(process.cwd()),
  AULA_ADMIN_PASSWORD: z.string().min(10, "AULA_ADMIN_PASSWORD must be at least 10 characters").optional(),
});

export type CliEnv = z.infer<typeof schema>;
export const loadEnv = (): CliEnv => parseEnv(schema, process.env);
