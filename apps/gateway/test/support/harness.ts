import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Db } from "@aula/db";
import { Redis } from "ioredis";
import { createGateway, type Gateway, type GatewayConfig } from "../../src/app";
import type { GatewayLogger } from "../../src/logger";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A Redis prefix of the test file's own, so files running in parallel never see each other's messages. */
export function testPrefix(): string {
  return `aula-test-gw-${randomBytes(4).toString("hex")}`;
}

export function connectRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
}

/** Deletes every key under the prefix. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

// Expected failures (a stopped upstream) are what several tests provoke; keep them out of the output.
export const quietLogger: GatewayLogger = { info: () => {}, warn: () => {}, error: (fields, msg) => console.error(msg, fields) };

export interface RunningGateway {
  gateway: Gateway;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(opts: { db: Db; redis: Redis; prefix: string; apiPort: number; webPort: number; config?: Partial<GatewayConfig> }): Promise<RunningGateway> {
  const gateway = await createGateway({
    db: opts.db,
    redis: opts.redis,
    logger: quietLogger,
    config: { apiPort: opts.apiPort, webPort: opts.webPort, redisPrefix: opts.prefix, publicUrl: "http://127.0.0.1:8000", shutdownGraceMs: 2000, ...opts.config },
  });
  await new Promise<void>((resolve) => gateway.server.listen(0, "127.0.0.1", resolve));
  const port = (gateway.server.address() as AddressInfo).port;
  return { gateway, port, close: () => gateway.close() };
}
