import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorCode, ErrorEnvelope } from "@aula/contracts";
import { SECURITY_HEADERS } from "./headers";

// Responses the gateway writes itself. Rare by construction (errors, redirects), so clarity
// beats micro-optimisation here.

function envelope(code: ErrorCode, message: string): string {
  const body: ErrorEnvelope = { error: { code, message }, requestId: randomUUID() };
  return JSON.stringify(body);
}

export function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, secure: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = envelope(code, message);
  res.writeHead(status, {
    ...(secure ? SECURITY_HEADERS : {}),
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    ...(status === 503 ? { "Retry-After": "5" } : {}),
  });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string, secure: boolean): void {
  res.writeHead(302, { ...(secure ? SECURITY_HEADERS : {}), Location: location, "Content-Length": 0, "Cache-Control": "no-store" });
  res.end();
}

const RESTARTING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Aula is restarting</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:20vh auto;padding:0 1rem;color:#222}</style>
</head><body><h1>Aula is restarting</h1>
<p>Aula's portal is restarting, try again in a few seconds. This page reloads by itself.</p>
<p>Open notebooks keep working meanwhile.</p></body></html>
`;

/** The portal (web) is down: a page a person can read, which retries by itself. */
export function sendPortalRestarting(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(503, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(RESTARTING_PAGE),
    "Cache-Control": "no-store",
    "Retry-After": "5",
  });
  res.end(RESTARTING_PAGE);
}

const NOT_RESPONDING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your server is not responding</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:20vh auto;padding:0 1rem;color:#222}</style>
</head><body><h1>Your server is not responding</h1>
<p>Your Jupyter server did not answer. It may be stopping or restarting.
Try again in a few seconds, or go back to the <a href="/">dashboard</a>.</p></body></html>
`;

/** A routed Jupyter server refused the connection (stopping, crashed). */
export function sendServerNotResponding(res: ServerResponse, html: boolean): void {
  if (!html) {
    sendError(res, 503, "service_unavailable", "Your server is not responding. Try again in a few seconds, or restart it from the dashboard.", false);
    return;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(503, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(NOT_RESPONDING_PAGE), "Cache-Control": "no-store", "Retry-After": "5" });
  res.end(NOT_RESPONDING_PAGE);
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 502: "Bad Gateway", 503: "Service Unavailable" };

/** Refuses a WebSocket upgrade with a plain HTTP response on the raw socket, then closes it. */
export function rejectUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = envelope(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Cache-Control: no-store\r\nConnection: close\r\n\r\n" +
      body,
  );
  // end() flushes then half-closes; a peer that never closes its side must not pin the socket.
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}
