import http from "node:http";
import type Dockerode from "dockerode";
import { JUPYTER_PORT_KEY, LABEL_DEPLOYMENT, LABEL_SERVER, LABEL_SMOKE } from "./container-spec";
import { isNotFound } from "./docker-util";
import { ensureStudentNetwork, STUDENT_NETWORK } from "./student-network";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SpawnError extends Error {
  override name = "SpawnError";
}

/**
 * Creates and starts a student container from a spec (buildContainerSpec) and returns the
 * Docker-chosen host port on 127.0.0.1. A container left with the same name by an earlier,
 * interrupted attempt is removed when the create clashes with it (409), not before every create:
 * the database allows one active server per user, so a name clash is always debris, and the
 * common case saves a Docker round trip.
 */
export async function startServerContainer(docker: Dockerode, spec: Dockerode.ContainerCreateOptions): Promise<{ containerId: string; hostPort: number }> {
  let container: Dockerode.Container;
  try {
    container = await createInNetwork(docker, spec);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409 || !spec.name) throw error;
    await removeContainer(docker, spec.name);
    container = await createInNetwork(docker, spec);
  }
  try {
    await container.start();
    const info = await container.inspect();
    const binding = info.NetworkSettings.Ports[JUPYTER_PORT_KEY]?.find((b) => b.HostIp === "127.0.0.1");
    const hostPort = Number(binding?.HostPort);
    if (!Number.isInteger(hostPort) || hostPort <= 0) throw new SpawnError("Docker did not publish the Jupyter port on 127.0.0.1.");
    return { containerId: container.id, hostPort };
  } catch (error) {
    await container.remove({ force: true }).catch(() => {});
    throw error;
  }
}

/**
 * The worker makes the student network at start; one removed since (by hand, or a daemon whose
 * state was wiped) is made again here instead of failing every spawn until a restart.
 */
async function createInNetwork(docker: Dockerode, spec: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
  try {
    return await docker.createContainer(spec);
  } catch (error) {
    const missingNetwork = isNotFound(error) && spec.HostConfig?.NetworkMode === STUDENT_NETWORK && /network/i.test(String((error as Error).message));
    if (!missingNetwork) throw error;
    await ensureStudentNetwork(docker);
    return docker.createContainer(spec);
  }
}

/** Stops (with a grace period) and removes a container; volumes stay. Absent is fine. */
export async function stopServerContainer(docker: Dockerode, idOrName: string, graceSeconds = 10): Promise<void> {
  const container = docker.getContainer(idOrName);
  try {
    await container.stop({ t: graceSeconds });
  } catch (error) {
    // 304: already stopped; 404: already gone.
    if (!isNotFound(error) && (error as { statusCode?: number }).statusCode !== 304) throw error;
  }
  await removeContainer(docker, idOrName);
}

export async function removeContainer(docker: Dockerode, idOrName: string): Promise<void> {
  try {
    await docker.getContainer(idOrName).remove({ force: true });
  } catch (error) {
    if (!isNotFound(error) && (error as { statusCode?: number }).statusCode !== 409) throw error;
  }
}

export interface ServerContainer {
  id: string;
  name: string;
  serverId: string;
  running: boolean;
}

/** Every student-server container of one deployment (not the image gate's), running or not. */
export async function listServerContainers(docker: Dockerode, deployment: string): Promise<ServerContainer[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [LABEL_SERVER, `${LABEL_DEPLOYMENT}=${deployment}`] } });
  return list
    .filter((c) => c.Labels[LABEL_SMOKE] !== "1")
    .map((c) => ({ id: c.Id, name: (c.Names[0] ?? "").replace(/^\//, ""), serverId: c.Labels[LABEL_SERVER] ?? "", running: c.State === "running" }));
}

/** The last lines a container printed, to explain a failed start. */
export async function containerLogTail(docker: Dockerode, idOrName: string, lines = 15): Promise<string> {
  try {
    const buffer = await docker.getContainer(idOrName).logs({ stdout: true, stderr: true, tail: lines, follow: false });
    // Docker multiplexes stdout/stderr with 8-byte frame headers; strip them for humans.
    const out: string[] = [];
    for (let i = 0; i + 8 <= buffer.length; ) {
      const size = buffer.readUInt32BE(i + 4);
      out.push(buffer.subarray(i + 8, i + 8 + size).toString("utf8"));
      i += 8 + size;
    }
    return out.join("").trim();
  } catch {
    return "";
  }
}

function statusOnce(port: number, path: string, token: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false, timeout: timeoutMs, headers: { authorization: `token ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

export interface WaitForJupyterOptions {
  port: number;
  baseUrl: string;
  token: string;
  timeoutMs: number;
  /**
   * The server's container: its log says when Jupyter listens, so the port is probed often only
   * from then on, and a container that died fails the wait at once, not at timeout. Without it
   * the port is probed every 10 ms from the start.
   */
  container?: Dockerode.Container;
}

/** What Notebook logs once its socket listens (`NotebookApp.start`, before the IO loop runs). */
const LISTENING_LINE = "is running at";
const PROBE_MS = 10;
/** Probes before the log says "listening": a fallback for an image that logs otherwise. */
const UNANNOUNCED_PROBE_MS = 250;
const ALIVE_CHECK_MS = 1_000;

interface ListeningWatch {
  /** Resolves when the line is seen, or when the log ends (the container stopped: probe now). */
  announced: Promise<void>;
  seen: boolean;
  stop(): void;
}

/** Follows the container's log for LISTENING_LINE. Never rejects: on any error it just resolves. */
function watchForListening(container: Dockerode.Container): ListeningWatch {
  let stream: (NodeJS.ReadableStream & { destroy?: () => void }) | null = null;
  let stopped = false;
  const watch: ListeningWatch = {
    seen: false,
    announced: Promise.resolve(),
    stop() {
      stopped = true;
      stream?.destroy?.();
    },
  };
  watch.announced = new Promise<void>((resolve) => {
    const done = () => {
      watch.seen = true;
      stream?.destroy?.();
      resolve();
    };
    container.logs({ follow: true, stdout: true, stderr: true }).then(
      (s) => {
        stream = s;
        if (stopped) return void stream?.destroy?.();
        // Frames carry 8-byte binary headers; a text search over a short rolling tail is enough.
        let tail = "";
        s.on("data", (chunk: Buffer) => {
          tail = (tail + chunk.toString("latin1")).slice(-4_096);
          if (tail.includes(LISTENING_LINE)) done();
        });
        s.on("end", done);
        s.on("error", done);
      },
      () => done(),
    );
  });
  return watch;
}

/**
 * Waits until `<baseUrl>api/status` on 127.0.0.1 answers 200. With the container given, it
 * follows the container's log and probes every 10 ms only once Notebook says it listens (every
 * 250 ms before): polling from the start cost each spawn ~150 TCP connects through docker-proxy,
 * worker and proxy CPU a class start of 100 has none of to spare (bench scenario 2, profiled).
 * Every ms of slack between "Jupyter is up" and "we noticed" is added to every student's start.
 * Returns how many probes it took and whether the log announced the server first.
 */
export async function waitForJupyter(opts: WaitForJupyterOptions): Promise<{ probes: number; announced: boolean }> {
  const deadline = Date.now() + opts.timeoutMs;
  const watch = opts.container ? watchForListening(opts.container) : null;
  let nextAliveCheck = Date.now() + ALIVE_CHECK_MS;
  let probes = 0;
  try {
    while (Date.now() < deadline) {
      probes++;
      const status = await statusOnce(opts.port, `${opts.baseUrl}api/status`, opts.token, 2_000);
      if (status === 200) return { probes, announced: watch?.seen ?? false };
      if (status === 403 || status === 401) throw new SpawnError("Jupyter refused the server token.");
      if (opts.container && Date.now() >= nextAliveCheck) {
        if (!(await opts.container.inspect()).State.Running) throw new SpawnError("The container stopped before Jupyter was ready.");
        nextAliveCheck = Date.now() + ALIVE_CHECK_MS;
      }
      if (watch && !watch.seen) await Promise.race([sleep(UNANNOUNCED_PROBE_MS), watch.announced]);
      else await sleep(PROBE_MS);
    }
  } finally {
    watch?.stop();
  }
  throw new SpawnError(`Jupyter did not answer within ${Math.round(opts.timeoutMs / 1000)} seconds.`);
}
