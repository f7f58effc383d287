import { ProgressEvent, progressChannel } from "@aula/queue";
import type { Redis } from "ioredis";

type Listener = (event: ProgressEvent) => void;

/**
 * One Redis subscriber for every open progress stream: a class of 100 students watching their
 * spawn costs one connection, not 100. Channels are subscribed while someone listens.
 */
export class ProgressHub {
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private connection(): Redis {
    if (!this.subscriber) {
      const sub = this.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      sub.on("error", () => {});
      sub.on("message", (channel: string, message: string) => {
        const serverId = channel.slice(channel.lastIndexOf(":") + 1);
        const set = this.listeners.get(serverId);
        if (!set) return;
        const parsed = ProgressEvent.safeParse(JSON.parse(message));
        if (parsed.success) for (const l of set) l(parsed.data);
      });
      this.subscriber = sub;
    }
    return this.subscriber;
  }

  async listen(serverId: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(serverId);
    if (!set) {
      set = new Set();
      this.listeners.set(serverId, set);
      await this.connection().subscribe(progressChannel(this.prefix, serverId));
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(serverId) === set) {
        this.listeners.delete(serverId);
        void this.subscriber?.unsubscribe(progressChannel(this.prefix, serverId)).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
