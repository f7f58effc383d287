import type { IncomingMessage, ServerResponse } from "node:http";
import { API_TOKEN_PREFIX, bearerToken, type Principal } from "@aula/domain";
import type { GatewayContext } from "./context";
import { forwardHttp, originFor } from "./forward-http";
import { appendForwarded, copyRequestHeaders, type RequestHead } from "./headers";
import { redirect, sendError, sendServerNotResponding } from "./responses";
import type { Route } from "./route-table";
import { startSubdomainSignIn } from "./subdomain-sign-in";
import { parseUserPath } from "./user-path";

const USER_HEADERS = { stripCredentials: true, upgrade: false } as const;

/** Only our own API tokens authenticate; a Jupyter `Authorization: token …` is simply dropped. */
export function aulaBearer(authorization: string | null): string | null {
  if (authorization === null) return null;
  const token = bearerToken(authorization);
  return token !== null && token.startsWith(API_TOKEN_PREFIX) ? token : null;
}

export type UserAccess =
  | { ok: true; principal: Principal; route: Route }
  | { ok: false; status: 401 | 404 | 503; reason: "unauthenticated" | "forbidden" | "not-running" | "starting" | "auth-unavailable" };

/**
 * The one authorisation decision for `/user/<name>/…`, shared by HTTP and WebSocket upgrades:
 * the owner, or a holder of the audited access grant, reaches a running server; anyone else
 * learns nothing (404, whether or not the server exists). On a per-user subdomain
 * (`subdomain`) the credential is that subdomain's own cookie instead of the portal's.
 */
export async function authorizeUser(ctx: GatewayContext, username: string, head: RequestHead, subdomain = false): Promise<UserAccess> {
  let principal: Principal | null;
  try {
    const bearer = aulaBearer(head.authorization);
    principal = subdomain ? await ctx.auth.authenticateServer(username, head.serverCookies, bearer) : await ctx.auth.authenticate(head.sessionSecret, bearer);
  } catch (err) {
    ctx.logger.error({ err }, "credential lookup failed");
    return { ok: false, status: 503, reason: "auth-unavailable" };
  }
  if (principal === null) return { ok: false, status: 401, reason: "unauthenticated" };
  const route = ctx.routes.get(username);
  if (principal.username === username) {
    if (route) return { ok: true, principal, route };
    return { ok: false, status: 503, reason: ctx.routes.synced ? "not-running" : "starting" };
  }
  if (!route) return { ok: false, status: 404, reason: "forbidden" };
  let granted: boolean;
  try {
    granted = await ctx.auth.hasAccessGrant(route.serverId, principal.userId);
  } catch (err) {
    ctx.logger.error({ err }, "access grant lookup failed");
    return { ok: false, status: 503, reason: "auth-unavailable" };
  }
  return granted ? { ok: true, principal, route } : { ok: false, status: 404, reason: "forbidden" };
}

/**
 * `/user/<name>/…` over HTTP. `owner` is set on a per-user subdomain (`<owner>.<domain>`): there
 * only that user's server is served, and sign-in goes through the portal's one-time code.
 */
export function handleUserRequest(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, url: string, owner: string | null = null): void {
  ctx.stats.userRequests++;
  const path = parseUserPath(url);
  if (path.kind === "refused") return sendError(res, 400, "validation_failed", "This path is not allowed: encoded slashes or dots and dot segments are refused.", false);
  if (path.kind === "unknown") return sendError(res, 404, "not_found", "No such server.", false);
  if (owner !== null && path.username !== owner) return sendError(res, 404, "not_found", "No such server at this address: each server is served only at its own owner's address.", false);
  if (path.kind === "redirect") return redirect(res, path.location, false);

  const headers: string[] = [];
  const head = copyRequestHeaders(req.rawHeaders, headers, USER_HEADERS);
  const username = path.username;
  void authorizeUser(ctx, username, head, owner !== null).then((access) => {
    if (res.destroyed) return;
    const navigation = req.method === "GET" && head.acceptsHtml;
    if (!access.ok) return owner !== null ? answerSubdomainRefusal(ctx, res, access, navigation, username, url) : answerRefusal(res, access, navigation, username, url);
    const { route } = access;
    headers.push("Authorization", `token ${route.token}`);
    appendForwarded(headers, req.socket.remoteAddress, ctx.proto, head.host);
    ctx.activity.touch(route.serverId);
    forwardHttp(req, res, {
      dispatcher: ctx.upstreams.users,
      origin: originFor(route.port),
      headers,
      hasBody: head.hasBody,
      secure: false,
      onInvalid: () => sendError(res, 400, "validation_failed", "A request header is not valid.", false),
      onUnavailable(err) {
        ctx.stats.upstreamError(`user:${username}`, err);
        sendServerNotResponding(res, navigation);
      },
    });
  }).catch((err: unknown) => {
    // Nothing above should throw; if it does, answer this request and keep serving the others.
    ctx.logger.error({ err }, "user request handler failed");
    sendError(res, 500, "internal_error", "Something went wrong in the gateway.", false);
  });
}

/** The same refusals on a per-user subdomain, where the portal (login, start page) is another origin. */
function answerSubdomainRefusal(ctx: GatewayContext, res: ServerResponse, access: Extract<UserAccess, { ok: false }>, navigation: boolean, username: string, url: string): void {
  if (access.reason === "unauthenticated") {
    // The portal decides who may come in and sends the browser back with a one-time code.
    if (navigation) return startSubdomainSignIn(ctx, res, username, url);
    return sendError(res, 401, "unauthenticated", "Sign in again: open this server from the portal's dashboard.", false);
  }
  if (access.reason === "not-running" && navigation) return redirect(res, `${ctx.portalOrigin}/spawn/${username}?next=${encodeURIComponent(url)}`, false);
  answerRefusal(res, access, false, username, url);
}

function answerRefusal(res: ServerResponse, access: Extract<UserAccess, { ok: false }>, navigation: boolean, username: string, url: string): void {
  const next = encodeURIComponent(url);
  switch (access.reason) {
    case "unauthenticated":
      if (navigation) return redirect(res, `/login?next=${next}`, false);
      return sendError(res, 401, "unauthenticated", "Log in to open this server.", false);
    case "forbidden":
      return sendError(res, 404, "not_found", "No such server.", false);
    case "not-running":
      // The portal's start page for that user; it spawns (or shows progress) and returns to `next`.
      if (navigation) return redirect(res, `/spawn/${username}?next=${next}`, false);
      return sendError(res, 503, "service_unavailable", "Your server is not running. Start it from the dashboard.", false);
    case "starting":
      return sendError(res, 503, "service_unavailable", "The gateway is starting, try again in a few seconds.", false);
    case "auth-unavailable":
      return sendError(res, 503, "service_unavailable", "Sign-in is temporarily unavailable, try again in a few seconds.", false);
  }
}
