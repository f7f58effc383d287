import { decodeGpuSamples, gpuSamplesKey, loadGpuBoard, type GpuBoardData } from "@aula/domain";
import type { Db } from "@aula/db";
import type { Redis } from "ioredis";

type Listener = (board: GpuBoardData) => void;

/** The board with the worker's latest nvidia-smi samples. */
export async function readGpuBoard(db: Db, redis: Redis, prefix: string): Promise<GpuBoardData> {
  const hash = await redis.hgetall(gpuSamplesKey(prefix)).catch(() => ({}));
  return loadGpuBoard(db, { samples: decodeGpuSamples(hash) });
}

/**
 * One poller for every open board stream: however many admins watch, the board is read once
 * per interval, and only while someone watches. The ledger lives in PostgreSQL and changes on
 * every worker, so polling a few indexed queries is simpler and as live as any pub/sub.
 */
export class BoardHub {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private last: GpuBoardData | undefined;

  constructor(
    private readonly read: () => Promise<GpuBoardData>,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  private async tick(): Promise<void> {
    try {
      this.last = await this.read();
      for (const l of this.listeners) l(this.last);
    } catch (err) {
      this.onError(err);
    }
  }

  /** Calls `listener` with a fresh board now and at every interval; returns the unsubscribe. */
  async listen(listener: Listener): Promise<() => void> {
    this.listeners.add(listener);
    listener(await this.read());
    this.timer ??= setInterval(() => void this.tick(), this.everyMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  close(): void {
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
