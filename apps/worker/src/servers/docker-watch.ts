import type Docker from "dockerode";
import { LABEL_DEPLOYMENT } from "@aula/docker";
import type { Logger } from "../log";

export interface DockerWatch {
  close(): void;
}

export interface DockerWatchOptions {
  docker: Docker;
  /** This deployment's label value (AULA_REDIS_PREFIX): other deployments' containers are not ours. */
  prefix: string;
  log: Logger;
  /** Called when the daemon answers again after its event stream broke, and when one of our containers dies. */
  onChange: (why: "daemon-back" | "container-died") => void;
  /** How often to knock while the daemon is away. */
  retryMs?: number;
}

/**
 * Follows the Docker daemon's event stream. A daemon restart (upgrade, crash; without
 * live-restore it takes every container down with it) ends the stream; as soon as the daemon
 * answers again `onChange` runs, so the reconciler marks the dead servers stopped and frees their
 * GPUs within seconds instead of at its next tick (30 s), found by the fault suite. A student
 * container dying on its own (OOM kill, crash) is reported the same way.
 */
export function watchDocker({ docker, prefix, log, onChange, retryMs = 1_000 }: DockerWatchOptions): DockerWatch {
  let closed = false;
  let current: NodeJS.ReadableStream | null = null;
  let timer: NodeJS.Timeout | null = null;

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void follow(true);
    }, retryMs);
    timer.unref();
  };

  async function follow(afterOutage: boolean): Promise<void> {
    if (closed) return;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.getEvents({ filters: { type: ["container"], event: ["die"], label: [`${LABEL_DEPLOYMENT}=${prefix}`] } });
    } catch {
      retry();
      return;
    }
    if (closed) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      return;
    }
    current = stream;
    if (afterOutage) {
      log.info("docker daemon answers again; reconciling");
      onChange("daemon-back");
    }
    stream.on("data", () => onChange("container-died"));
    const ended = () => {
      if (current !== stream) return;
      current = null;
      if (closed) return;
      log.warn("docker event stream ended (daemon restarting?); waiting for it");
      retry();
    };
    stream.on("end", ended);
    stream.on("close", ended);
    stream.on("error", ended);
  }

  void follow(false);
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const stream: (NodeJS.ReadableStream & { destroy?: () => void }) | null = current;
      current = null;
      stream?.destroy?.();
    },
  };
}
