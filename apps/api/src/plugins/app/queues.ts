import type { SpawnQueue, StopQueue } from "@aula/queue";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export interface ApiQueues {
  spawns: SpawnQueue;
  stops: StopQueue;
}

declare module "fastify" {
  interface FastifyInstance {
    queues: ApiQueues;
  }
}

// The api only produces jobs; server.ts creates the queues (and closes them), tests pass theirs.
async function queues(app: FastifyInstance, options: { queues: ApiQueues }): Promise<void> {
  app.decorate("queues", options.queues);
}

export default fp(queues, { name: "aula-queues", fastify: "5.x" });
