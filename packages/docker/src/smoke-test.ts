import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type Dockerode from "dockerode";
import WebSocket from "ws";
import { buildContainerSpec, JUPYTER_PORT_KEY, LABEL_SMOKE } from "./container-spec";
import { isNotFound } from "./docker-util";
import { ensureStudentNetwork } from "./student-network";

export class SmokeTestError extends Error {
  override name = "SmokeTestError";
}

export interface SmokeTestOptions {
  docker: Dockerode;
  image: string;
  environment: string;
  /** Python source run as uid 1000 inside the started server. */
  check: string;
  checkTimeoutMs?: number;
  /** How long Jupyter may take to answer api/status. */
  readyTimeoutMs?: number;
  cpus?: number;
  memoryMb?: number;
  shmMb?: number;
  onLog?: (line: string) => void;
}

export interface SmokeTestResult {
  readyMs: number;
  checkOutput: string;
}

// The Host and Origin a browser sends through the gateway. Jupyter must accept a kernel
// WebSocket whose Origin matches the Host it was given, although it listens on another port.
const PROXY_HOST = "aula-gateway.localhost:8000";

/**
 * Starts the image exactly as a student server (same spec builder, only labelled aula.smoke=1
 * and with throwaway volumes), waits for Jupyter, runs a kernel round trip through a WebSocket
 * as the gateway would, runs the environment's check as uid 1000, and removes everything.
 */
export async function smokeTest(opts: SmokeTestOptions): Promise<SmokeTestResult> {
  const { docker, image, environment, check } = opts;
  const log = opts.onLog ?? (() => {});
  const id = randomBytes(5).toString("hex");
  const username = "probe";
  const token = randomBytes(24).toString("hex");
  const volumes = { home: `aula-smoke-${id}-home`, checkpoints: `aula-smoke-${id}-checkpoints`, cache: `aula-smoke-${id}-cache` };
  const spec = buildContainerSpec({
    username,
    serverId: `smoke-${id}`,
    environment,
    image,
    token,
    cpus: opts.cpus ?? 2,
    memoryMb: opts.memoryMb ?? 2048,
    shmMb: opts.shmMb ?? 256,
    volumes,
    smoke: true,
    name: `aula-smoke-${id}`,
  });
  // Who owns this probe: removeStaleSmokeContainers must never take one that is still in use.
  spec.Labels = { ...spec.Labels, [LABEL_SMOKE_OWNER]: smokeOwner() };
  const baseUrl = `/user/${username}/`;
  let container: Dockerode.Container | undefined;
  try {
    // Same network as a student's server; `./aula up` builds before the worker ever ran.
    await ensureStudentNetwork(docker);
    container = await docker.createContainer(spec);
    await container.start();
    const started = Date.now();
    const info = await container.inspect();
    const hostPort = info.NetworkSettings.Ports[JUPYTER_PORT_KEY]?.[0]?.HostPort;
    if (!hostPort) throw new SmokeTestError("the container started without a published port for 8888");
    const origin = `http://127.0.0.1:${hostPort}`;
    log(`smoke: started ${spec.name} from ${image}, Jupyter published on 127.0.0.1:${hostPort}`);

    await waitForStatus({ container, origin, baseUrl, token, timeoutMs: opts.readyTimeoutMs ?? 60_000 });
    const readyMs = Date.now() - started;
    log(`smoke: GET ${baseUrl}api/status answered 200 after ${readyMs} ms`);

    const unauth = await fetch(`${origin}${baseUrl}api/status`);
    if (unauth.status !== 403 && unauth.status !== 401) {
      throw new SmokeTestError(`GET ${baseUrl}api/status without the token answered ${unauth.status}; the server must require its token`);
    }

    await kernelRoundTrip({ origin, baseUrl, token, log });

    log("smoke: running the environment's check as uid 1000");
    const { exitCode, output } = await execPython(container, check, opts.checkTimeoutMs ?? 300_000);
    for (const line of output.trimEnd().split("\n").filter(Boolean)) log(`check: ${line}`);
    if (exitCode !== 0) {
      const tail = output.trim().split("\n").slice(-8).join("\n");
      throw new SmokeTestError(`the environment's check exited with ${exitCode}:\n${tail}`);
    }
    log("smoke: check passed");
    return { readyMs, checkOutput: output };
  } catch (error) {
    if (container && !(error instanceof SmokeTestError && /check exited/.test(error.message))) {
      const logs = await containerLogs(container);
      if (logs) for (const line of logs.split("\n").slice(-20)) log(`server: ${line}`);
    }
    throw error;
  } finally {
    if (container) await container.remove({ force: true, v: true }).catch(() => {});
    for (const name of Object.values(volumes)) {
      await docker.getVolume(name).remove().catch((e: unknown) => (isNotFound(e) ? undefined : log(`smoke: could not remove volume ${name}: ${String(e)}`)));
    }
  }
}

async function waitForStatus(args: { container: Dockerode.Container; origin: string; baseUrl: string; token: string; timeoutMs: number }): Promise<void> {
  const deadline = Date.now() + args.timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${args.origin}${args.baseUrl}api/status`, {
        headers: { Authorization: `token ${args.token}` },
        signal: AbortSignal.timeout(2000),
      });
      if (res.status === 200) {
        const body = (await res.json()) as { started?: unknown };
        if (typeof body.started === "string") return;
        last = "api/status answered without a 'started' field";
      } else {
        last = `api/status answered ${res.status}`;
      }
    } catch (error) {
      last = (error as Error).message;
    }
    const state = (await args.container.inspect()).State;
    if (!state.Running) throw new SmokeTestError(`the server exited with code ${state.ExitCode} before answering api/status`);
    await sleep(150);
  }
  throw new SmokeTestError(`Jupyter did not answer GET ${args.baseUrl}api/status within ${Math.round(args.timeoutMs / 1000)} s (${last})`);
}

/** Starts a kernel and runs `print(6 * 7)` over its WebSocket, with a proxied Host and Origin. */
async function kernelRoundTrip(args: { origin: string; baseUrl: string; token: string; log: (line: string) => void }): Promise<void> {
  const auth = { Authorization: `token ${args.token}` };
  const created = await fetch(`${args.origin}${args.baseUrl}api/kernels`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: "{}",
  });
  if (created.status !== 201) throw new SmokeTestError(`POST ${args.baseUrl}api/kernels answered ${created.status}: ${(await created.text()).slice(0, 300)}`);
  const kernel = (await created.json()) as { id: string };
  try {
    const wsUrl = `${args.origin.replace("http", "ws")}${args.baseUrl}api/kernels/${kernel.id}/channels`;
    const output = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { headers: { ...auth, Host: PROXY_HOST }, origin: `http://${PROXY_HOST}` });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new SmokeTestError("the kernel did not answer an execute_request within 60 s"));
      }, 60_000);
      const msgId = randomBytes(8).toString("hex");
      let text = "";
      let reply: { status?: string; evalue?: string } | undefined;
      let idle = false;
      ws.on("unexpected-response", (_req, res) => {
        clearTimeout(timer);
        reject(new SmokeTestError(`the kernel WebSocket was refused with ${res.statusCode} (Host and Origin as behind the gateway)`));
      });
      ws.on("error", (error) => {
        clearTimeout(timer);
        reject(new SmokeTestError(`kernel WebSocket: ${error.message}`));
      });
      ws.on("open", () => {
        ws.send(
          JSON.stringify({
            header: { msg_id: msgId, msg_type: "execute_request", username: "probe", session: randomBytes(8).toString("hex"), version: "5.3", date: new Date().toISOString() },
            parent_header: {},
            metadata: {},
            content: { code: "print(6 * 7)", silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
            channel: "shell",
            buffers: [],
          }),
        );
      });
      ws.on("message", (data) => {
        const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        const msg = JSON.parse(raw.toString("utf8")) as { msg_type?: string; parent_header?: { msg_id?: string }; content?: { text?: string; status?: string; evalue?: string; execution_state?: string } };
        if (msg.parent_header?.msg_id !== msgId) return;
        if (msg.msg_type === "stream") text += msg.content?.text ?? "";
        if (msg.msg_type === "execute_reply") reply = msg.content ?? {};
        // The reply (shell) and the output (iopub) travel on different channels with no order
        // between them; the output is complete only when iopub reports the kernel idle again.
        if (msg.msg_type === "status" && msg.content?.execution_state === "idle") idle = true;
        if (reply && idle) {
          clearTimeout(timer);
          ws.close();
          if (reply.status !== "ok") reject(new SmokeTestError(`the kernel answered ${reply.status}: ${reply.evalue ?? ""}`));
          else resolve(text);
        }
      });
    });
    if (output.trim() !== "42") throw new SmokeTestError(`the kernel printed "${output.trim()}" instead of 42`);
    args.log("smoke: kernel WebSocket round trip through a proxied Host/Origin printed 42");
  } finally {
    await fetch(`${args.origin}${args.baseUrl}api/kernels/${kernel.id}`, { method: "DELETE", headers: auth }).catch(() => {});
  }
}

async function execPython(container: Dockerode.Container, code: string, timeoutMs: number): Promise<{ exitCode: number; output: string }> {
  const exec = await container.exec({ Cmd: ["python3", "-c", code], User: "1000:1000", WorkingDir: "/bootcamp", AttachStdout: true, AttachStderr: true, Tty: true });
  // Tty: one ordered stream of stdout and stderr, no multiplexing frames to undo.
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  let output = "";
  stream.on("data", (chunk: Buffer) => {
    if (output.length < 200_000) output += chunk.toString("utf8");
  });
  const ended = new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", () => resolve());
  });
  const timeout = new AbortController();
  const timedOut = await Promise.race([
    ended.then(() => false),
    sleep(timeoutMs, true, { signal: timeout.signal }).catch(() => false),
  ]).finally(() => timeout.abort());
  // The hijacked socket to the daemon stays open after the command ends unless closed here.
  stream.destroy();
  if (timedOut) {
    throw new SmokeTestError(`the environment's check did not finish within ${Math.round(timeoutMs / 1000)} s`);
  }
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return { exitCode: info.ExitCode ?? -1, output: output.replace(/\r\n/g, "\n") };
    await sleep(100);
  }
  throw new SmokeTestError("the environment's check closed its output but kept running");
}

async function containerLogs(container: Dockerode.Container): Promise<string> {
  try {
    const buf = await container.logs({ stdout: true, stderr: true, tail: 40, follow: false });
    return demux(buf).trim();
  } catch {
    return "";
  }
}

/** Undoes Docker's 8-byte frame headers of a non-TTY log stream. */
function demux(buf: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out || buf.toString("utf8");
}

const LABEL_SMOKE_OWNER = "aula.smoke.owner";
// Longer than any gate can run (60 s to start, at most 30 min of check): only then is a probe
// of another host's worker (a worker in its own container has its own pids) taken as stale.
const FOREIGN_STALE_MS = 2 * 3600_000;

function smokeOwner(): string {
  return `${hostname()}:${process.pid}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(labels: Record<string, string>, createdS: number): boolean {
  const [host, pid] = (labels[LABEL_SMOKE_OWNER] ?? "").split(":");
  if (host === hostname() && pid) return !alive(Number(pid));
  return Date.now() - createdS * 1000 > FOREIGN_STALE_MS;
}

/**
 * Removes smoke containers left by a worker that died mid-gate: those whose owning process is
 * gone (or, from another host, that are hours old). Probes of live builds are left alone, so
 * two workers (or two test files) never remove each other's.
 */
export async function removeStaleSmokeContainers(docker: Dockerode): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_SMOKE}=1`] } });
  let removed = 0;
  for (const c of list) {
    if (!isStale(c.Labels, c.Created)) continue;
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
    removed++;
  }
  // A volume still used by a live probe refuses removal; the others go.
  const vols = await docker.listVolumes({ filters: { label: [`${LABEL_SMOKE}=1`] } });
  for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  return removed;
}
