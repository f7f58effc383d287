// The start page sends the browser on to Jupyter once the server runs. The gateway learns a new
// route through Redis a moment after the database says RUNNING (and reloads its table from the
// database every 30 s), so the first try can bounce straight back to the start page. Each bounce
// waits longer; after the last one the page stops and offers a link instead of looping.

export const FOLLOW_DELAYS_MS = [0, 1_000, 3_000, 10_000, 30_000] as const;
/** Tries older than this are forgotten: a later visit starts again at once. */
export const FOLLOW_WINDOW_MS = 120_000;

export interface FollowRecord {
  count: number;
  last: number;
}

/** How long to wait before the next try, or null when the tries are used up. */
export function nextFollowDelay(record: FollowRecord | null, now: number): number | null {
  if (!record || now - record.last > FOLLOW_WINDOW_MS) return FOLLOW_DELAYS_MS[0];
  return FOLLOW_DELAYS_MS[record.count] ?? null;
}

export function afterFollow(record: FollowRecord | null, now: number): FollowRecord {
  if (!record || now - record.last > FOLLOW_WINDOW_MS) return { count: 1, last: now };
  return { count: record.count + 1, last: now };
}

const key = (serverId: string) => `aula:spawn-follow:${serverId}`;

export function readFollow(serverId: string): FollowRecord | null {
  try {
    const raw = window.sessionStorage.getItem(key(serverId));
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<FollowRecord>;
    return typeof parsed.count === "number" && typeof parsed.last === "number" ? { count: parsed.count, last: parsed.last } : null;
  } catch {
    return null;
  }
}

export function writeFollow(serverId: string, record: FollowRecord): void {
  try {
    window.sessionStorage.setItem(key(serverId), JSON.stringify(record));
  } catch {
    // Storage disabled: each visit then counts as a first try; the delays still apply per page.
  }
}
