import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@aula/contracts";
import { materialsIncomingDir } from "./materials-dir";

export interface ReceivedFile {
  /** A temporary file under `<dataDir>/materials/.incoming`; the caller renames or removes it. */
  tmpPath: string;
  sizeBytes: number;
  sha256: string;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${Math.round(n / 1024 / 1024)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

export function tooLarge(what: string, limit: number): AppError {
  return new AppError("payload_too_large", `${what} is larger than the ${formatBytes(limit)} limit for course materials. Split it or leave large files (datasets, weights) out.`, { limitBytes: limit });
}

/** A fresh temporary path in the staging folder. */
export async function incomingPath(dataDir: string, suffix = ".part"): Promise<string> {
  const dir = materialsIncomingDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  return path.join(dir, `${randomUUID()}${suffix}`);
}

/**
 * Streams an upload to a temporary file while counting and hashing it, so a 200 MB notebook
 * bundle never sits in memory. Past `maxBytes` the stream is cut and the partial file removed:
 * nothing half-written ever reaches the materials folder.
 */
export async function receiveUpload(source: Readable, opts: { dataDir: string; maxBytes: number; what?: string }): Promise<ReceivedFile> {
  const tmpPath = await incomingPath(opts.dataDir);
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > opts.maxBytes) {
        callback(tooLarge(opts.what ?? "This file", opts.maxBytes));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  // The source is fed through a PassThrough so that cutting an oversized upload short does not
  // destroy the request itself: the socket must live on to carry the 413 answer (Node discards
  // the unread rest of the body once the response is sent).
  const input = new PassThrough();
  const onError = (error: Error) => input.destroy(error);
  const onClose = () => {
    if (!source.readableEnded) input.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
  };
  source.once("error", onError);
  source.once("close", onClose);
  source.pipe(input);
  try {
    await pipeline(input, meter, createWriteStream(tmpPath, { mode: 0o644 }));
  } catch (error) {
    source.unpipe(input);
    await rm(tmpPath, { force: true });
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ECONNRESET" || (error as Error).message === "aborted") {
      throw new AppError("validation_failed", "The upload was interrupted before the whole file arrived; nothing was stored. Try again.");
    }
    throw error;
  } finally {
    source.off("error", onError);
    source.off("close", onClose);
  }
  return { tmpPath, sizeBytes: size, sha256: hash.digest("hex") };
}
