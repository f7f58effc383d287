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

const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);
// ioredis' messages for a command that could not be sent or answered because the connection is
// down, and Redis' own while it reloads its append-only file after a restart.
const UNAVAILABLE_MESSAGE = /^Connection is closed|Stream isn't writeable|Reached the max retries per request limit|^LOADING |^MASTERDOWN|^TRYAGAIN/;

/**
 * True when an error means Redis is unreachable or restarting (not a bad command). The api
 * answers those with 503 `service_unavailable`; ioredis reconnects by itself.
 */
export function isRedisUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 4) return false;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (e.name === "MaxRetriesPerRequestError") return true;
  if (typeof e.code === "string" && SOCKET_CODES.has(e.code)) return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error ? isRedisUnavailable(e.cause, depth + 1) : false;
}
