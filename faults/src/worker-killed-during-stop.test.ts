import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@aula/e2e/stack";
import { progressChannel } from "@aula/queue";
import { call, signIn, type Session } from "./support/client";
import { createFaultCourse, type FaultCourse } from "./support/course";
import { FAULT_PORTS } from "./support/ports";
import { until } from "./support/waits";

// Fault: the worker is SIGKILLed in the middle of stopping a GPU server. The next worker must
// finish the stop: the row STOPPED, no container left, the GPU slot free for the next student.
// (Killed during a spawn: apps/worker/test/recovery.test.ts; during a build: apps/worker/src/worker.test.ts.)

const run = promisify(execFile);

async function serverContainers(serverId: string): Promise<string[]> {
  const { stdout } = await run("docker", ["ps", "-aq", "--filter", `label=aula.server=${serverId}`]);
  return stdout.split("\n").filter(Boolean);
}

describe("worker killed during a stop", () => {
  let stack: Stack;
  let course: FaultCourse;
  let session: Session;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack({
      web: false,
      worker: true,
      ports: FAULT_PORTS.stack,
      // One simulated GPU: a leaked allocation would leave the next GPU spawn waiting forever.
      // A short job lock: the dead worker's stop is handed over within seconds.
      workerEnv: { AULA_GPUS: "sim:1xH100-80GB", AULA_SPAWN_LOCK_S: "3", AULA_RECONCILE_EVERY_S: "5" },
    });
    course = await createFaultCourse(stack, { students: 1, gpu: "REQUIRED" });
    session = await signIn(stack, course.students[0]!);
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  });

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  async function startAndWaitRunning(): Promise<string> {
    const started = await call<{ server: { id: string } }>(stack, "POST", `/api/v1/users/${session.username}/server`, { session, body: { course: course.slug, week: 1, gpu: "required" } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.server.id;
    await until("the GPU server to be RUNNING", async () => {
      const row = await stack.db.server.findUniqueOrThrow({ where: { id } });
      if (row.status === "FAILED") throw new Error(`spawn failed: ${row.failureReason}`);
      return row.status === "RUNNING";
    });
    return id;
  }

  it("the next worker finishes the stop: STOPPED, no container, the GPU released and given to the next start", async () => {
    const serverId = await startAndWaitRunning();
    expect(await stack.db.gpuAllocation.count({ where: { serverId, releasedAt: null } })).toBe(1);

    // Kill at the first sign of the stop job running: its "stopping" event comes just before the
    // container is stopped (a Jupyter shutdown takes a good part of a second).
    const subscriber = redis.duplicate();
    let statusAtKill: string | undefined;
    const killed = new Promise<void>((resolve, reject) => {
      subscriber.on("message", (_channel, message: string) => {
        const event = JSON.parse(message) as { phase: string };
        if (event.phase !== "stopping") return;
        void stack
          .kill("worker", "SIGKILL")
          .then(async () => {
            statusAtKill = (await stack.db.server.findUniqueOrThrow({ where: { id: serverId } })).status;
            resolve();
          })
          .catch(reject);
      });
    });
    await subscriber.subscribe(progressChannel(stack.redisPrefix, serverId));
    try {
      const stop = await call(stack, "DELETE", `/api/v1/users/${session.username}/server`, { session });
      expect(stop.status).toBe(202);
      await until("the worker to be killed mid-stop", async () => (await Promise.race([killed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))])), 60_000);
    } finally {
      subscriber.disconnect();
    }
    // The kill landed while the stop was under way, not after it.
    expect(statusAtKill).toBe("STOPPING");

    stack.start("worker");
    const end = await until("the server to be STOPPED by the next worker", async () => {
      const row = await stack.db.server.findUniqueOrThrow({ where: { id: serverId } });
      return row.status === "STOPPED" ? row : null;
    });
    expect(end.stopReason).toBe("Stopped by you.");
    expect(await serverContainers(serverId)).toEqual([]);
    expect(await stack.db.gpuAllocation.count({ where: { releasedAt: null } })).toBe(0);

    // The only GPU is free again: the next GPU start gets it.
    const next = await startAndWaitRunning();
    expect(await stack.db.gpuAllocation.count({ where: { serverId: next, releasedAt: null } })).toBe(1);
  }, 240_000);
});
