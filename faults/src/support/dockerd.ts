import { execFile, spawn } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { until } from "./waits";

const run = promisify(execFile);
const PID_FILE = "/var/run/docker.pid";
const LOG_FILE = "/var/log/aula-dockerd.log";

/**
 * Restarting the system dockerd: there is no private alternative. Its command line is read from
 * /proc before SIGTERM and reused, so it comes back exactly as `./aula up` (start_dockerd in
 * infra/scripts/lib.sh) or the operator started it, detached in a session of its own.
 */
export interface DockerdHandle {
  cmdline: string[];
  liveRestore: boolean;
}

export async function inspectDockerd(): Promise<DockerdHandle> {
  const pid = (await readFile(PID_FILE, "utf8")).trim();
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
  if (cmdline.length === 0 || !cmdline[0]?.endsWith("dockerd")) throw new Error(`${PID_FILE} names pid ${pid}, which is not dockerd (${cmdline.join(" ")})`);
  const { stdout } = await run("docker", ["info", "--format", "{{.LiveRestoreEnabled}}"], { timeout: 30_000 });
  return { cmdline, liveRestore: stdout.trim() === "true" };
}

export async function dockerAnswers(): Promise<boolean> {
  try {
    await run("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the running dockerd (by the pid in its pid file); resolves once that process is gone. */
export async function stopDockerd(): Promise<void> {
  const pid = Number((await readFile(PID_FILE, "utf8")).trim());
  process.kill(pid, "SIGTERM");
  // dockerd stops its containers first (their stop timeouts), so give it time.
  await until(`dockerd (pid ${pid}) to exit`, async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 90_000, 100);
}

/** Starts dockerd with the given command line, detached (setsid), and waits until it answers. */
export async function startDockerd(cmdline: string[]): Promise<void> {
  if (await dockerAnswers()) return;
  const [command, ...args] = cmdline;
  if (!command) throw new Error("empty dockerd command line");
  const log = openSync(LOG_FILE, "a");
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log] });
    child.unref();
  } finally {
    closeSync(log);
  }
  await until("dockerd to answer again", dockerAnswers, 60_000, 200);
}
