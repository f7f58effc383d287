import { z } from "zod";
import { parseJsonWith } from "./parse-json";
import { routesChannel } from "./redis-keys";

// The worker publishes these after it commits a Server's RUNNING / stopped state, so a message
// never announces something the database does not hold yet; the gateway's periodic resync from
// the database heals any message it missed.

const USERNAME = /^[a-z][a-z0-9_-]{1,31}$/;

export const RouteAddMessage = z.object({
  type: z.literal("add"),
  username: z.string().regex(USERNAME),
  port: z.number().int().min(1).max(65535),
  token: z.string().min(1).max(512),
  serverId: z.string().min(1).max(64),
});
export type RouteAddMessage = z.infer<typeof RouteAddMessage>;

export const RouteRemoveMessage = z.object({
  type: z.literal("remove"),
  username: z.string().regex(USERNAME),
  serverId: z.string().min(1).max(64),
});
export type RouteRemoveMessage = z.infer<typeof RouteRemoveMessage>;

export const RouteMessage = z.discriminatedUnion("type", [RouteAddMessage, RouteRemoveMessage]);
export type RouteMessage = z.infer<typeof RouteMessage>;

/** The one method the helpers need, so any ioredis client (or a pipeline's owner) fits. */
export interface Publisher {
  publish(channel: string, message: string): Promise<number>;
}

export async function publishRouteAdd(redis: Publisher, prefix: string, route: Omit<RouteAddMessage, "type">): Promise<void> {
  const message: RouteAddMessage = RouteAddMessage.parse({ type: "add", ...route });
  await redis.publish(routesChannel(prefix), JSON.stringify(message));
}

export async function publishRouteRemove(redis: Publisher, prefix: string, route: Omit<RouteRemoveMessage, "type">): Promise<void> {
  const message: RouteRemoveMessage = RouteRemoveMessage.parse({ type: "remove", ...route });
  await redis.publish(routesChannel(prefix), JSON.stringify(message));
}

/** Parses a raw channel message; null for anything malformed (logged by the caller, never thrown). */
export function parseRouteMessage(raw: string): RouteMessage | null {
  return parseJsonWith(RouteMessage, raw);
}
