import { randomBytes } from "node:crypto";
import { hashPassword, hashSecret, newCsrfToken, newSessionSecret, SESSION_COOKIE } from "@aula/domain";
import type { Stack } from "../../e2e/src/stack";
import { load, type LoadResult } from "./load";
import { pacedLoad } from "./paced-load";
import { sleep, stackProcesses } from "./procs";
import type { BenchCourse } from "./students";
import { figure, type Figure } from "./stats";

// Scenario 5: `students` students in the database (inserted directly, all with one precomputed
// argon2 hash: hashing each would take minutes and is not what is measured), enrolled in the
// course; `sessions` of them signed in, one per connection, loading the student dashboard data
// (`GET /api/v1/me/courses`) and `GET /api/v1/me` in turn. Through the gateway (as browsers do)
// and, as the baseline in the same run, straight to the api's port.

const SETTLE_MS = 2_000;
/**
 * Paced runs last this many times longer than closed ones: at ~440 req/s a 5 s run has ~2,200
 * samples, so its p99 is the 22 slowest and one scheduling hiccup on two cores moves it by 2×.
 */
const PACED_LONGER = 3;

export interface ApiTargetFigures {
  rps: Figure;
  p50: Figure;
  p99: Figure;
  failures: number;
  /** The api process's CPU per 1,000 requests, ms. */
  apiCpuPer1k: Figure;
}

export interface ApiLoadResult {
  students: number;
  sessions: number;
  /** Closed loop: every session sends its next request the moment the last one is answered (saturation). */
  gateway: ApiTargetFigures;
  direct: ApiTargetFigures;
  /**
   * Sessions with think time: each loads the dashboard (`me` + `me/courses`) once per
   * `thinkS` seconds on average (exponential think time), through the gateway; `rate` the
   * requests/s that offers over all sessions.
   */
  paced: ApiTargetFigures & { thinkS: number; rate: number };
  /** gateway p99, closed loop (goal ≤ 20 ms). */
  p99Ms: number;
  /** gateway / direct requests/s. */
  rpsVsDirect: number;
}

export async function apiLoadScenario(stack: Stack, course: BenchCourse, opts: { students: number; sessions: number; reps: number; duration: number }): Promise<ApiLoadResult> {
  const db = stack.db;
  const tag = randomBytes(3).toString("hex");
  const passwordHash = await hashPassword(`pw-${randomBytes(8).toString("hex")}`);
  const names = Array.from({ length: opts.students }, (_, i) => `ld${tag}${i}`);
  await db.user.createMany({ data: names.map((username) => ({ username, displayName: `Load ${username}`, role: "STUDENT" as const, passwordHash })) });
  const users = await db.user.findMany({ where: { username: { in: names } }, select: { id: true } });
  await db.enrollment.createMany({ data: users.map((u) => ({ courseId: course.id, userId: u.id, role: "STUDENT" as const })) });
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 24 * 3600_000);
  const secrets = users.slice(0, opts.sessions).map((u) => ({ userId: u.id, secret: newSessionSecret() }));
  await db.session.createMany({ data: secrets.map((s) => ({ userId: s.userId, tokenHash: hashSecret(s.secret), csrfToken: newCsrfToken(), createdAt: now, lastSeenAt: now, expiresAt })) });
  const cookieFor = (i: number) => ({ cookie: `${SESSION_COOKIE}=${secrets[i % secrets.length]!.secret}` });

  const apiPid = stackProcesses(stack.redisPrefix).find((p) => p.name === "api")?.pid;
  const paths = ["/api/v1/me/courses", "/api/v1/me"];
  const origins = { gateway: stack.url, direct: `http://127.0.0.1:${stack.ports.api}` };
  const pids = apiPid ? [apiPid] : [];
  const run = (origin: string, duration: number) => load({ url: `${origin}/api/v1/me`, paths, connections: opts.sessions, duration, headersFor: cookieFor, pids });
  // A student on the dashboard does not reload it the moment it arrives. One load (two
  // requests) per session per second on average is still a class all pressing reload together.
  const thinkS = 1;
  const rate = (opts.sessions * paths.length) / thinkS;
  const runPaced = (duration: number) => pacedLoad({ origin: origins.gateway, paths, sessions: opts.sessions, thinkS, duration, headersFor: cookieFor, pids });

  // Warm-up: session lookups, JIT, connection pools.
  await run(origins.gateway, 1);
  await run(origins.direct, 1);
  const runs: Record<"gateway" | "direct" | "paced", LoadResult[]> = { gateway: [], direct: [], paced: [] };
  for (let rep = 0; rep < opts.reps; rep++) {
    const order = rep % 2 === 0 ? (["gateway", "direct", "paced"] as const) : (["paced", "direct", "gateway"] as const);
    for (const t of order) {
      // A closed-loop run ends with requests still queued in the api and gateway (its p99 is
      // seconds): the next run starts on a drained system, or it measures that backlog. Paced
      // runs right after a closed one measured p99 31 ms against 10 ms in the same run.
      await sleep(SETTLE_MS);
      runs[t].push(t === "paced" ? await runPaced(opts.duration * PACED_LONGER) : await run(origins[t], opts.duration));
    }
  }
  const f = (rs: LoadResult[]): ApiTargetFigures => ({
    rps: figure(rs.map((r) => r.rps)),
    p50: figure(rs.map((r) => r.p50)),
    p99: figure(rs.map((r) => r.p99)),
    failures: rs.reduce((a, r) => a + r.failures, 0),
    apiCpuPer1k: figure(rs.map((r) => r.cpuPer1k)),
  });
  const gateway = f(runs.gateway);
  const direct = f(runs.direct);
  const paced = { ...f(runs.paced), thinkS, rate };
  return { students: opts.students, sessions: opts.sessions, gateway, direct, paced, p99Ms: gateway.p99.median, rpsVsDirect: gateway.rps.median / direct.rps.median };
}
