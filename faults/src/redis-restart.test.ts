import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startStack, type Stack } from "@aula/e2e/stack";
import { call, signIn, type ErrorBody, type Session } from "./support/client";
import { createFaultCourse, type FaultCourse } from "./support/course";
import { FAULT_PORTS } from "./support/ports";
import { startPrivateRedis, type PrivateRedis } from "./support/private-redis";
import { dumpOutputs, reachable, serverContainers, untilRunning } from "./support/servers";
import { until } from "./support/waits";

// Fault: Redis dies (SIGKILL) while spawns are in flight and comes back a few seconds later.
// Redis here is a private redis-server the test owns; the shared one is never touched.

describe("Redis restarted under load", () => {
  let redis: PrivateRedis;
  let stack: Stack;
  let course: FaultCourse;
  const sessions: Session[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis(FAULT_PORTS.redis);
    stack = await startStack({
      web: false,
      worker: true,
      ports: FAULT_PORTS.stack,
      redisUrl: redis.url,
      workerEnv: { AULA_SPAWN_LOCK_S: "3", AULA_RECONCILE_EVERY_S: "3", AULA_GPUS: "none" },
    });
    course = await createFaultCourse(stack, { students: 5 });
    for (const student of course.students) sessions.push(await signIn(stack, student));
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it("loses no accepted spawn, answers 503 service_unavailable while Redis is down, and recovers by itself", async () => {
    onTestFailed(() => dumpOutputs(stack));
    const start = (s: Session) => call<{ server: { id: string } } & ErrorBody>(stack, "POST", `/api/v1/users/${s.username}/server`, { session: s, body: { course: course.slug, week: 1, gpu: "none" } });
    const accepted = new Map<string, { session: Session; serverId: string }>();
    const before = sessions.slice(0, 3);
    const during = sessions.slice(3);

    // Load: three starts accepted, then Redis dies while their spawns are under way.
    for (const answer of await Promise.all(before.map(start))) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    }
    for (const [i, s] of before.entries()) {
      const row = await stack.db.server.findFirstOrThrow({ where: { user: { username: s.username } } });
      accepted.set(s.username, { session: before[i]!, serverId: row.id });
    }
    await redis.kill();

    // While it is down: every request gets an answer (a bound, never a hang), with a code.
    const downAnswers: string[] = [];
    const health = await call<{ status: string; checks: { redis: string } }>(stack, "GET", "/api/v1/health");
    downAnswers.push(`health ${health.status} in ${health.ms} ms`);
    expect(health.status).toBe(503);
    expect(health.body.checks.redis).toBe("down");
    const login = await call<ErrorBody>(stack, "POST", "/api/v1/auth/login", { body: { username: course.students[0]!.username, password: course.students[0]!.password } });
    downAnswers.push(`login ${login.status} ${login.body.error?.code} in ${login.ms} ms`);
    expect(login.status, JSON.stringify(login.body)).toBe(503);
    expect(login.body.error?.code).toBe("service_unavailable");
    for (const s of during) {
      const answer = await start(s);
      downAnswers.push(`start ${answer.status} ${answer.body.error?.code ?? ""} in ${answer.ms} ms`);
      // Either refused with the code, or accepted: then it is in the database and must run.
      if (answer.status === 202) accepted.set(s.username, { session: s, serverId: answer.body.server.id });
      else {
        expect(answer.status, JSON.stringify(answer.body)).toBe(503);
        expect(answer.body.error?.code).toBe("service_unavailable");
      }
    }
    console.info(`[faults] answers while Redis was down: ${downAnswers.join("; ")}`);

    await redis.start();
    const back = Date.now();

    // Recovers by itself: no process was restarted.
    await until("health to be ok again", async () => (await call(stack, "GET", "/api/v1/health")).status === 200);
    await until("login to work again", async () => (await call(stack, "POST", "/api/v1/auth/login", { body: { username: course.students[0]!.username, password: course.students[0]!.password } })).status === 200);
    console.info(`[faults] Redis back → health and login ok after ${Date.now() - back} ms`);
    // A start refused while Redis was down goes through now.
    for (const s of during.filter((s) => !accepted.has(s.username))) {
      const answer = await start(s);
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      accepted.set(s.username, { session: s, serverId: answer.body.server.id });
    }

    // No accepted spawn is lost: each one runs, in one container, reachable through the gateway.
    for (const { session, serverId } of accepted.values()) {
      await untilRunning(stack.db, serverId);
      expect(await serverContainers(serverId)).toHaveLength(1);
      await until(`${session.username}'s server to answer through the gateway`, () => reachable(stack, session), 30_000);
    }
    console.info(`[faults] Redis back → all ${accepted.size} accepted servers running and reachable after ${Date.now() - back} ms`);
    expect(accepted.size).toBe(sessions.length);
    for (const name of ["api", "gateway", "worker"] as const) expect(stack.pid(name), `${name} survived`).not.toBeNull();
  }, 300_000);
});
