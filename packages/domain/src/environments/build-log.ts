import type { Db } from "@aula/db";
import { appendBuildLog, countBuildLogLines } from "./build-state";

/** Lines of one flush; `seq` is the zero-based number of the first line in the stored log. */
export interface BuildLogBatch {
  seq: number;
  lines: string[];
}

export interface BuildLogWriter {
  write(line: string): void;
  /** Writes what is buffered; resolves after the database has it and onFlushed returned. */
  flush(): Promise<void>;
  readonly linesWritten: number;
}

export interface CreateBuildLogWriterOptions {
  db: Db;
  buildId: string;
  /**
   * Called after each batch is in the database, e.g. to publish it for live streams. Ordering
   * database-then-publish means a reader who subscribes, then reads the row, misses nothing.
   */
  onFlushed?: (batch: BuildLogBatch) => Promise<void> | void;
  flushMs?: number;
  maxLineLength?: number;
}

/**
 * Buffers build output and appends it to ImageBuild.log in batches: a build prints thousands of
 * lines, and one UPDATE per line would make the database the bottleneck of the build.
 */
export async function createBuildLogWriter({ db, buildId, onFlushed, flushMs = 300, maxLineLength = 4000 }: CreateBuildLogWriterOptions): Promise<BuildLogWriter> {
  let next = await countBuildLogLines(db, buildId);
  let buffer: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let written = 0;

  const flushNow = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const lines = buffer;
    buffer = [];
    // A failed batch rejects its own flush() only; later batches still run.
    chain = chain.catch(() => {}).then(async () => {
      if (lines.length === 0) return;
      const seq = next;
      next += lines.length;
      await appendBuildLog(db, buildId, lines.map((l) => `${l}\n`).join(""));
      await onFlushed?.({ seq, lines });
    });
    return chain;
  };

  return {
    write(line: string) {
      for (const part of line.replace(/\r/g, "").split("\n")) {
        buffer.push(part.length > maxLineLength ? `${part.slice(0, maxLineLength)}…` : part);
        written++;
      }
      // A flush failure is reported by the next explicit flush(), which re-awaits the chain.
      timer ??= setTimeout(() => void flushNow().catch(() => {}), flushMs);
    },
    flush: flushNow,
    get linesWritten() {
      return written;
    },
  };
}
