import { Redis, type RedisOptions } from "ioredis";

export type RedisRole = "producer" | "worker" | "subscriber";

export interface CreateRedisOptions {
  url: string;
  /**
   * producer: api-side Queue and plain commands; fails fast when Redis is down, so a request
   * answers 503 instead of hanging. worker/subscriber: blocking or long-lived; retries forever
   * (`maxRetriesPerRequest: null`, which BullMQ requires for workers).
   */
  role: RedisRole;
  /** Shown in CLIENT LIST, e.g. "aula-worker:image-builds". */
  name?: string;
  onError?: (error: Error) => void;
}

/** One connection for one role; never share a worker's connection with producers. */
export function createRedis({ url, role, name, onError }: CreateRedisOptions): Redis {
  const options: RedisOptions =
    role === "producer"
      ? { maxRetriesPerRequest: 3, enableOfflineQueue: false, lazyConnect: false }
      : { maxRetriesPerRequest: null, enableReadyCheck: false };
  if (name) options.connectionName = name;
  const redis = new Redis(url, options);
  // An ioredis client without an error listener crashes the process on the first reconnect.
  redis.on("error", onError ?? (() => {}));
  return redis;
}

/** Closes connections once, whatever state they are in. */
export async function closeRedis(...clients: Redis[]): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      if (c.status === "end") return;
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    }),
  );
}
