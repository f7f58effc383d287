export const USER_PREFIX = "/user/";
const USERNAME = /^[a-z][a-z0-9_-]{1,31}$/;

export type UserPath =
  /** Encoded slash/backslash/dot, a raw backslash, or a dot segment: refused outright (400). */
  | { kind: "refused" }
  /** The name segment is not a valid username (404, the same answer as a user with no server). */
  | { kind: "unknown" }
  /** `/user/<name>` without its trailing slash. */
  | { kind: "redirect"; location: string; username: string }
  | { kind: "ok"; username: string };

const REFUSED: UserPath = { kind: "refused" };
const UNKNOWN: UserPath = { kind: "unknown" };

/**
 * Classifies a request target that starts with `/user/`. Nothing is decoded or normalised:
 * anything an upstream might decode or resolve into another path (`%2f`, `%5c`, `%2e`, `\`,
 * `.` and `..` segments) is refused, so the name we authorise is the name Jupyter serves and
 * `/user/ab/../abc/` can never reach `abc`. One linear pass, no backtracking.
 */
export function parseUserPath(url: string): UserPath {
  const query = url.indexOf("?");
  const end = query === -1 ? url.length : query;
  let segmentStart = 1;
  for (let i = 1; i <= end; i++) {
    const c = i === end ? 47 /* '/' */ : url.charCodeAt(i);
    if (c === 47) {
      const length = i - segmentStart;
      if ((length === 1 || length === 2) && url.charCodeAt(segmentStart) === 46 && (length === 1 || url.charCodeAt(segmentStart + 1) === 46)) {
        return REFUSED;
      }
      segmentStart = i + 1;
    } else if (c === 92 /* '\' */) {
      return REFUSED;
    } else if (c === 37 /* "%" */ && i + 2 < end) {
      const a = url.charCodeAt(i + 1);
      const b = url.charCodeAt(i + 2) | 0x20; // lower-case the hex letter
      if ((a === 50 /* 2 */ && (b === 101 /* e */ || b === 102) /* f */) || (a === 53 /* 5 */ && b === 99) /* c */) return REFUSED;
    }
  }
  const slash = url.indexOf("/", USER_PREFIX.length);
  const nameEnd = slash === -1 || slash > end ? end : slash;
  const username = url.slice(USER_PREFIX.length, nameEnd);
  if (!USERNAME.test(username)) return UNKNOWN;
  if (nameEnd === end) return { kind: "redirect", location: `${USER_PREFIX}${username}/${url.slice(end)}`, username };
  return { kind: "ok", username };
}
