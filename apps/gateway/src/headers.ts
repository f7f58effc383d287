import { SERVER_COOKIE, SESSION_COOKIE, STATE_COOKIE_PREFIX } from "@aula/domain";

// Header rewriting works on the flat `rawHeaders` arrays Node already has ([name, value, …]) and
// produces flat arrays that http.request and res.writeHead accept as they are: no header objects,
// no per-header setHeader() validation, one pass per direction.

const COPY = 0;
const DROP = 1;
const HOST = 2;
const COOKIE = 3;
const AUTHORIZATION = 4;
const ACCEPT = 5;
const CONNECTION = 6;
const CONTENT_LENGTH = 7;
const TRANSFER_ENCODING = 8;
const UPGRADE = 9;

const REQUEST_ACTIONS: Record<string, number> = {
  host: HOST,
  cookie: COOKIE,
  authorization: AUTHORIZATION,
  accept: ACCEPT,
  connection: CONNECTION,
  "content-length": CONTENT_LENGTH,
  "transfer-encoding": TRANSFER_ENCODING,
  upgrade: UPGRADE,
  // Hop-by-hop (RFC 9110 §7.6.1) and legacy hop-by-hop headers.
  "keep-alive": DROP,
  "proxy-connection": DROP,
  "proxy-authorization": DROP,
  te: DROP,
  trailer: DROP,
  // Node already answered `100 Continue` to the client; forwarding it would ask the upstream again.
  expect: DROP,
  // Client-sent forwarding claims are never passed on; we write our own below.
  "x-forwarded-for": DROP,
  "x-forwarded-proto": DROP,
  "x-forwarded-host": DROP,
  "x-forwarded-port": DROP,
  forwarded: DROP,
  "x-real-ip": DROP,
};

const RESPONSE_ACTIONS: Record<string, number> = {
  connection: CONNECTION,
  "keep-alive": DROP,
  "proxy-connection": DROP,
  "proxy-authenticate": DROP,
  te: DROP,
  trailer: DROP,
  "transfer-encoding": DROP,
  upgrade: DROP,
};

// Raw header names arrive in whatever case the peer used ("Host", "host", "HOST"). Caching the
// action per spelling turns the common case into one Map get with no toLowerCase() allocation.
// Bounded, so a client inventing header names cannot grow it.
const SPELLING_CACHE_LIMIT = 2048;
function classifier(table: Record<string, number>): (name: string) => number {
  const cache = new Map<string, number>();
  return (name) => {
    let action = cache.get(name);
    if (action === undefined) {
      action = table[name.toLowerCase()] ?? COPY;
      if (cache.size < SPELLING_CACHE_LIMIT) cache.set(name, action);
    }
    return action;
  };
}
const classifyRequest = classifier(REQUEST_ACTIONS);
const classifyResponse = classifier(RESPONSE_ACTIONS);

export interface RequestHead {
  host: string | undefined;
  /** `aula_session` cookie value, when `stripCredentials` collected it. */
  sessionSecret: string | null;
  /**
   * `aula_server` cookie values (per-user subdomain mode), when `stripCredentials` collected them.
   * Several when a sibling subdomain tossed one in with a Domain attribute; each is tried.
   */
  serverCookies: string[] | null;
  /** Raw Authorization header value, when `stripCredentials` collected it. */
  authorization: string | null;
  acceptsHtml: boolean;
  hasBody: boolean;
}

export interface CopyRequestOptions {
  /** /user mode: remove the client's Authorization and Aula's own cookies (`aula_*`), collecting the credentials. */
  stripCredentials: boolean;
  /** WebSocket handshake: keep `Upgrade` and send `Connection: Upgrade`. */
  upgrade: boolean;
}

/** Copies `raw` into `out` minus hop-by-hop and forwarding headers; reports what auth needs. */
export function copyRequestHeaders(raw: readonly string[], out: string[], options: CopyRequestOptions): RequestHead {
  const head: RequestHead = { host: undefined, sessionSecret: null, serverCookies: null, authorization: null, acceptsHtml: false, hasBody: false };
  let connection: string | null = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    switch (classifyRequest(name)) {
      case COPY:
        out.push(name, value);
        break;
      case DROP:
        break;
      case HOST:
        head.host = value;
        out.push(name, value);
        break;
      case ACCEPT:
        if (value.includes("text/html")) head.acceptsHtml = true;
        out.push(name, value);
        break;
      case CONTENT_LENGTH:
        if (value !== "0") head.hasBody = true;
        out.push(name, value);
        break;
      case TRANSFER_ENCODING:
        // Node re-frames the body towards the upstream (chunked when there is no length).
        head.hasBody = true;
        break;
      case CONNECTION:
        connection = connection === null ? value : `${connection}, ${value}`;
        break;
      case UPGRADE:
        if (options.upgrade) out.push(name, value);
        break;
      case AUTHORIZATION:
        if (!options.stripCredentials) out.push(name, value);
        else head.authorization ??= value;
        break;
      case COOKIE:
        if (!options.stripCredentials || !value.includes(AULA_COOKIE_PREFIX)) out.push(name, value);
        else {
          const rest = stripAulaCookies(value, head);
          if (rest !== "") out.push(name, rest);
        }
        break;
    }
  }
  if (connection !== null) dropConnectionTokens(out, connection);
  if (options.upgrade) out.push("Connection", "Upgrade");
  return head;
}

const AULA_COOKIE_PREFIX = "aula_";
/** Bounds the work a pile of tossed-in cookies can cause per request. */
const MAX_SERVER_COOKIES = 4;

/**
 * Removes Aula's own cookies (`aula_session`, `aula_server`, `aula_state_…`) from one Cookie
 * header, keeping the others (Jupyter's `_xsrf`), and collects the credentials among them.
 */
function stripAulaCookies(header: string, head: RequestHead): string {
  const kept: string[] = [];
  for (const part of header.split(";")) {
    const pair = part.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    const value = eq === -1 ? "" : pair.slice(eq + 1).trim();
    if (name === SESSION_COOKIE) head.sessionSecret ??= value;
    else if (name === SERVER_COOKIE) {
      head.serverCookies ??= [];
      if (head.serverCookies.length < MAX_SERVER_COOKIES) head.serverCookies.push(value);
    } else if (!name.startsWith(STATE_COOKIE_PREFIX)) kept.push(pair);
  }
  return kept.join("; ");
}

/** The names of the cookies in a request's Cookie headers (flat raw headers), for the state check. */
export function cookieNames(raw: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== "cookie") continue;
    for (const part of (raw[i + 1] as string).split(";")) {
      const eq = part.indexOf("=");
      const name = (eq === -1 ? part : part.slice(0, eq)).trim();
      if (name !== "") names.add(name);
    }
  }
  return names;
}

const STANDARD_CONNECTION_TOKENS = new Set(["close", "keep-alive", "upgrade"]);

/** Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1). Rare, so allocation is fine. */
function dropConnectionTokens(out: string[], connection: string): void {
  // The usual values name no other header; skip the split.
  if (connection === "keep-alive" || connection === "close" || connection === "Upgrade" || connection === "upgrade") return;
  let extra: Set<string> | null = null;
  for (const token of connection.split(",")) {
    const t = token.trim().toLowerCase();
    if (t !== "" && !STANDARD_CONNECTION_TOKENS.has(t)) (extra ??= new Set()).add(t);
  }
  if (extra === null) return;
  let w = 0;
  for (let r = 0; r + 1 < out.length; r += 2) {
    const name = out[r] as string;
    if (extra.has(name.toLowerCase())) continue;
    out[w++] = name;
    out[w++] = out[r + 1] as string;
  }
  out.length = w;
}

/**
 * Appends our own X-Forwarded-* (the client's were dropped). `For` is the TCP peer; `Proto` is
 * the public scheme (a TLS terminator in front of us, on the same host, is the only way the
 * public URL can be https while this port is plain http).
 */
export function appendForwarded(out: string[], remoteAddress: string | undefined, proto: string, host: string | undefined): void {
  let peer = remoteAddress ?? "";
  if (peer.startsWith("::ffff:")) peer = peer.slice(7);
  out.push("X-Forwarded-For", peer, "X-Forwarded-Proto", proto);
  if (host !== undefined) out.push("X-Forwarded-Host", host);
  out.push("X-Forwarded-Port", portOf(host, proto));
}

function portOf(host: string | undefined, proto: string): string {
  if (host !== undefined) {
    const colon = host.lastIndexOf(":");
    // "[::1]" has colons but no port; "[::1]:8000" and "example.org:8000" have one.
    if (colon !== -1 && colon > host.lastIndexOf("]")) return host.slice(colon + 1);
  }
  return proto === "https" ? "443" : "80";
}

export const FRAME_ANCESTORS = "frame-ancestors 'none'";

/**
 * Copies upstream response headers minus hop-by-hop ones. With `secure` (portal and API, never
 * Jupyter's /user responses) adds the security headers the upstream did not set itself.
 */
export function copyResponseHeaders(raw: readonly (string | Buffer)[], out: string[], secure: boolean): void {
  let connection: string | null = null;
  let nosniff = false;
  let referrer = false;
  let frameOptions = false;
  let csp = false;
  let framed = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = latin1(raw[i] as string | Buffer);
    const value = latin1(raw[i + 1] as string | Buffer);
    const action = classifyResponse(name);
    if (action === DROP) continue;
    if (action === CONNECTION) {
      connection = connection === null ? value : `${connection}, ${value}`;
      continue;
    }
    if (secure && name.length >= 15) {
      // Only long names can be one of these four; most headers skip the toLowerCase.
      const lower = name.toLowerCase();
      if (lower === "x-content-type-options") nosniff = true;
      else if (lower === "referrer-policy") referrer = true;
      else if (lower === "x-frame-options") frameOptions = true;
      else if (lower === "content-security-policy") {
        csp = true;
        if (value.toLowerCase().includes("frame-ancestors")) framed = true;
      }
    }
    out.push(name, value);
  }
  if (connection !== null) dropConnectionTokens(out, connection);
  if (!secure) return;
  if (!nosniff) out.push("X-Content-Type-Options", "nosniff");
  if (!referrer) out.push("Referrer-Policy", "same-origin");
  if (!frameOptions) out.push("X-Frame-Options", "DENY");
  if (framed) return;
  if (!csp) {
    out.push("Content-Security-Policy", FRAME_ANCESTORS);
    return;
  }
  for (let i = 0; i + 1 < out.length; i += 2) {
    if ((out[i] as string).toLowerCase() === "content-security-policy") {
      out[i + 1] = `${out[i + 1] as string}; ${FRAME_ANCESTORS}`;
      return;
    }
  }
}

// undici hands response headers over as the bytes received; HTTP header bytes are latin1.
function latin1(v: string | Buffer): string {
  return typeof v === "string" ? v : v.toString("latin1");
}

/** The security headers on responses the gateway writes itself for portal and API paths. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": FRAME_ANCESTORS,
};
