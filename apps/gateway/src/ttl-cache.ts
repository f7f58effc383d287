interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
  settled: boolean;
  resolved?: V;
}

/**
 * A small, bounded cache of promises with a fixed time to live. Storing the promise (not the
 * value) means a burst of requests carrying the same credential shares one lookup in flight, so
 * a notebook opening fifty files costs one query, not fifty.
 *
 * With one fixed TTL, insertion order is expiry order: eviction looks only at the front of the
 * Map (amortised O(1)), and a full cache drops its oldest entry. No bookkeeping on a hit.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached promise for `key`, or the one `load` starts. A rejected load is not cached, nor a
   * value `keep` turns down (concurrent callers still share it while it is in flight).
   */
  get(key: string, load: () => Promise<V>, keep?: (value: V) => boolean): Promise<V> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.entries.delete(key);
    this.evict(now);
    const value = load();
    const entry: Entry<V> = { value, expiresAt: now + this.ttlMs, settled: false };
    this.entries.set(key, entry);
    value.then(
      (resolved) => {
        entry.settled = true;
        entry.resolved = resolved;
        if (keep && !keep(resolved) && this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  /** Drops entries whose value matches, and every lookup still in flight (it may match too). */
  deleteWhere(predicate: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) {
      if (!entry.settled || predicate(entry.resolved as V)) this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size < this.maxEntries) return;
      this.entries.delete(key);
    }
  }
}
