import type { Db } from "@aula/db";
import type { Redis } from "ioredis";
import { loadRoutes } from "./load-routes";
import type { GatewayLogger } from "./logger";
import { parseRouteMessage } from "@aula/queue/messages";
import type { RouteTable } from "./route-table";
import { parseSessionMessage, type SessionMessage } from "@aula/queue/messages";
import { routesChannel, sessionsChannel } from "@aula/queue/messages";

export interface RouteSyncOptions {
  db: Db;
  /** The app's connection; a duplicate is made for subscribing (a subscribed connection can do nothing else). */
  redis: Redis;
  prefix: string;
  routes: RouteTable;
  logger: GatewayLogger;
  resyncIntervalMs: number;
  onSessionMessage(message: SessionMessage): void;
}

export interface RouteSync {
  /** Subscribes, then loads the database (in that order, so no change falls between the two). */
  start(): Promise<void>;
  /** One database resync; concurrent callers share the one in flight. */
  resync(): Promise<void>;
  close(): Promise<void>;
}

export function createRouteSync(options: RouteSyncOptions): RouteSync {
  const { db, prefix, routes, logger } = options;
  const routesCh = routesChannel(prefix);
  const sessionsCh = sessionsChannel(prefix);
  // Unlike the command connection, the subscriber waits for Redis however long it takes.
  const subscriber = options.redis.duplicate({ maxRetriesPerRequest: null });
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let readyCount = 0;

  subscriber.on("error", (err: Error) => logger.warn({ err }, "gateway subscriber connection error"));
  subscriber.on("message", (channel: string, raw: string) => {
    if (channel === routesCh) {
      const message = parseRouteMessage(raw);
      if (!message) return logger.warn({ channel }, "ignored a malformed route message");
      if (message.type === "add") routes.add(message.username, { port: message.port, token: message.token, serverId: message.serverId });
      else routes.remove(message.username, message.serverId);
    } else if (channel === sessionsCh) {
      const message = parseSessionMessage(raw);
      if (!message) return logger.warn({ channel }, "ignored a malformed session message");
      options.onSessionMessage(message);
    }
  });
  // ioredis resubscribes by itself after a reconnect, but whatever was published while we were
  // away is lost: reload from the database each time the connection comes back.
  subscriber.on("ready", () => {
    if (readyCount++ > 0 && !closed) void resync();
  });

  // Until the first load succeeds (database down at boot) retry quickly; then every interval.
  function schedule(): void {
    if (closed) return;
    const delay = routes.synced ? options.resyncIntervalMs : Math.min(2000, options.resyncIntervalMs);
    timer = setTimeout(() => void resync().then(schedule), delay);
    timer.unref();
  }

  function resync(): Promise<void> {
    if (closed) return Promise.resolve();
    inFlight ??= (async () => {
      const startedAt = routes.beginSync();
      try {
        routes.replaceAll(await loadRoutes(db), startedAt);
      } catch (err) {
        logger.error({ err }, "route resync from the database failed; keeping the current table");
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  return {
    async start() {
      schedule();
      // With Redis down this waits (ioredis queues the command until it connects); the caller
      // bounds the wait, and the timer above keeps loading routes from the database meanwhile.
      await subscriber.subscribe(routesCh, sessionsCh);
      await resync();
    },
    resync,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      if (subscriber.status === "ready") await subscriber.quit().catch(() => subscriber.disconnect());
      else subscriber.disconnect();
    },
  };
}
