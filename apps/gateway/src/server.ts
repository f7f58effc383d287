import { createDb } from "@aula/db";
import { Redis } from "ioredis";
import { createGateway } from "./app";
import { loadEnv } from "./env";
import { createJsonLogger } from "./logger";

// The process entry point: the only file that reads the environment, listens and handles signals.
const env = loadEnv();
const logger = createJsonLogger(env.LOG_LEVEL);
const db = createDb({ url: env.DATABASE_URL, max: 5 });
// Commands (access-grant checks, activity flushes) fail fast while Redis is down rather than
// queueing requests behind it; the subscriber the gateway duplicates from this waits instead.
const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 5000 });
redis.on("error", (err: Error) => logger.warn({ err }, "redis connection error"));

const gateway = await createGateway({
  db,
  redis,
  logger,
  config: { apiPort: env.AULA_API_PORT, webPort: env.AULA_WEB_PORT, redisPrefix: env.AULA_REDIS_PREFIX, publicUrl: env.AULA_PUBLIC_URL, userDomain: env.AULA_USER_DOMAIN },
});

gateway.server.on("error", (err: NodeJS.ErrnoException) => {
  logger.error({ err, port: env.AULA_PORT, host: env.AULA_HOST }, "gateway could not listen");
  process.exit(1);
});
gateway.server.listen(env.AULA_PORT, env.AULA_HOST, () => {
  logger.info({ host: env.AULA_HOST, port: env.AULA_PORT, routes: gateway.routes.size }, "gateway listening");
});

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "gateway shutting down");
  // Whatever happens below, the process ends: a supervisor is waiting to start the next one.
  setTimeout(() => process.exit(1), 20_000).unref();
  try {
    await gateway.close();
    await redis.quit().catch(() => redis.disconnect());
    await db.$disconnect();
  } catch (err) {
    logger.error({ err }, "error during shutdown");
  }
  process.exit(0);
}
process.once("SIGTERM", (signal) => void shutdown(signal));
process.once("SIGINT", (signal) => void shutdown(signal));
