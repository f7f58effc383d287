import type Dockerode from "dockerode";
import { packBuildContext, type BuildContext } from "./build-context";
import { DaemonStreamError, followProgress, imageExists } from "./docker-util";

export class ImageBuildError extends Error {
  override name = "ImageBuildError";
}

export interface BuildImageOptions {
  docker: Dockerode;
  context: BuildContext;
  tag: string;
  labels?: Record<string, string>;
  buildArgs?: Record<string, string>;
  /** Each line of the daemon's output, as it comes. */
  onLine?: (line: string) => void;
}

export interface BuiltImage {
  imageId: string;
  sizeBytes: number;
  layerCount: number;
  cachedSteps: number;
  totalSteps: number;
}

const STEP = /^Step (\d+)\/(\d+) :/;

/**
 * Builds through the daemon's classic builder (the one Docker 20.10 serves on /build): host
 * network so RUN apt-get reaches the mirror, intermediate containers removed even on failure.
 * Counts steps and cache hits from the progress stream, then inspects the result.
 */
export async function buildImage({ docker, context, tag, labels = {}, buildArgs = {}, onLine = () => {} }: BuildImageOptions): Promise<BuiltImage> {
  const stream = await docker.buildImage(packBuildContext(context), {
    t: tag,
    dockerfile: context.dockerfile,
    networkmode: "host",
    rm: true,
    forcerm: true,
    labels,
    buildargs: buildArgs,
  });
  let totalSteps = 0;
  let cachedSteps = 0;
  let partial = "";
  const handleLine = (line: string) => {
    const step = STEP.exec(line);
    if (step) totalSteps = Number(step[2]);
    if (line.trim() === "---> Using cache") cachedSteps++;
    onLine(line);
  };
  try {
    await followProgress(docker, stream, (event) => {
      if (event.stream !== undefined) {
        // The daemon splits output at arbitrary points; only whole lines go out.
        const parts = (partial + event.stream).split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) handleLine(line);
      } else if (event.status) {
        handleLine(`${event.id ? `${event.id}: ` : ""}${event.status}${event.progress ? ` ${event.progress}` : ""}`);
      } else if (event.error) {
        if (partial) handleLine(partial);
        partial = "";
        handleLine(`ERROR: ${event.errorDetail?.message ?? event.error}`);
      }
    });
  } catch (error) {
    if (error instanceof DaemonStreamError) throw new ImageBuildError(error.message);
    throw error;
  }
  if (partial) handleLine(partial);
  const image = await imageExists(docker, tag);
  if (!image) throw new ImageBuildError(`the daemon reported success but ${tag} does not exist`);
  return {
    imageId: image.Id,
    sizeBytes: image.Size,
    layerCount: image.RootFS?.Layers?.length ?? 0,
    cachedSteps,
    totalSteps,
  };
}
