// Per-user subdomains, as JupyterHub's `subdomain_host` does it: with a user domain set, each
// student's server answers at `<name>.<domain>`, a browser origin of its own, so a student's
// JavaScript never runs on the portal's origin and the portal's cookies are never sent to it.
// Jupyter keeps its `/user/<name>/` base URL; only the host changes.

const USERNAME = /^[a-z][a-z0-9_-]{1,31}$/;

/** Aula's own cookies on a user subdomain; none of them is ever forwarded to Jupyter. */
export const SERVER_COOKIE = "aula_server";
/** One per sign-in in flight (`aula_state_<state>`), so two tabs signing in at once do not clash. */
export const STATE_COOKIE_PREFIX = "aula_state_";
/** Where the portal sends the browser back with a one-time code, on the user's subdomain. */
export const SUBDOMAIN_CALLBACK_PATH = "/_aula/auth/callback";

export interface UserSubdomains {
  /** Lower-case DNS name: servers live at `<name>.<domain>`. */
  domain: string;
  /** AULA_PUBLIC_URL's scheme ("http:" or "https:"): the subdomains are reached the same way. */
  protocol: string;
  /** ":<port>" of AULA_PUBLIC_URL, or "" for the scheme's default port. */
  port: string;
}

/** Why AULA_PUBLIC_URL and AULA_USER_DOMAIN cannot work together, or null; for the apps' env checks. */
export function userDomainProblem(publicUrl: string, userDomain: string | undefined): string | null {
  try {
    userSubdomains(publicUrl, userDomain);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The subdomain settings, or null when AULA_USER_DOMAIN is empty (the mode is off). Throws when
 * the portal's own host would read as a user's (`www.<domain>` is the server of a user `www`):
 * the portal would be unreachable, so the process must not start that way.
 */
export function userSubdomains(publicUrl: string, userDomain: string | undefined): UserSubdomains | null {
  const domain = (userDomain ?? "").trim().toLowerCase();
  if (domain === "") return null;
  const url = new URL(publicUrl);
  const subdomains = { domain, protocol: url.protocol, port: url.port === "" ? "" : `:${url.port}` };
  if (classifyHost(subdomains, url.host).kind !== "portal") {
    throw new Error(`AULA_PUBLIC_URL's host ${url.hostname} is under AULA_USER_DOMAIN (${domain}), where each name is a user's server: serve the portal on ${domain} itself or outside it.`);
  }
  return subdomains;
}

/** A name that can be a user's subdomain label (the username grammar is a subset of a DNS label's, plus `_`). */
export function isSubdomainUsername(name: string): boolean {
  return USERNAME.test(name);
}

/**
 * `http://ana.users.example.org:8000`. Throws on anything that is not a username: a name such as
 * `x@evil.example#` would otherwise turn this origin into someone else's.
 */
export function userOrigin(subdomains: UserSubdomains, username: string): string {
  if (!USERNAME.test(username)) throw new Error(`not a username: ${JSON.stringify(username)}`);
  return `${subdomains.protocol}//${username}.${subdomains.domain}${subdomains.port}`;
}

/** Where a user's Jupyter answers: `/user/<name>/` on the portal, or on `<name>.<domain>` in subdomain mode. */
export function serverUrl(username: string, subdomains: UserSubdomains | null): string {
  const path = `/user/${username}/`;
  return subdomains === null ? path : `${userOrigin(subdomains, username)}${path}`;
}

export type HostKind =
  /** Not under the user domain: the portal (and everything it served before). */
  | { kind: "portal" }
  /** `<name>.<domain>` with a valid username. */
  | { kind: "user"; username: string }
  /** Under the user domain but not one user's name (`a.b.<domain>`, `x.<domain>`): nothing is served there. */
  | { kind: "invalid" };

const PORTAL: HostKind = { kind: "portal" };
const INVALID: HostKind = { kind: "invalid" };

/**
 * Classifies a Host header. Host names are case-insensitive and may end in a dot; the port is
 * ignored (a TLS terminator in front may change it). Only a single label in front of the
 * domain names a user, so `a.ana.<domain>` is nobody's.
 */
export function classifyHost(subdomains: UserSubdomains, host: string | undefined): HostKind {
  if (host === undefined || host === "" || host.charCodeAt(0) === 91 /* [ IPv6 literal */) return PORTAL;
  const colon = host.indexOf(":");
  let name = (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  const domain = subdomains.domain;
  if (name === domain) return PORTAL;
  if (name.length < domain.length + 1 || !name.endsWith(domain) || name.charCodeAt(name.length - domain.length - 1) !== 46 /* . */) return PORTAL;
  const label = name.slice(0, name.length - domain.length - 1);
  return USERNAME.test(label) ? { kind: "user", username: label } : INVALID;
}

/**
 * `next` when it is a path inside this user's server (`/user/<name>/…`, printable ASCII only:
 * a properly encoded URL), else the server's root. The result is always a path on the user's
 * own subdomain, so it can be neither an open redirect nor a header injection.
 */
export function safeServerPath(username: string, next: unknown): string {
  const root = `/user/${username}/`;
  if (typeof next !== "string" || next.length > 2048 || !next.startsWith(root)) return root;
  for (let i = 0; i < next.length; i++) {
    const c = next.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 92 /* \ */) return root;
  }
  return next;
}
