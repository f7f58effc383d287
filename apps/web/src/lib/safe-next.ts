// Where to go after signing in. `next` comes from the URL, so anyone can craft it: only a path on
// this origin is followed, otherwise an attacker's link to /login?next=//evil.example would make
// the portal itself send a freshly signed-in user to a look-alike site.

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Returns `next` when it is a same-origin path, else null. */
export function safeNextPath(next: string | null | undefined): string | null {
  if (!next) return null;
  if (next.length > 2048) return null;
  if (!next.startsWith("/")) return null; // relative paths and any scheme (https:, javascript:)
  if (next.startsWith("//")) return null; // protocol-relative: //evil.example
  if (next.includes("\\")) return null; // browsers read /\evil.example as //evil.example
  // Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become "//evil.example".
  if (hasControlCharacter(next)) return null;
  // Belt and braces: resolve it and insist the origin did not change.
  const base = "http://aula.invalid";
  let resolved: URL;
  try {
    resolved = new URL(next, base);
  } catch {
    return null;
  }
  if (resolved.origin !== base) return null;
  // Going back to the login page after logging in would only show the form again.
  if (resolved.pathname === "/login") return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/** Paths the portal doesn't render itself (Jupyter servers, the API): need a full page load. */
export function needsFullNavigation(path: string): boolean {
  return /^\/(user|api|metrics)(\/|$|\?)/.test(path);
}

const ABSOLUTE = /^https?:\/\//;

/**
 * Where the start page goes once the server is ready: `next` (when it is a same-origin path) or
 * the server's url. In per-user subdomain mode the API gives that url on the server's own origin
 * (`http://<name>.<domain>/user/<name>/`), and a `/user/…` next belongs on that origin too; the
 * origin always comes from the API, never from `next`.
 */
export function serverDestination(next: string | null | undefined, serverUrl: string): string {
  const path = safeNextPath(next);
  if (!ABSOLUTE.test(serverUrl)) return path ?? serverUrl;
  if (path !== null && /^\/user\//.test(path)) return `${new URL(serverUrl).origin}${path}`;
  return path ?? serverUrl;
}

/** A destination on another origin (a per-user subdomain) or one the portal doesn't render: a full page load. */
export function needsPageLoad(destination: string): boolean {
  return ABSOLUTE.test(destination) || needsFullNavigation(destination);
}
