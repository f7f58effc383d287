import type { Duplex } from "node:stream";

/**
 * Open proxied WebSockets by user and by server, so a revocation (logout, password change,
 * disabling) or a route removal can close exactly those. A kernel WebSocket can stay open for
 * hours; without this, a revoked session would keep a live notebook connection.
 */
export class SocketRegistry {
  private readonly byUser = new Map<string, Set<Duplex>>();
  private readonly byServer = new Map<string, Set<Duplex>>();
  /** Every tunnel, including portal ones (Next.js dev reload), so shutdown can close them all. */
  private readonly all = new Set<Duplex>();

  /** Registers `socket` until it closes; user and server are null for portal tunnels. */
  add(socket: Duplex, userId: string | null, serverId: string | null): void {
    this.all.add(socket);
    if (userId !== null) addTo(this.byUser, userId, socket);
    if (serverId !== null) addTo(this.byServer, serverId, socket);
    socket.once("close", () => {
      this.all.delete(socket);
      if (userId !== null) removeFrom(this.byUser, userId, socket);
      if (serverId !== null) removeFrom(this.byServer, serverId, socket);
    });
  }

  closeUser(userId: string): number {
    return destroyAll(this.byUser.get(userId));
  }

  closeServer(serverId: string): number {
    return destroyAll(this.byServer.get(serverId));
  }

  closeAll(): number {
    return destroyAll(this.all);
  }

  get size(): number {
    return this.all.size;
  }
}

function addTo(map: Map<string, Set<Duplex>>, key: string, socket: Duplex): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(socket);
}

function removeFrom(map: Map<string, Set<Duplex>>, key: string, socket: Duplex): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(socket);
  if (set.size === 0) map.delete(key);
}

function destroyAll(set: Set<Duplex> | undefined): number {
  if (!set) return 0;
  // Copy: each destroy() fires 'close', which edits the set we would be iterating.
  const sockets = [...set];
  for (const socket of sockets) socket.destroy();
  return sockets.length;
}
