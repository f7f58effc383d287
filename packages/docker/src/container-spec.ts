import type Dockerode from "dockerode";
import { STUDENT_NETWORK } from "./student-network";

/** The port every Aula student image listens on (docker/environments/README.md, "contract"). */
export const JUPYTER_PORT = 8888;
export const JUPYTER_PORT_KEY = `${JUPYTER_PORT}/tcp`;

export const LABEL_SERVER = "aula.server";
export const LABEL_USER = "aula.user";
export const LABEL_ENVIRONMENT = "aula.environment";
export const LABEL_SMOKE = "aula.smoke";
/**
 * Which installation a container belongs to (its Redis prefix). The reconciler only ever touches
 * its own deployment's containers, so a test run never removes real students' servers, nor the
 * other way round.
 */
export const LABEL_DEPLOYMENT = "aula.deployment";

// Docker's own rule for container names is [a-zA-Z0-9][a-zA-Z0-9_.-]*; usernames are narrower
// (lowercase, no dots) so that `aula-<username>` and `/user/<username>/` never need escaping.
const USERNAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const GPU_UUID = /^(GPU|MIG)-[A-Za-z0-9-]+$/;

export interface MaterialMount {
  /** Host path (bind) or volume name (volume). */
  source: string;
  /** Absolute path in the container, e.g. /bootcamp/1-teoria. */
  target: string;
  type?: "bind" | "volume";
}

export interface ContainerSpecOptions {
  username: string;
  serverId: string;
  environment: string;
  image: string;
  token: string;
  /** Defaults to `/user/<username>/`, the path the gateway forwards. */
  baseUrl?: string;
  cpus: number;
  memoryMb: number;
  shmMb: number;
  pidsLimit?: number;
  /** Exactly the allocated devices; empty or absent means a CPU server. */
  gpuUuids?: readonly string[];
  /** Named volumes; default `aula-<kind>-<username>`. */
  volumes?: { home?: string; checkpoints?: string; cache?: string };
  /**
   * Host directories behind those volumes (the student's disk, ensureStudentDisk): each volume
   * is then a bind of its directory, so it holds no more than that disk. Absent: plain volumes
   * under /var/lib/docker, without a size limit.
   */
  volumeDirs?: { home: string; checkpoints: string; cache: string };
  /** Mounted read-only: the week's materials, shared datasets. */
  readOnlyMounts?: readonly MaterialMount[];
  /** Adds `aula.smoke=1` so the gate's containers are told apart (and cleaned up) by label. */
  smoke?: boolean;
  /** The installation's id (its Redis prefix); labels the container for the reconciler. */
  deployment?: string;
  /** Overrides the container name (smoke tests use a unique one so they never clash). */
  name?: string;
  /** The Docker network to join; default the student network (ensureStudentNetwork). */
  network?: string;
}

export class ContainerSpecError extends Error {
  override name = "ContainerSpecError";
}

export function defaultVolumeNames(username: string): { home: string; checkpoints: string; cache: string } {
  return { home: `aula-home-${username}`, checkpoints: `aula-checkpoints-${username}`, cache: `aula-cache-${username}` };
}

export function containerNameFor(username: string): string {
  return `aula-${username}`;
}

/**
 * The dockerode create options of a student server. Pure: the spawner and the image gate both
 * call it, so an image is tested exactly as students will run it.
 */
export function buildContainerSpec(opts: ContainerSpecOptions): Dockerode.ContainerCreateOptions {
  if (!USERNAME.test(opts.username)) {
    throw new ContainerSpecError(`username "${opts.username}" is not a valid server name (lowercase letters, digits, '-' and '_', at most 32)`);
  }
  if (!(opts.cpus > 0) || !(opts.memoryMb > 0) || !(opts.shmMb > 0)) {
    throw new ContainerSpecError("cpus, memoryMb and shmMb must be positive");
  }
  if (opts.token.length < 16) throw new ContainerSpecError("the server token is too short");
  const gpuUuids = [...(opts.gpuUuids ?? [])];
  for (const uuid of gpuUuids) {
    if (!GPU_UUID.test(uuid)) throw new ContainerSpecError(`"${uuid}" is not a GPU or MIG uuid`);
  }
  const baseUrl = opts.baseUrl ?? `/user/${opts.username}/`;
  if (!baseUrl.startsWith("/") || !baseUrl.endsWith("/")) throw new ContainerSpecError(`base URL "${baseUrl}" must start and end with '/'`);

  const labels: Record<string, string> = {
    [LABEL_SERVER]: opts.serverId,
    [LABEL_USER]: opts.username,
    [LABEL_ENVIRONMENT]: opts.environment,
  };
  if (opts.smoke) labels[LABEL_SMOKE] = "1";
  if (opts.deployment) labels[LABEL_DEPLOYMENT] = opts.deployment;

  const names = { ...defaultVolumeNames(opts.username), ...opts.volumes };
  const volumeLabels: Record<string, string> = { [LABEL_USER]: opts.username };
  if (opts.smoke) volumeLabels[LABEL_SMOKE] = "1";
  // NoCopy false: a new volume starts with the image's content at that path (home skeleton,
  // matplotlib's font cache built at image build time).
  const volume = (source: string, target: string, dir: string | undefined): Dockerode.MountSettings => ({
    Type: "volume",
    Source: source,
    Target: target,
    VolumeOptions: { NoCopy: false, Labels: volumeLabels, DriverConfig: { Name: "local", Options: dir ? { type: "none", o: "bind", device: dir } : {} } },
  });
  for (const dir of Object.values(opts.volumeDirs ?? {})) {
    if (!dir.startsWith("/") || dir.split("/").includes("..")) throw new ContainerSpecError(`volume directory "${dir}" must be an absolute path`);
  }
  const mounts: Dockerode.MountSettings[] = [
    volume(names.home, "/bootcamp", opts.volumeDirs?.home),
    volume(names.checkpoints, "/bootcamp/checkpoints", opts.volumeDirs?.checkpoints),
    volume(names.cache, "/bootcamp/.cache", opts.volumeDirs?.cache),
  ];
  for (const m of opts.readOnlyMounts ?? []) {
    if (!m.target.startsWith("/bootcamp/") || m.target.split("/").includes("..")) {
      throw new ContainerSpecError(`read-only mount target "${m.target}" must be a path under /bootcamp/`);
    }
    mounts.push({ Type: m.type ?? "bind", Source: m.source, Target: m.target, ReadOnly: true });
  }

  const env = [`JUPYTER_TOKEN=${opts.token}`, `AULA_BASE_URL=${baseUrl}`];
  const hostConfig: Dockerode.HostConfig = {
    PortBindings: { [JUPYTER_PORT_KEY]: [{ HostIp: "127.0.0.1", HostPort: "" }] },
    // Never "host" nor docker0: the student network has inter-container traffic off, so one
    // student's container cannot reach another's Jupyter or kernel ports.
    NetworkMode: opts.network ?? STUDENT_NETWORK,
    Memory: opts.memoryMb * 1024 * 1024,
    // Same as Memory: no swap, so the limit students see is the one they get.
    MemorySwap: opts.memoryMb * 1024 * 1024,
    NanoCpus: Math.round(opts.cpus * 1e9),
    ShmSize: opts.shmMb * 1024 * 1024,
    PidsLimit: opts.pidsLimit ?? 512,
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    Privileged: false,
    ReadonlyRootfs: false,
    LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "2" } },
    RestartPolicy: { Name: "no" },
    Mounts: mounts,
  };
  if (gpuUuids.length > 0) {
    hostConfig.DeviceRequests = [{ Driver: "nvidia", DeviceIDs: gpuUuids, Capabilities: [["gpu"]] }];
    env.push(`NVIDIA_VISIBLE_DEVICES=${gpuUuids.join(",")}`, "NVIDIA_DRIVER_CAPABILITIES=compute,utility");
  } else {
    // CUDA base images set NVIDIA_VISIBLE_DEVICES=all; where nvidia is the default runtime that
    // alone would hand a CPU server every GPU. "void" makes the runtime behave like runc.
    env.push("NVIDIA_VISIBLE_DEVICES=void");
  }

  return {
    name: opts.name ?? containerNameFor(opts.username),
    Image: opts.image,
    Hostname: containerNameFor(opts.username),
    User: "1000:1000",
    WorkingDir: "/bootcamp",
    Env: env,
    Labels: labels,
    ExposedPorts: { [JUPYTER_PORT_KEY]: {} },
    StopSignal: "SIGTERM",
    StopTimeout: 10,
    HostConfig: hostConfig,
  };
}
