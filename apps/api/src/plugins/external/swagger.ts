import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

export const DOCS_PREFIX = "/api/v1/docs";

/** OpenAPI built from the routes' zod schemas; JSON at /api/v1/docs/json, UI at /api/v1/docs. */
async function docs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Aula API", version: "1.0.0", description: "Multi-user notebook platform for GPU bootcamps." },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "aula_session" },
          bearer: { type: "http", scheme: "bearer", description: "API token: Authorization: Bearer aula_…" },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}

export default fp(docs, { name: "aula-docs", fastify: "5.x" });
