import http from "node:http";
import type Dockerode from "dockerode";
import { JUPYTER_PORT_KEY, LABEL_DEPLOYMENT, LABEL_SERVER, LABEL_SMOKE } from "./container-spec";
import { isNotFound } from "./docker-util";
import { ensureStudentNetwork, STUDENT_NETWORK } from "./student-network";

export class SpawnError extends Error {
  override name = "SpawnError";
}

/**
 * Creates and starts a student container from a spec (buildContainerSpec) and returns the
 * Docker-chosen host port on 127.0.0.1. A container left with the same name by an earlier,
 * interrupted attempt is removed first: the database allows one active server per user, so a
 * name clash is always debris.
 */
export async function startServerContainer(docker: Dockerode, spec: Dockerode.ContainerCreateOptions): Promise<{ containerId: string; hostPort: number }> {
  if (spec.name) await removeContainer(docker, spec.name);
  const container = await createInNetwork(docker, spec);
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
  /** Checked now and then: a container that died should fail the wait at once, not at timeout. */
  isAlive?: () => Promise<boolean>;
}

/**
 * Polls `<baseUrl>api/status` on 127.0.0.1 until it answers 200, every 10 ms: a probe of a
 * local socket costs well under a millisecond, while every ms of slack between "Jupyter is up"
 * and "we noticed" is added to every student's start (Jupyter answers ~0.8 s after start here).
 */
export async function waitForJupyter(opts: WaitForJupyterOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let checks = 0;
  while (Date.now() < deadline) {
    const status = await statusOnce(opts.port, `${opts.baseUrl}api/status`, opts.token, 2_000);
    if (status === 200) return;
    if (status === 403 || status === 401) throw new SpawnError("Jupyter refused the server token.");
    if (opts.isAlive && ++checks % 50 === 0 && !(await opts.isAlive())) throw new SpawnError("The container stopped before Jupyter was ready.");
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new SpawnError(`Jupyter did not answer within ${Math.round(opts.timeoutMs / 1000)} seconds.`);
}
