import type { Db } from "@aula/db";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Redis } from "ioredis";
import type { ApiConfig } from "../../app";

declare module "fastify" {
  interface FastifyInstance {
    db: Db;
    redis: Redis;
    config: ApiConfig;
  }
}

export interface DepsOptions {
  db: Db;
  redis: Redis;
  config: ApiConfig;
}

// The api receives its clients instead of creating them: server.ts owns their lifecycle, tests
// pass their own database and Redis prefix.
async function deps(app: FastifyInstance, options: DepsOptions): Promise<void> {
  app.decorate("db", options.db);
  app.decorate("redis", options.redis);
  app.decorate("config", options.config);
}

export default fp(deps, { name: "aula-deps", fastify: "5.x" });
