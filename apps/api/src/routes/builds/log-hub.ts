import { buildLogChannel, parseBuildLogMessage, type BuildLogMessage } from "@aula/queue";
import type { Redis } from "ioredis";

type Listener = (message: BuildLogMessage) => void;

/**
 * One Redis subscriber for every open build-log stream of this api process; a channel is
 * subscribed while someone listens. Same shape as the spawn ProgressHub.
 */
export class BuildLogHub {
  private subscriber: Redis | undefined;
  private ready: Promise<void> | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private async connection(): Promise<Redis> {
    if (!this.subscriber) {
      const sub = this.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      sub.on("error", () => {});
      sub.on("message", (channel: string, raw: string) => {
        const buildId = channel.slice(channel.lastIndexOf(":") + 1);
        const message = parseBuildLogMessage(raw);
        if (!message) return;
        for (const l of this.listeners.get(buildId) ?? []) l(message);
      });
      this.subscriber = sub;
      // SUBSCRIBE before ioredis's ready check would turn that check's INFO into an error.
      this.ready = sub.ping().then(() => undefined);
    }
    await this.ready;
    return this.subscriber;
  }

  async listen(buildId: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(buildId);
    if (!set) {
      set = new Set();
      this.listeners.set(buildId, set);
      await (await this.connection()).subscribe(buildLogChannel(this.prefix, buildId));
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(buildId) === set) {
        this.listeners.delete(buildId);
        void this.subscriber?.unsubscribe(buildLogChannel(this.prefix, buildId)).catch(() => {});
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
