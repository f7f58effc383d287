import { execFile } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startStack, type Stack } from "@aula/e2e/stack";
import { call, signIn, type Session } from "./support/client";
import { createFaultCourse } from "./support/course";
import { openKernelSocket } from "./support/kernel";
import { FAULT_PORTS } from "./support/ports";
import { dumpOutputs, reachable, untilRunning } from "./support/servers";
import { until } from "./support/waits";

// Fault: the gateway and the api are SIGKILLed while a student has a kernel WebSocket open, then
// started again. The student's container must not notice (same container, same kernel state),
// and the server must be reachable through the new gateway as soon as it is up.

const run = promisify(execFile);

async function containerState(name: string): Promise<{ id: string; running: boolean; startedAt: string }> {
  const { stdout } = await run("docker", ["inspect", "--format", "{{.Id}} {{.State.Running}} {{.State.StartedAt}}", name]);
  const [id = "", running = "", startedAt = ""] = stdout.trim().split(" ");
  return { id, running: running === "true", startedAt };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("gateway and api restarted during an open kernel WebSocket", () => {
  let stack: Stack;
  let session: Session;

  beforeAll(async () => {
    stack = await startStack({ web: false, worker: true, ports: FAULT_PORTS.stack, workerEnv: { AULA_GPUS: "none" } });
    const course = await createFaultCourse(stack, { students: 1 });
    session = await signIn(stack, course.students[0]!);
    const started = await call<{ server: { id: string } }>(stack, "POST", `/api/v1/users/${session.username}/server`, { session, body: { course: course.slug, week: 1, gpu: "none" } });
    expect(started.status).toBe(202);
    await untilRunning(stack.db, started.body.server.id);
    await until("the server to answer through the gateway", () => reachable(stack, session), 30_000);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("keeps the student's container and kernel, and the server is reachable again right after the processes are back", async () => {
    onTestFailed(() => dumpOutputs(stack));
    const kernel = await call<{ id: string }>(stack, "POST", `/user/${session.username}/api/kernels`, { session, body: {} });
    expect(kernel.status).toBe(201);
    const socket = await openKernelSocket(stack.url, session, kernel.body.id);
    expect(await socket.execute("x = 41; x")).toBe("41");
    const before = await containerState(`aula-${session.username}`);

    await Promise.all([stack.kill("gateway", "SIGKILL"), stack.kill("api", "SIGKILL")]);
    // The socket went down with the gateway that carried it.
    await socket.closed;

    const restartedAt = Date.now();
    stack.start("api");
    stack.start("gateway");
    await until("the gateway to listen again", () => listening(FAULT_PORTS.stack.gateway), 60_000, 10);
    const listeningAt = Date.now();
    await until("the server to answer through the new gateway", () => reachable(stack, session), 60_000, 20);
    const reachableAt = Date.now();
    console.info(
      `[faults] gateway+api restart: gateway listening ${listeningAt - restartedAt} ms after the restart; student's server reachable ${reachableAt - listeningAt} ms after that (${reachableAt - restartedAt} ms after the restart)`,
    );

    // The same container, never restarted, and the same kernel with its state.
    const after = await containerState(`aula-${session.username}`);
    expect(after).toEqual({ ...before, running: true });
    const again = await openKernelSocket(stack.url, session, kernel.body.id);
    try {
      expect(await again.execute("x + 1")).toBe("42");
    } finally {
      again.ws.close();
    }
    // And the api came back too.
    await until("the api to answer through the gateway", async () => (await call(stack, "GET", "/api/v1/health")).status === 200, 30_000);
    const row = await stack.db.server.findFirstOrThrow({ where: { user: { username: session.username } } });
    expect(row.status).toBe("RUNNING");
  }, 180_000);
});
