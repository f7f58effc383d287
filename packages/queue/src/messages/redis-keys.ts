// Every Redis name the gateway shares with the api and the worker, in one place so the
// producers and this consumer cannot drift apart. All are under the deployment's prefix
// (AULA_REDIS_PREFIX), so tests and several installs can share one Redis.

/** Pub/sub channel of route changes (`RouteMessage`), published by the worker. */
export function routesChannel(prefix: string): string {
  return `${prefix}:routes`;
}

/** Pub/sub channel of session revocations (`SessionMessage`), published by the api. */
export function sessionsChannel(prefix: string): string {
  return `${prefix}:sessions`;
}

/** Hash serverId → last activity (epoch ms, decimal string), written by the gateway, read by the culler. */
export function activityKey(prefix: string): string {
  return `${prefix}:activity`;
}

/**
 * Present (any value, with a TTL) while `userId` may open server `serverId` that it does not own.
 * Set by the api's audited "open student server" action; the gateway only checks existence.
 */
export function accessKey(prefix: string, serverId: string, userId: string): string {
  return `${prefix}:access:${serverId}:${userId}`;
}
