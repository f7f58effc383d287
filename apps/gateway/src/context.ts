import type { UserSubdomains } from "@aula/domain";
import type { Dispatcher } from "undici";
import type { ActivityTracker } from "./activity";
import type { Authenticator } from "./authenticator";
import type { CoarseClock } from "./coarse-clock";
import type { GatewayLogger } from "./logger";
import type { RouteTable } from "./route-table";
import type { SocketRegistry } from "./socket-registry";
import type { GatewayStats } from "./stats";

/** What the request handlers share; built once by createGateway. */
export interface GatewayContext {
  apiPort: number;
  webPort: number;
  /** Scheme written to X-Forwarded-Proto: the public URL's. */
  proto: string;
  /** AULA_PUBLIC_URL's origin: where a per-user subdomain sends the browser for the portal. */
  portalOrigin: string;
  /** Per-user subdomain mode (AULA_USER_DOMAIN), or null when servers live under /user/ on the portal. */
  subdomains: UserSubdomains | null;
  /** Keep-alive connection pools: one per portal upstream, one agent (pool per port) for servers. */
  upstreams: { api: Dispatcher; web: Dispatcher; users: Dispatcher };
  apiOrigin: string;
  webOrigin: string;
  routes: RouteTable;
  auth: Authenticator;
  activity: ActivityTracker;
  sockets: SocketRegistry;
  clock: CoarseClock;
  stats: GatewayStats;
  logger: GatewayLogger;
}
