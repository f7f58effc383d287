import type { Redis } from "ioredis";

type Listener<T> = (message: T) => void;

interface Channel<T> {
  listeners: Set<Listener<T>>;
  /** Settles once Redis has confirmed the SUBSCRIBE. */
  subscribed: Promise<void>;
}

/**
 * One Redis subscriber for every open stream of one kind in this api process (spawn progress,
 * build logs): a class of 100 students watching their spawn costs one connection, not 100. A
 * channel `<anything>:<id>` is subscribed while someone listens to `id`.
 */
export class ChannelHub<T> {
  private subscriber: Redis | undefined;
  private ready: Promise<void> | undefined;
  private readonly channels = new Map<string, Channel<T>>();

  constructor(
    private readonly redis: Redis,
    private readonly channelFor: (id: string) => string,
    /** null: a malformed message, dropped. */
    private readonly parse: (raw: string) => T | null,
  ) {}

  private connection(): Promise<Redis> {
    if (!this.subscriber) {
      const sub = this.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      sub.on("error", () => {});
      sub.on("message", (channel: string, raw: string) => {
        const entry = this.channels.get(channel.slice(channel.lastIndexOf(":") + 1));
        if (!entry) return;
        const message = this.parse(raw);
        if (message !== null) for (const l of entry.listeners) l(message);
      });
      this.subscriber = sub;
      // A SUBSCRIBE sent before ioredis's ready check has run turns that check's INFO into
      // "Connection in subscriber mode" and fails the SUBSCRIBE's caller: at a class start the
      // first students' progress streams then never ended (bench scenario 2). PING first.
      this.ready = sub.ping().then(() => undefined);
    }
    const sub = this.subscriber;
    return this.ready!.then(() => sub);
  }

  /**
   * Calls `listener` with every message for `id` from the moment this resolves, when Redis has
   * confirmed the subscription (so a reader of stored history after it misses nothing).
   * Returns the function that stops listening.
   */
  async listen(id: string, listener: Listener<T>): Promise<() => void> {
    let entry = this.channels.get(id);
    if (!entry) {
      const subscribed = this.connection().then((sub) => sub.subscribe(this.channelFor(id))).then(() => undefined);
      entry = { listeners: new Set(), subscribed };
      this.channels.set(id, entry);
    }
    const current = entry;
    current.listeners.add(listener);
    const stop = () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.channels.get(id) === current) {
        this.channels.delete(id);
        void this.subscriber?.unsubscribe(this.channelFor(id)).catch(() => {});
      }
    };
    try {
      await current.subscribed;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  async close(): Promise<void> {
    this.channels.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    this.ready = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
