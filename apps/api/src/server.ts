import { createDb } from "@aula/db";
import { createSpawnQueue, createStopQueue } from "@aula/queue";
import { Redis } from "ioredis";
import { buildApp } from "./app";
import { configFromEnv, loadEnv } from "./env";

// The only file that creates the app from the environment, listens and handles signals.
const env = loadEnv();
const db = createDb({ url: env.DATABASE_URL });
// A command issued while Redis is down fails (→ 503) after maxRetriesPerRequest + 1 reconnect
// attempts; ioredis' default delay grows to 2 s, so a request could wait 8 s. Reconnecting every
// 500 ms at most bounds it to about 2 s (loopback: a refused connect costs nothing).
const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3, retryStrategy: (times) => Math.min(times * 50, 500) });
const config = configFromEnv(env);
const queues = { spawns: createSpawnQueue(redis, config.redisPrefix), stops: createStopQueue(redis, config.redisPrefix) };
const app = buildApp({ db, redis, queues, config });

// Without a listener ioredis prints every reconnect failure as an unhandled error event.
redis.on("error", (error) => app.log.warn({ err: error }, "redis connection error"));

let closing: Promise<void> | undefined;

/** Idempotent: the second SIGTERM (or SIGINT after SIGTERM) waits for the first close. */
function shutdown(signal: string): Promise<void> {
  closing ??= (async () => {
    app.log.info({ signal }, "shutting down");
    try {
      await app.close();
      await Promise.allSettled([queues.spawns.close(), queues.stops.close()]);
      await Promise.allSettled([db.$disconnect(), redis.quit()]);
      process.exitCode = 0;
    } catch (error) {
      app.log.error({ err: error }, "error during shutdown");
      process.exitCode = 1;
    }
  })();
  return closing;
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

try {
  // Loopback only, whatever AULA_HOST says: the gateway is the one way in, and trustProxy
  // relies on every forwarded request arriving from 127.0.0.1.
  await app.listen({ host: "127.0.0.1", port: env.AULA_API_PORT });
} catch (error) {
  app.log.fatal({ err: error }, "could not start the api");
  await Promise.allSettled([db.$disconnect(), redis.quit()]);
  process.exit(1);
}
