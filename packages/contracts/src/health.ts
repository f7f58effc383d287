import { z } from "zod";

export const CheckState = z.enum(["ok", "down"]);

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  checks: z.record(z.string(), CheckState),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
