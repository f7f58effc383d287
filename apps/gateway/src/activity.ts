import type { Redis } from "ioredis";
import type { CoarseClock } from "./coarse-clock";
import type { GatewayLogger } from "./logger";
import { activityKey } from "@aula/queue/messages";

/**
 * serverId → last time traffic went either way, kept in memory and flushed to the Redis hash
 * `${prefix}:activity` every few seconds: the culler needs minutes of resolution, and a
 * database (or even Redis) write per notebook request would cost more than the proxying.
 */
export class ActivityTracker {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clock: CoarseClock,
    private readonly logger: GatewayLogger,
  ) {}

  /** Records activity now. A Map set, no allocation once the server is known. */
  touch(serverId: string): void {
    this.pending.set(serverId, this.clock.now);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Writes what accumulated since the last flush with one HSET; on failure keeps it for the next. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const fields: Record<string, string> = {};
    for (const [serverId, at] of batch) fields[serverId] = String(at);
    try {
      await this.redis.hset(activityKey(this.prefix), fields);
    } catch (err) {
      this.logger.warn({ err, servers: batch.size }, "could not flush server activity to Redis; will retry");
      for (const [serverId, at] of batch) if ((this.pending.get(serverId) ?? 0) < at) this.pending.set(serverId, at);
    }
  }
}
