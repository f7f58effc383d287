import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { httpRequestsTotal, metricsRegistry } from "../../metrics";

/** Counts every answered request and serves the registry at GET /metrics (outside /api/v1). */
async function metrics(app: FastifyInstance): Promise<void> {
  app.addHook("onResponse", async (request, reply) => {
    httpRequestsTotal.inc({ method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) });
  });

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    const text = await metricsRegistry.metrics();
    return reply.type(metricsRegistry.contentType).send(text);
  });
}

export default fp(metrics, { name: "aula-metrics", fastify: "5.x" });
