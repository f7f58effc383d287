import type { Principal } from "@aula/domain";

interface Entry {
  value: Promise<Principal | null>;
  expiresAt: number;
  settled: Principal | null | undefined;
}

/**
 * Session cookie → principal, for `ttlMs` (2 s, as in the gateway). Under load the session
 * lookup (two queries: the session, then its user) was a third of the api's queries; with one
 * entry per busy session it costs one lookup per session per TTL instead.
 *
 * Revocation is never left to the TTL alone: the api forgets a user's entries synchronously
 * when it revokes them itself (logout, password change, disabling, role change, roster
 * removal), and on every `revoke-user` message from another process; while its subscriber is
 * not connected the cache is bypassed, and it is emptied when the subscriber comes back
 * (messages published meanwhile are lost). Only found, live sessions are kept; an expiry inside
 * the TTL is checked on every hit.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** False while revoke-user messages could be missed (subscriber down): every request looks up. */
  enabled = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get(secret: string, load: () => Promise<Principal | null>): Promise<Principal | null> {
    if (!this.enabled || this.ttlMs <= 0) return load();
    const now = this.clock();
    const hit = this.entries.get(secret);
    if (hit && hit.expiresAt > now) {
      const expires = hit.settled?.session?.expiresAt.getTime();
      if (expires === undefined || expires > now) return hit.value;
    }
    if (hit) this.entries.delete(secret);
    this.evict(now);
    const value = load();
    const entry: Entry = { value, expiresAt: now + this.ttlMs, settled: undefined };
    this.entries.set(secret, entry);
    value.then(
      (principal) => {
        entry.settled = principal;
        if (principal === null && this.entries.get(secret) === entry) this.entries.delete(secret);
      },
      () => {
        if (this.entries.get(secret) === entry) this.entries.delete(secret);
      },
    );
    return value;
  }

  /** Forgets a user's sessions, and every lookup still in flight (it may be theirs). */
  revokeUser(userId: string): void {
    for (const [key, entry] of this.entries) {
      if (entry.settled === undefined || entry.settled?.userId === userId) this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  // One TTL for all: insertion order is expiry order, so only the front of the Map is looked at.
  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < this.maxEntries) return;
      this.entries.delete(key);
    }
  }
}
