import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { classifyHost } from "@aula/domain";
import { isApiPath } from "./classify";
import type { GatewayContext } from "./context";
import { UPSTREAM_HOST } from "./forward-http";
import { appendForwarded, copyRequestHeaders } from "./headers";
import { rejectUpgrade } from "./responses";
import { refusePortalUserUpgrade } from "./subdomain";
import { USER_PREFIX, parseUserPath } from "./user-path";
import { authorizeUser } from "./user-proxy";

const PORTAL_UPGRADE = { stripCredentials: false, upgrade: true } as const;
const USER_UPGRADE = { stripCredentials: true, upgrade: true } as const;
const TCP_KEEPALIVE_MS = 30_000;

/**
 * WebSocket (and any other) upgrades. The handshake is rewritten like an HTTP request, written
 * to a raw TCP connection, and from then on bytes are piped both ways untouched: the gateway
 * never parses WebSocket frames, so it adds no per-message cost.
 */
export function handleUpgrade(ctx: GatewayContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  ctx.stats.upgrades++;
  // Registered first: a client reset during the auth lookup must not become an uncaught error.
  socket.on("error", () => socket.destroy());
  const url = req.url ?? "/";
  if (ctx.subdomains !== null) {
    const host = classifyHost(ctx.subdomains, req.headers.host);
    if (host.kind === "user") return userUpgrade(ctx, req, socket, head, url, host.username);
    if (host.kind === "invalid") return rejectUpgrade(socket, 404, "not_found", "No such server: check the address.");
    if (url.startsWith(USER_PREFIX)) return refusePortalUserUpgrade(ctx, socket, url);
  }
  if (url.startsWith(USER_PREFIX)) return userUpgrade(ctx, req, socket, head, url, null);
  if (url.charCodeAt(0) !== 47) return rejectUpgrade(socket, 400, "validation_failed", "Bad request target.");
  const port = isApiPath(url) ? ctx.apiPort : ctx.webPort;
  const headers: string[] = [];
  const info = copyRequestHeaders(req.rawHeaders, headers, PORTAL_UPGRADE);
  appendForwarded(headers, req.socket.remoteAddress, ctx.proto, info.host);
  ctx.sockets.add(socket, null, null);
  tunnel(ctx, req, socket, head, port, headers, null);
}

/** `owner`: on a per-user subdomain, the only user whose server this host serves (its own cookie signs in). */
function userUpgrade(ctx: GatewayContext, req: IncomingMessage, socket: Duplex, head: Buffer, url: string, owner: string | null): void {
  if (owner !== null && !url.startsWith(USER_PREFIX)) return rejectUpgrade(socket, 404, "not_found", "No such server.");
  const path = parseUserPath(url);
  if (path.kind === "refused") return rejectUpgrade(socket, 400, "validation_failed", "This path is not allowed.");
  if (path.kind !== "ok" || (owner !== null && path.username !== owner)) return rejectUpgrade(socket, 404, "not_found", "No such server.");
  const headers: string[] = [];
  const info = copyRequestHeaders(req.rawHeaders, headers, USER_UPGRADE);
  authorizeUser(ctx, path.username, info, owner !== null)
    .then((access) => {
      if (socket.destroyed) return;
      if (!access.ok) {
        if (access.status === 401) return rejectUpgrade(socket, 401, "unauthenticated", "Log in to open this server.");
        if (access.status === 404) return rejectUpgrade(socket, 404, "not_found", "No such server.");
        return rejectUpgrade(socket, 503, "service_unavailable", "Your server is not running. Start it from the dashboard.");
      }
      const { route, principal } = access;
      headers.push("Authorization", `token ${route.token}`);
      appendForwarded(headers, req.socket.remoteAddress, ctx.proto, info.host);
      ctx.sockets.add(socket, principal.userId, route.serverId);
      ctx.activity.touch(route.serverId);
      tunnel(ctx, req, socket, head, route.port, headers, route.serverId);
    })
    .catch((err: unknown) => {
      ctx.logger.error({ err }, "upgrade handler failed");
      socket.destroy();
    });
}

function tunnel(ctx: GatewayContext, req: IncomingMessage, client: Duplex, head: Buffer, port: number, headers: string[], serverId: string | null): void {
  let handshake = `${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) handshake += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
  handshake += "\r\n";

  const upstream = net.connect({ host: UPSTREAM_HOST, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: TCP_KEEPALIVE_MS });
  let connected = false;
  upstream.on("connect", () => {
    connected = true;
    if (client.destroyed) return void upstream.destroy();
    // Header values come from Node's parser as latin1 strings; write them back byte for byte.
    upstream.write(handshake, "latin1");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    if (serverId !== null) watchActivity(ctx, client, upstream, serverId);
  });
  upstream.on("error", (err: NodeJS.ErrnoException) => {
    if (connected) return void client.destroy();
    ctx.stats.upstreamError(serverId === null ? `upgrade:${port}` : `server:${serverId}`, err);
    rejectUpgrade(client, 503, "service_unavailable", "The server behind this address is not responding, try again in a few seconds.");
  });
  upstream.on("close", () => {
    if (connected) client.destroy();
  });
  client.on("close", () => upstream.destroy());
  if (client instanceof net.Socket) {
    client.setNoDelay(true);
    client.setKeepAlive(true, TCP_KEEPALIVE_MS);
    client.setTimeout(0);
  }
}

/** Records activity on traffic either way, at most once per clock tick (a second) per socket. */
function watchActivity(ctx: GatewayContext, client: Duplex, upstream: net.Socket, serverId: string): void {
  let last = 0;
  const onData = (): void => {
    const now = ctx.clock.now;
    if (now === last) return;
    last = now;
    ctx.activity.touch(serverId);
  };
  // Added after pipe(): a 'data' listener on a paused socket would start the flow early.
  client.on("data", onData);
  upstream.on("data", onData);
}
