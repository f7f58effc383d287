import type { IncomingMessage, ServerResponse } from "node:http";
import { isApiPath } from "./classify";
import type { GatewayContext } from "./context";
import { forwardHttp, UPSTREAM_HOST } from "./forward-http";
import { appendForwarded, copyRequestHeaders } from "./headers";
import { sendError, sendPortalRestarting } from "./responses";

const PORTAL_HEADERS = { stripCredentials: false, upgrade: false } as const;

/** `/api/…` and `/metrics` → api; everything else that is not `/user/…` → web. */
export function handlePortalRequest(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, url: string): void {
  const api = isApiPath(url);
  const port = api ? ctx.apiPort : ctx.webPort;
  const headers: string[] = [];
  const head = copyRequestHeaders(req.rawHeaders, headers, PORTAL_HEADERS);
  if (head.host === undefined) headers.push("Host", `${UPSTREAM_HOST}:${port}`);
  appendForwarded(headers, req.socket.remoteAddress, ctx.proto, head.host);
  forwardHttp(req, res, {
    dispatcher: api ? ctx.upstreams.api : ctx.upstreams.web,
    origin: api ? ctx.apiOrigin : ctx.webOrigin,
    headers,
    hasBody: head.hasBody,
    secure: true,
    onInvalid: () => sendError(res, 400, "validation_failed", "A request header is not valid.", true),
    onUnavailable(err) {
      ctx.stats.upstreamError(api ? "api" : "web", err);
      if (api) sendError(res, 503, "service_unavailable", "Aula's API is restarting, try again in a few seconds.", true);
      else sendPortalRestarting(res);
    },
  });
}
