import type Docker from "dockerode";
import { LABEL_DEPLOYMENT, isNotFound, removeContainer } from "@aula/docker";

export const LABEL_COLLECT = "aula.collect";

export interface VolumeReaderOptions {
  docker: Docker;
  image: string;
  volume: string;
  name: string;
  collectionId: string;
  deployment: string;
}

/**
 * Reads a student's home volume without touching their server and without a shared filesystem:
 * a helper container that is created but never started (Docker mounts a stopped container's
 * volumes for the archive API), with the volume read-only, no network, no capabilities, no new
 * privileges, a read-only root and the student's own uid. Nothing in it ever runs.
 */
export async function withVolumeReader<T>(opts: VolumeReaderOptions, read: (container: Docker.Container) => Promise<T>): Promise<T> {
  await removeContainer(opts.docker, opts.name);
  const container = await opts.docker.createContainer({
    name: opts.name,
    Image: opts.image,
    Entrypoint: ["/bin/true"],
    Cmd: [],
    User: "1000:1000",
    NetworkDisabled: true,
    Labels: { [LABEL_COLLECT]: opts.collectionId, [LABEL_DEPLOYMENT]: opts.deployment },
    HostConfig: {
      NetworkMode: "none",
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      ReadonlyRootfs: true,
      Privileged: false,
      AutoRemove: false,
      Mounts: [{ Type: "volume", Source: opts.volume, Target: "/bootcamp", ReadOnly: true }],
    },
  });
  try {
    return await read(container);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

export async function volumeExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getVolume(name).inspect();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The archive of `path` in the container, or null when it does not exist there. */
export async function archiveOf(container: Docker.Container, path: string): Promise<NodeJS.ReadableStream | null> {
  try {
    return await container.getArchive({ path });
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Removes helper containers a crashed collection left behind (worker start). */
export async function removeStaleReaders(docker: Docker, deployment: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [LABEL_COLLECT, `${LABEL_DEPLOYMENT}=${deployment}`] } });
  for (const c of list) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  return list.length;
}
