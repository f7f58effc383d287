import { randomUUID } from "node:crypto";
import type { Db } from "@aula/db";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Redis } from "ioredis";
import { frameworkErrorHandler, installErrorHandlers } from "./lib/error-handler";
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from "./lib/login-limiter";
import authPlugin from "./plugins/app/auth";
import depsPlugin from "./plugins/app/deps";
import metricsPlugin from "./plugins/app/metrics";
import queuesPlugin, { type ApiQueues } from "./plugins/app/queues";
import cookiePlugin from "./plugins/external/cookie";
import docsPlugin from "./plugins/external/swagger";
import routes from "./routes";

export interface ApiConfig {
  /** AULA_PUBLIC_URL: https there makes the session cookie Secure. */
  publicUrl: string;
  /** AULA_USER_DOMAIN: servers at `<name>.<domain>` (per-user subdomains); empty or absent = off. */
  userDomain?: string;
  /** Prefix of every Redis key the api writes (rate-limit counters). */
  redisPrefix: string;
  logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  loginLimits?: LoginLimits;
  /** AULA_DATA_DIR: course materials and collected archives (needed by /courses routes). */
  dataDir?: string;
  /** AULA_MATERIAL_MAX_MB in bytes: the largest material file or zip an instructor may upload. */
  materialMaxBytes?: number;
  /** How long a looked-up session is reused (default 2000 ms; 0 looks every request up). See lib/session-cache.ts. */
  sessionCacheTtlMs?: number;
}

export interface BuildAppDeps {
  db: Db;
  redis: Redis;
  config: ApiConfig;
  /** BullMQ queues the api produces into (spawns, stops). */
  queues: ApiQueues;
  /** Where logs go; defaults to stdout. Tests pass a stream to read what was logged. */
  logStream?: { write(line: string): void };
  bodyLimit?: number;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

// The gateway (and only it) reaches the api over loopback and overwrites X-Forwarded-For, so
// that header is believed from 127.0.0.1 alone; from anywhere else request.ip is the socket.
const TRUSTED_PROXY = "127.0.0.1";

// Request ids from the gateway are kept so one id follows a request through both logs.
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function buildApp(deps: BuildAppDeps): FastifyInstance {
  const app = Fastify({
    logger: {
      level: deps.config.logLevel ?? "info",
      // Fastify logs no headers or bodies by default; these paths guard against a serializer
      // change or a careless `log.info({ req })` ever writing credentials.
      redact: {
        paths: ["req.headers.cookie", "req.headers.authorization", 'req.headers["x-aula-csrf"]', 'res.headers["set-cookie"]', "password", "*.password"],
        censor: "[redacted]",
      },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    trustProxy: TRUSTED_PROXY,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: (req) => {
      const header = req.headers["x-request-id"];
      return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  app.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });

  // Layers: third-party setup, our decorators, then routes.
  void app.register(cookiePlugin);
  void app.register(docsPlugin);
  void app.register(depsPlugin, { db: deps.db, redis: deps.redis, config: { ...deps.config, loginLimits: deps.config.loginLimits ?? DEFAULT_LOGIN_LIMITS } });
  void app.register(queuesPlugin, { queues: deps.queues });
  void app.register(authPlugin);
  void app.register(metricsPlugin);
  void app.register(routes, { prefix: "/api/v1" });
  return app;
}
