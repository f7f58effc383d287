import type Dockerode from "dockerode";

/** One JSON message of the daemon's progress streams (build, pull, import). */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

export class DaemonStreamError extends Error {
  override name = "DaemonStreamError";
}

/**
 * Resolves when a progress stream ends. The daemon reports failures inside the stream (HTTP 200
 * with an `error` message), so those reject here rather than passing as success.
 */
export function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream, onEvent: (event: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: ProgressEvent[]) => {
        if (error) return reject(error);
        if (failure !== undefined) return reject(new DaemonStreamError(failure));
        resolve(output);
      },
      (event: ProgressEvent) => {
        if (event.error || event.errorDetail) failure ??= event.errorDetail?.message ?? event.error ?? "unknown daemon error";
        onEvent(event);
      },
    );
  });
}

export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { statusCode?: unknown }).statusCode === 404;
}

/** The image's inspect data, or null when the daemon has no such image. */
export async function imageExists(docker: Dockerode, ref: string): Promise<Dockerode.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
