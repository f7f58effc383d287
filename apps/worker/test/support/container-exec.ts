import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sh -c script` in a container as the container's own user (1000:1000 for servers). */
export async function execIn(container: string, script: string, timeoutMs = 40_000): Promise<ExecResult> {
  try {
    const { stdout, stderr } = await run("docker", ["exec", container, "sh", "-c", script], { timeout: timeoutMs, encoding: "utf8" });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
