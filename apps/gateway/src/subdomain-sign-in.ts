import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { safeServerPath, SERVER_COOKIE, STATE_COOKIE_PREFIX } from "@aula/domain";
import type { GatewayContext } from "./context";
import { cookieNames } from "./headers";
import { sendError } from "./responses";

// Per-user subdomain mode (AULA_USER_DOMAIN, like JupyterHub's `subdomain_host`): each student's
// Jupyter is served at `<name>.<domain>` under its usual /user/<name>/ base URL, an origin of its
// own. The portal cookie is never sent there (it is host-only on the portal), so the browser
// signs in to the subdomain through a one-time code:
//
//   <name>.<domain>/user/<name>/…            no aula_server cookie → 302 to the portal's
//   <portal>/api/v1/users/<name>/server/authorize?state&next   portal session + access rule → 302
//   <name>.<domain>/_aula/auth/callback?code&state&next        code traded once → host-only
//                                                               HttpOnly SameSite=Lax aula_server
//   <name>.<domain><next>                                       (a path inside that server only)
//
// The state is random per sign-in and must come back with a cookie of the same name set on the
// subdomain, so a code can only be redeemed in the browser that asked for it.

const STATE = /^[A-Za-z0-9_-]{22}$/;
const STATE_MAX_AGE_S = 600;
const STATE_COOKIE_PATH = "/_aula/auth/";

function cookieAttributes(ctx: GatewayContext, path: string, maxAge: number): string {
  return `Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${ctx.proto === "https" ? "; Secure" : ""}`;
}

/** No (valid) subdomain cookie on a page load: off to the portal, which sends the browser back with a code. */
export function startSubdomainSignIn(ctx: GatewayContext, res: ServerResponse, username: string, url: string): void {
  const state = randomBytes(16).toString("base64url");
  const query = new URLSearchParams({ state, next: url });
  res.writeHead(302, {
    Location: `${ctx.portalOrigin}/api/v1/users/${username}/server/authorize?${query.toString()}`,
    "Set-Cookie": `${STATE_COOKIE_PREFIX}${state}=1; ${cookieAttributes(ctx, STATE_COOKIE_PATH, STATE_MAX_AGE_S)}`,
    "Cache-Control": "no-store",
    "Content-Length": 0,
  });
  res.end();
}

export function handleCallback(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, search: string, owner: string): void {
  const params = new URLSearchParams(search);
  const state = params.get("state") ?? "";
  if (!STATE.test(state) || !cookieNames(req.rawHeaders).has(`${STATE_COOKIE_PREFIX}${state}`)) {
    return sendError(res, 400, "validation_failed", "This sign-in was not started in this browser, or it took longer than 10 minutes. Open your server again from the dashboard.", false);
  }
  const next = safeServerPath(owner, params.get("next"));
  ctx.auth
    .exchangeCode(owner, params.get("code") ?? "")
    .then((issued) => {
      if (res.destroyed) return;
      if (issued === null) return sendError(res, 400, "validation_failed", "This sign-in link has expired or was already used. Open your server again from the dashboard.", false);
      res.writeHead(302, {
        Location: next,
        "Set-Cookie": [
          // No Domain attribute: host-only, so no sibling subdomain (nor the portal) ever receives it.
          `${SERVER_COOKIE}=${issued.secret}; ${cookieAttributes(ctx, "/", issued.maxAgeSeconds)}`,
          `${STATE_COOKIE_PREFIX}${state}=; ${cookieAttributes(ctx, STATE_COOKIE_PATH, 0)}`,
        ],
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Length": 0,
      });
      res.end();
    })
    .catch((err: unknown) => {
      ctx.logger.error({ err }, "subdomain code exchange failed");
      sendError(res, 503, "service_unavailable", "Sign-in is temporarily unavailable, try again in a few seconds.", false);
    });
}
