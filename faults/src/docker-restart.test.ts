import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startStack, type Stack } from "@aula/e2e/stack";
import { call, signIn, type Session } from "./support/client";
import { createFaultCourse, type FaultCourse } from "./support/course";
import { dockerAnswers, inspectDockerd, startDockerd, stopDockerd, type DockerdHandle } from "./support/dockerd";
import { FAULT_PORTS } from "./support/ports";
import { dumpOutputs, reachable, serverContainers, untilRunning } from "./support/servers";
import { until } from "./support/waits";

// Fault: the Docker daemon restarts under a running GPU server. There is no private daemon to
// break, so this restarts the system dockerd (same command line, detached) and always brings it
// back in afterAll. Without live-restore the daemon takes the containers down with it: the
// reconciler must mark the server stopped with a reason and release its GPU, and the student's
// files stay on the volume. With live-restore the server must simply stay running.

const run = promisify(execFile);
const NOTE = "fault-note.txt";

describe("Docker daemon restarted", () => {
  let stack: Stack;
  let course: FaultCourse;
  let session: Session;
  let dockerd: DockerdHandle;

  beforeAll(async () => {
    dockerd = await inspectDockerd();
    // The periodic reconcile pushed out of reach (1 h): the daemon coming back must trigger it.
    stack = await startStack({ web: false, worker: true, ports: FAULT_PORTS.stack, workerEnv: { AULA_GPUS: "sim:1xH100-80GB", AULA_RECONCILE_EVERY_S: "3600" } });
    course = await createFaultCourse(stack, { students: 1, gpu: "REQUIRED" });
    session = await signIn(stack, course.students[0]!);
  });

  afterAll(async () => {
    // Whatever happened above, the shared daemon comes back before anything else.
    if (dockerd && !(await dockerAnswers())) await startDockerd(dockerd.cmdline);
    await stack?.stop();
  });

  async function start(): Promise<string> {
    const answer = await call<{ server: { id: string } }>(stack, "POST", `/api/v1/users/${session.username}/server`, { session, body: { course: course.slug, week: 1, gpu: "required" } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    await untilRunning(stack.db, answer.body.server.id);
    await until("the server to answer through the gateway", () => reachable(stack, session), 30_000);
    return answer.body.server.id;
  }

  async function readNote(): Promise<string | null> {
    const answer = await call<{ content?: string }>(stack, "GET", `/user/${session.username}/api/contents/${NOTE}?content=1&type=file&format=text`, { session });
    return answer.status === 200 ? (answer.body.content ?? null) : null;
  }

  it("brings the database in line: the dead server stopped with a reason, its GPU released, the student's files kept", async () => {
    onTestFailed(() => dumpOutputs(stack, ["worker"]));
    const serverId = await start();
    const text = `written before the daemon restart ${Date.now()}`;
    const saved = await call(stack, "PUT", `/user/${session.username}/api/contents/${NOTE}`, { session, body: { type: "file", format: "text", content: text } });
    expect(saved.status).toBeLessThan(300);
    // On the student's volume, not in the container's own layer.
    const { stdout } = await run("docker", ["exec", `aula-${session.username}`, "cat", `/bootcamp/${NOTE}`]);
    expect(stdout).toBe(text);

    const stoppingAt = Date.now();
    await stopDockerd();
    const downAt = Date.now();
    await startDockerd(dockerd.cmdline);
    const backAt = Date.now();
    console.info(`[faults] dockerd: ${downAt - stoppingAt} ms to stop (its containers first), ${backAt - downAt} ms to answer again (live-restore ${dockerd.liveRestore ? "on" : "off"})`);

    if (dockerd.liveRestore) {
      expect((await stack.db.server.findUniqueOrThrow({ where: { id: serverId } })).status).toBe("RUNNING");
      await until("the server to answer through the gateway", () => reachable(stack, session), 30_000);
      expect(await readNote()).toBe(text);
      return;
    }

    const row = await until(
      "the reconciler to mark the server stopped",
      async () => {
        const r = await stack.db.server.findUniqueOrThrow({ where: { id: serverId } });
        return r.status === "STOPPED" ? r : null;
      },
      60_000,
      100,
    );
    console.info(`[faults] dockerd back → server marked STOPPED after ${Date.now() - backAt} ms`);
    expect(row.stopReason).toMatch(/stopped unexpectedly/);
    expect(await stack.db.gpuAllocation.count({ where: { releasedAt: null } })).toBe(0);
    await until("the dead container to be removed", async () => (await serverContainers(serverId)).length === 0, 30_000);
    expect(await reachable(stack, session)).toBe(false);
    expect(stack.pid("worker"), "the worker survived the daemon restart").not.toBeNull();

    // Start again: the freed GPU is given out, and the file is where the student left it.
    const next = await start();
    expect(await stack.db.gpuAllocation.count({ where: { serverId: next, releasedAt: null } })).toBe(1);
    expect(await readNote()).toBe(text);
  }, 240_000);
});
