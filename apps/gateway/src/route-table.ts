export interface Route {
  port: number;
  token: string;
  serverId: string;
}

export interface RouteRow extends Route {
  username: string;
}

type RemovedListener = (username: string, route: Route) => void;

/**
 * username → where that student's Jupyter listens. Lookups are a Map get: this sits in front of
 * every notebook request.
 *
 * Pub/sub messages and the periodic database resync race: a resync whose query started before
 * the worker's commit would otherwise drop a route an `add` message just installed (or revive
 * one a `remove` just dropped), and the student would see "not running" for up to a resync
 * period. Every change from a message bumps a version; a resync leaves alone any username whose
 * last message-driven change is newer than the version the resync started at.
 */
export class RouteTable {
  private readonly routes = new Map<string, Route>();
  /** username → version of the last message-driven change (add or remove). */
  private readonly changedAt = new Map<string, number>();
  private version = 0;
  private readonly removedListeners: RemovedListener[] = [];
  /** False until the first successful load from the database. */
  synced = false;

  get(username: string): Route | undefined {
    return this.routes.get(username);
  }

  get size(): number {
    return this.routes.size;
  }

  entries(): IterableIterator<[string, Route]> {
    return this.routes.entries();
  }

  /** Called with the old route whenever a route goes away or is replaced by another server. */
  onRemoved(listener: RemovedListener): void {
    this.removedListeners.push(listener);
  }

  /** Applies an `add` message. */
  add(username: string, route: Route): void {
    this.changedAt.set(username, ++this.version);
    this.put(username, route);
  }

  /** Applies a `remove` message; ignored unless it names the server currently routed. */
  remove(username: string, serverId: string): boolean {
    const current = this.routes.get(username);
    if (!current || current.serverId !== serverId) return false;
    this.changedAt.set(username, ++this.version);
    this.drop(username, current);
    return true;
  }

  /** Marks the start of a database read; pass the result to `replaceAll`. */
  beginSync(): number {
    return this.version;
  }

  /** Makes the table equal to the database rows, except where a newer message already spoke. */
  replaceAll(rows: readonly RouteRow[], startedAt: number): void {
    const fresh = new Map<string, Route>();
    for (const row of rows) fresh.set(row.username, { port: row.port, token: row.token, serverId: row.serverId });
    for (const [username, route] of this.routes) {
      if (!fresh.has(username) && !this.newerThan(username, startedAt)) this.drop(username, route);
    }
    for (const [username, route] of fresh) {
      if (!this.newerThan(username, startedAt)) this.put(username, route);
    }
    // Versions at or before this sync can no longer race with anything; keep the map small.
    for (const [username, version] of this.changedAt) if (version <= startedAt) this.changedAt.delete(username);
    this.synced = true;
  }

  private newerThan(username: string, startedAt: number): boolean {
    return (this.changedAt.get(username) ?? 0) > startedAt;
  }

  private put(username: string, route: Route): void {
    const current = this.routes.get(username);
    if (current && current.serverId === route.serverId && current.port === route.port && current.token === route.token) return;
    this.routes.set(username, route);
    if (current && current.serverId !== route.serverId) this.emitRemoved(username, current);
  }

  private drop(username: string, route: Route): void {
    this.routes.delete(username);
    this.emitRemoved(username, route);
  }

  private emitRemoved(username: string, route: Route): void {
    for (const listener of this.removedListeners) listener(username, route);
  }
}
