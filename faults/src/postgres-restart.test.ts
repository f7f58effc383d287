import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startStack, type Stack } from "@aula/e2e/stack";
import { call, signIn, type ErrorBody, type Session } from "./support/client";
import { createFaultCourse, type FaultCourse } from "./support/course";
import { FAULT_PORTS } from "./support/ports";
import { startPrivatePostgres, type PrivatePostgres } from "./support/private-postgres";
import { dumpOutputs, reachable, serverContainers, untilRunning } from "./support/servers";
import { sleep, until } from "./support/waits";

// Fault: PostgreSQL crashes (pg_ctl stop -m immediate: every backend dies at once) while spawns
// are in flight, and comes back a few seconds later. It is a private cluster the test owns; the
// shared one is never touched.

describe("PostgreSQL restarted under load", () => {
  let postgres: PrivatePostgres;
  let stack: Stack;
  let course: FaultCourse;
  const sessions: Session[] = [];

  beforeAll(async () => {
    postgres = await startPrivatePostgres(FAULT_PORTS.postgres);
    stack = await startStack({
      web: false,
      worker: true,
      ports: FAULT_PORTS.stack,
      databaseUrl: postgres.url,
      workerEnv: { AULA_SPAWN_LOCK_S: "3", AULA_RECONCILE_EVERY_S: "3", AULA_GPUS: "none" },
    });
    course = await createFaultCourse(stack, { students: 5 });
    for (const student of course.students) sessions.push(await signIn(stack, student));
  });

  afterAll(async () => {
    await stack?.stop();
    await postgres?.stop();
  });

  it("loses no accepted spawn, answers 503 service_unavailable while PostgreSQL is down, and recovers by itself", async () => {
    onTestFailed(() => dumpOutputs(stack));
    const start = (s: Session) => call<{ server: { id: string } } & ErrorBody>(stack, "POST", `/api/v1/users/${s.username}/server`, { session: s, body: { course: course.slug, week: 1, gpu: "none" } });
    const accepted = new Map<string, string>();
    const before = sessions.slice(0, 3);
    const during = sessions.slice(3);

    for (const [i, answer] of (await Promise.all(before.map(start))).entries()) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      accepted.set(before[i]!.username, answer.body.server.id);
    }
    await postgres.crash();

    // While it is down: answers with a code, within a bound, never a hang or a 500.
    const downAnswers: string[] = [];
    const health = await call<{ checks: { postgres: string } }>(stack, "GET", "/api/v1/health");
    downAnswers.push(`health ${health.status} in ${health.ms} ms`);
    expect(health.status).toBe(503);
    expect(health.body.checks.postgres).toBe("down");
    for (const s of during) {
      const answer = await start(s);
      downAnswers.push(`start ${answer.status} ${answer.body.error?.code ?? ""} in ${answer.ms} ms`);
      // Without the database nothing can be accepted: refused with the code.
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.body.error?.code).toBe("service_unavailable");
    }
    console.info(`[faults] answers while PostgreSQL was down: ${downAnswers.join("; ")}`);
    // An outage of some seconds, not a blip: the worker's spawns and ticks must ride it out.
    await sleep(3_000);

    await postgres.start();
    const back = Date.now();
    await until("health to be ok again", async () => (await call(stack, "GET", "/api/v1/health")).status === 200);
    await until("the api to read the database again", async () => (await call(stack, "GET", `/api/v1/users/${sessions[0]!.username}/server`, { session: sessions[0]! })).status === 200);
    console.info(`[faults] PostgreSQL back → health and reads ok after ${Date.now() - back} ms`);
    for (const s of during) {
      const answer = await start(s);
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      accepted.set(s.username, answer.body.server.id);
    }

    // Every accepted start runs, in one container, reachable through the gateway.
    for (const [username, serverId] of accepted) {
      await untilRunning(stack.db, serverId);
      expect(await serverContainers(serverId)).toHaveLength(1);
      const session = sessions.find((s) => s.username === username)!;
      await until(`${username}'s server to answer through the gateway`, () => reachable(stack, session), 30_000);
    }
    console.info(`[faults] PostgreSQL back → all ${accepted.size} accepted servers running and reachable after ${Date.now() - back} ms`);
    expect(accepted.size).toBe(sessions.length);
    for (const name of ["api", "gateway", "worker"] as const) expect(stack.pid(name), `${name} survived`).not.toBeNull();
  }, 300_000);
});
