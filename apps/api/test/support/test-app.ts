import { randomBytes } from "node:crypto";
import { createTestDatabase, type Db, type TestDatabase } from "@aula/db";
import { createUser } from "@aula/domain";
import { ErrorEnvelope, type RoleName } from "@aula/contracts";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { createSpawnQueue, createStopQueue } from "@aula/queue";
import { Redis } from "ioredis";
import type { z } from "zod";
import { buildApp, type BuildAppDeps } from "../../src/app";
import type { LoginLimits } from "../../src/lib/login-limiter";

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  redis: Redis;
  prefix: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  loginLimits?: LoginLimits;
  logStream?: BuildAppDeps["logStream"];
  publicUrl?: string;
  /** AULA_USER_DOMAIN: per-user subdomain mode. */
  userDomain?: string;
  bodyLimit?: number;
  /** AULA_DATA_DIR and the material upload limit, for the /courses routes. */
  dataDir?: string;
  materialMaxBytes?: number;
  /** How long the api reuses a looked-up session (default 2 s). */
  sessionCacheTtlMs?: number;
}

/** The api on a fresh database of its own and a Redis key prefix of its own. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database: TestDatabase = await createTestDatabase();
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
  const prefix = `aula-test-${randomBytes(6).toString("hex")}`;
  const queues = { spawns: createSpawnQueue(redis, prefix), stops: createStopQueue(redis, prefix) };
  const app = buildApp({
    db: database.db,
    redis,
    queues,
    config: {
      publicUrl: options.publicUrl ?? "http://127.0.0.1:8000",
      redisPrefix: prefix,
      ...(options.userDomain ? { userDomain: options.userDomain } : {}),
      logLevel: options.logStream ? "info" : "silent",
      ...(options.loginLimits ? { loginLimits: options.loginLimits } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.materialMaxBytes ? { materialMaxBytes: options.materialMaxBytes } : {}),
      ...(options.sessionCacheTtlMs !== undefined ? { sessionCacheTtlMs: options.sessionCacheTtlMs } : {}),
    },
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  await app.ready();
  return {
    app,
    db: database.db,
    redis,
    prefix,
    async close() {
      await app.close();
      await Promise.allSettled([queues.spawns.close(), queues.stops.close()]);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await database.drop();
    },
  };
}

export const PASSWORD = "correct horse battery";

/** A user with a known password. */
export async function createAccount(db: Db, username: string, role: RoleName = "student", password = PASSWORD) {
  const { user } = await createUser(db, { username, displayName: `${username} display`, role, password });
  return user;
}

export interface Signed {
  cookie: string;
  csrfToken: string;
  /** Headers for a cookie-authenticated write. */
  headers: Record<string, string>;
}

export function sessionCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === "aula_session");
  if (!cookie) throw new Error(`no aula_session cookie in the response (status ${response.statusCode}): ${response.body}`);
  return `aula_session=${cookie.value}`;
}

export async function signIn(app: FastifyInstance, username: string, password = PASSWORD): Promise<Signed> {
  const response = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { username, password } });
  if (response.statusCode !== 200) throw new Error(`login of ${username} failed: ${response.statusCode} ${response.body}`);
  const cookie = sessionCookieOf(response);
  const { csrfToken } = response.json<{ csrfToken: string }>();
  return { cookie, csrfToken, headers: { cookie, "x-aula-csrf": csrfToken } };
}

/** The error envelope of a response, checked against the contract. */
export function errorOf(response: LightMyRequestResponse): ErrorEnvelope {
  return ErrorEnvelope.parse(response.json());
}

/** A response body checked against its contract schema. */
export function bodyOf<S extends z.ZodType>(schema: S, response: LightMyRequestResponse): z.output<S> {
  return schema.parse(response.json());
}
