import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { SUBDOMAIN_CALLBACK_PATH, userOrigin } from "@aula/domain";
import type { GatewayContext } from "./context";
import { redirect, rejectUpgrade, sendError } from "./responses";
import { handleCallback } from "./subdomain-sign-in";
import { USER_PREFIX, parseUserPath } from "./user-path";
import { handleUserRequest } from "./user-proxy";

// Per-user subdomain mode (AULA_USER_DOMAIN): which requests a `<name>.<domain>` host answers, and
// what becomes of /user/ paths on the portal host. Sign-in: subdomain-sign-in.ts.

/** Everything whose Host is `<owner>.<domain>`: that one server, its sign-in callback, and nothing else. */
export function handleSubdomainRequest(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, url: string, owner: string): void {
  if (url.startsWith(USER_PREFIX)) return handleUserRequest(ctx, req, res, url, owner);
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  // GET only: a HEAD from a link checker would spend the code without signing anyone in.
  if (path === SUBDOMAIN_CALLBACK_PATH && req.method === "GET") return handleCallback(ctx, req, res, url.slice(path.length + 1), owner);
  if (path === "/") return redirect(res, `${USER_PREFIX}${owner}/`, false);
  sendError(res, 404, "not_found", `Nothing here: this address serves only ${owner}'s Jupyter, under /user/${owner}/.`, false);
}

/**
 * `/user/<name>/…` asked of the portal host in subdomain mode: the same path on the server's own
 * origin. Jupyter never runs on the portal's origin, whoever asks.
 */
export function redirectToSubdomain(ctx: GatewayContext, res: ServerResponse, url: string): void {
  const path = parseUserPath(url);
  if (path.kind === "refused") return sendError(res, 400, "validation_failed", "This path is not allowed: encoded slashes or dots and dot segments are refused.", true);
  if (path.kind === "unknown" || ctx.subdomains === null) return sendError(res, 404, "not_found", "No such server.", true);
  const location = `${userOrigin(ctx.subdomains, path.username)}${path.kind === "redirect" ? path.location : url}`;
  try {
    redirect(res, location, true);
  } catch {
    // A request target with bytes Node will not write back in a header.
    sendError(res, 400, "validation_failed", "Bad request target.", true);
  }
}

/** WebSockets to `/user/…` on the portal host in subdomain mode: refused, with the address to use. */
export function refusePortalUserUpgrade(ctx: GatewayContext, socket: Duplex, url: string): void {
  const path = parseUserPath(url);
  if (path.kind !== "ok" || ctx.subdomains === null) return rejectUpgrade(socket, 404, "not_found", "No such server.");
  rejectUpgrade(socket, 404, "not_found", `Servers are reached at their own address here: ${userOrigin(ctx.subdomains, path.username)}/user/${path.username}/`);
}
