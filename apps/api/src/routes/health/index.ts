import { HealthResponse } from "@aula/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

// Short, so a hung dependency makes health answer "down" quickly instead of hanging the probe.
const CHECK_TIMEOUT_MS = 1500;

async function check(probe: () => Promise<unknown>): Promise<"ok" | "down"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"down">((resolve) => {
    timer = setTimeout(() => resolve("down"), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().then(() => "ok" as const), timeout]);
  } catch {
    return "down";
  } finally {
    clearTimeout(timer);
  }
}

const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/health",
    {
      schema: {
        tags: ["health"],
        summary: "Whether PostgreSQL and Redis answer",
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([check(() => app.db.$queryRaw`SELECT 1`), check(() => app.redis.ping())]);
      const ok = postgres === "ok" && redis === "ok";
      return reply.status(ok ? 200 : 503).send({ status: ok ? "ok" : "degraded", checks: { postgres, redis } });
    },
  );
};

export default health;
