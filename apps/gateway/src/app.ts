import http from "node:http";
import type { Db } from "@aula/db";
import { classifyHost, userSubdomains } from "@aula/domain";
import type { Redis } from "ioredis";
import { Agent, Pool } from "undici";
import { ActivityTracker } from "./activity";
import { Authenticator } from "./authenticator";
import { CoarseClock } from "./coarse-clock";
import type { GatewayContext } from "./context";
import { originFor } from "./forward-http";
import { createJsonLogger, type GatewayLogger } from "./logger";
import { handlePortalRequest } from "./portal-proxy";
import { sendError } from "./responses";
import { createRouteSync } from "./route-sync";
import { RouteTable } from "./route-table";
import { SocketRegistry } from "./socket-registry";
import { GatewayStats } from "./stats";
import { handleSubdomainRequest, redirectToSubdomain } from "./subdomain";
import { handleUpgrade } from "./upgrade";
import { USER_PREFIX } from "./user-path";
import { handleUserRequest } from "./user-proxy";

export interface GatewayConfig {
  apiPort: number;
  webPort: number;
  redisPrefix: string;
  /** The URL people type; its scheme is what X-Forwarded-Proto says. */
  publicUrl: string;
  /**
   * AULA_USER_DOMAIN: serve each user's server at `<name>.<domain>` (same scheme and port as
   * publicUrl) and only there. Empty or absent: servers under /user/<name>/ on any host.
   */
  userDomain?: string;
  /** Full reload of routes from the database, healing any missed pub/sub message. */
  resyncIntervalMs?: number;
  /** How often in-memory activity is written to the Redis hash the culler reads. */
  activityFlushMs?: number;
  /** Credential lookup cache lifetime: the staleness we accept to spare the database. */
  authCacheTtlMs?: number;
  authCacheMaxEntries?: number;
  /** How long createGateway waits for Redis + the first route load before serving anyway. */
  startupSyncTimeoutMs?: number;
  /** How long close() lets in-flight requests finish before cutting connections. */
  shutdownGraceMs?: number;
  summaryIntervalMs?: number;
}

export interface GatewayDeps {
  db: Db;
  /** Used for commands; the gateway makes its own duplicate for subscribing and closes only that. */
  redis: Redis;
  config: GatewayConfig;
  logger?: GatewayLogger;
}

export interface Gateway {
  /** Not listening yet: the caller picks host and port (tests use port 0). */
  server: http.Server;
  routes: RouteTable;
  /** Reload routes from the database now (also runs by itself every resyncIntervalMs). */
  resync(): Promise<void>;
  /** Write pending activity to Redis now (also runs by itself every activityFlushMs). */
  flushActivity(): Promise<void>;
  /** Stops listening, closes WebSockets, drains requests up to the grace period. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the gateway: subscribes to route and session changes, loads running servers from the
 * database, and returns an http.Server ready to listen. Waits for that first load (bounded by
 * startupSyncTimeoutMs) so a restarted gateway never tells a student with a running notebook
 * that their server is not running.
 */
export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  const { db, redis, config } = deps;
  const logger = deps.logger ?? createJsonLogger("info");
  const prefix = config.redisPrefix;
  const clock = new CoarseClock();
  const routes = new RouteTable();
  const sockets = new SocketRegistry();
  const stats = new GatewayStats(logger);
  const auth = new Authenticator({ db, redis, prefix, ttlMs: config.authCacheTtlMs ?? 2000, maxEntries: config.authCacheMaxEntries ?? 10_000 });
  const activity = new ActivityTracker(redis, prefix, clock, logger);

  const poolOptions = {
    // Bounded per upstream so a burst cannot open thousands of sockets to one Jupyter server.
    connections: 256,
    // Our upstreams are Node servers whose keep-alive timeout defaults to 5 s (and say so in a
    // Keep-Alive header, which undici honours); 4 s covers those that do not announce it, so a
    // pooled socket is never reused just as the upstream closes it.
    keepAliveTimeout: 4000,
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  const apiOrigin = originFor(config.apiPort);
  const webOrigin = originFor(config.webPort);
  const ctx: GatewayContext = {
    apiPort: config.apiPort,
    webPort: config.webPort,
    proto: new URL(config.publicUrl).protocol === "https:" ? "https" : "http",
    portalOrigin: new URL(config.publicUrl).origin,
    subdomains: userSubdomains(config.publicUrl, config.userDomain),
    upstreams: { api: new Pool(apiOrigin, poolOptions), web: new Pool(webOrigin, poolOptions), users: new Agent(poolOptions) },
    apiOrigin,
    webOrigin,
    routes,
    auth,
    activity,
    sockets,
    clock,
    stats,
    logger,
  };

  // A stopped or replaced server's WebSockets go with its route.
  routes.onRemoved((_username, route) => sockets.closeServer(route.serverId));

  const routeSync = createRouteSync({
    db,
    redis,
    prefix,
    routes,
    logger,
    resyncIntervalMs: config.resyncIntervalMs ?? 30_000,
    onSessionMessage(message) {
      auth.revokeUser(message.userId);
      const closed = sockets.closeUser(message.userId);
      if (closed > 0) logger.info({ userId: message.userId, closed }, "closed WebSockets of a revoked user");
    },
  });

  const server = http.createServer({
    // Uploads of datasets into a notebook can take longer than Node's 5-minute default; slow
    // clients are still bounded by headersTimeout.
    requestTimeout: 0,
    headersTimeout: 60_000,
    keepAliveTimeout: 65_000,
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    stats.requests++;
    const url = req.url ?? "/";
    if (ctx.subdomains !== null) {
      const host = classifyHost(ctx.subdomains, req.headers.host);
      if (host.kind === "user") return handleSubdomainRequest(ctx, req, res, url, host.username);
      if (host.kind === "invalid") return sendError(res, 404, "not_found", "No such server: check the address.", false);
      if (url.startsWith(USER_PREFIX)) return redirectToSubdomain(ctx, res, url);
    }
    if (url.startsWith(USER_PREFIX)) return handleUserRequest(ctx, req, res, url);
    if (url.charCodeAt(0) !== 47) return sendError(res, 400, "validation_failed", "Bad request target.", true);
    handlePortalRequest(ctx, req, res, url);
  });
  server.on("upgrade", (req: http.IncomingMessage, socket, head: Buffer) => handleUpgrade(ctx, req, socket, head));
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // Resets and timeouts from clients are routine; answer malformed requests, never throw.
    if (err.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });

  const startupTimeout = config.startupSyncTimeoutMs ?? 10_000;
  let startupTimer: NodeJS.Timeout | undefined;
  const started = routeSync.start().then(
    () => true,
    (err: unknown) => {
      logger.error({ err }, "route subscription failed");
      return false;
    },
  );
  const inTime = await Promise.race([started, new Promise<false>((resolve) => (startupTimer = setTimeout(() => resolve(false), startupTimeout)))]);
  clearTimeout(startupTimer);
  if (!inTime || !routes.synced) logger.warn({ synced: routes.synced }, "serving before the first route load finished; routes will fill in as Redis and the database answer");

  activity.start(config.activityFlushMs ?? 10_000);
  stats.start(config.summaryIntervalMs ?? 60_000, () => sockets.size, () => routes.size);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const grace = config.shutdownGraceMs ?? 10_000;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Kernel WebSockets would hold the process open for hours; Jupyter's frontend reconnects.
      sockets.closeAll();
      server.closeIdleConnections();
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, grace)))]);
      clearTimeout(graceTimer);
      server.closeAllConnections();
      await routeSync.close();
      await activity.stop();
      stats.stop();
      clock.stop();
      await Promise.all(Object.values(ctx.upstreams).map((d) => d.destroy()));
    })();
    return closing;
  };

  return { server, routes, resync: () => routeSync.resync(), flushActivity: () => activity.flush(), close };
}
