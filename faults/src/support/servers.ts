import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Db } from "@aula/db";
import type { Stack } from "@aula/e2e/stack";
import { call, type Session } from "./client";
import { until } from "./waits";

const run = promisify(execFile);

/** Ids of the containers (any state) labelled with this server id. */
export async function serverContainers(serverId: string): Promise<string[]> {
  const { stdout } = await run("docker", ["ps", "-aq", "--filter", `label=aula.server=${serverId}`], { timeout: 30_000 });
  return stdout.split("\n").filter(Boolean);
}

/** Waits until the server row is RUNNING; a FAILED row fails at once with its reason. */
export async function untilRunning(db: Db, serverId: string, timeoutMs = 150_000): Promise<void> {
  const row = await until(
    `server ${serverId} to be RUNNING`,
    async () => {
      const row = await db.server.findUniqueOrThrow({ where: { id: serverId } });
      return row.status === "RUNNING" || row.status === "FAILED" || row.status === "STOPPED" ? row : null;
    },
    timeoutMs,
    250,
  );
  if (row.status !== "RUNNING") throw new Error(`server ${serverId} ended ${row.status}: ${row.failureReason ?? row.stopReason}`);
}

/** True when the student's Jupyter answers through the gateway (route, token injection, container). */
export async function reachable(stack: Pick<Stack, "url">, session: Session): Promise<boolean> {
  try {
    const answer = await call(stack, "GET", `/user/${session.username}/api/status`, { session, timeoutMs: 5_000 });
    return answer.status === 200;
  } catch {
    return false;
  }
}

/** The stack's process outputs, for a failing test's message. */
export function dumpOutputs(stack: Pick<Stack, "output">, names: ("api" | "gateway" | "worker")[] = ["api", "gateway", "worker"]): void {
  for (const name of names) console.error(`--- ${name} output (tail) ---\n${stack.output(name).slice(-6000) || "(none)"}`);
}
