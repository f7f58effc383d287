import { Redis } from "ioredis";
import { createPublishedEnvironment, createCourseWithWeeks } from "@aula/domain/testing";
import { readProgressHistory } from "@aula/queue";
import type { Stack } from "../../e2e/src/stack";
import { sleep } from "./procs";
import { importClass, pressStart, removeStudentVolumes, stopServer, type BenchCourse, type Student } from "./students";

// Scenario 2, GPU variant: the stack's worker has `gpus` simulated GPUs (AULA_GPUS=sim:…); a
// course whose week requires a GPU; `students` students (created through the API) press Start
// asking for a GPU within one second. Each server is stopped as soon as it runs, freeing its GPU
// for the next in line. Reported: the queue positions each waiting student was told (from the
// progress stream's history), whether any told position ever moved back, and the ledger checked
// for double allocation (at no instant more open intervals than GPUs, nor two on one slot).

export interface GpuStampedeResult {
  gpus: number;
  students: number;
  failures: number;
  failureReasons: string[];
  /** Press → last server served (RUNNING), ms. */
  allServedMs: number;
  /** Students who waited and were told a position; the largest position told. */
  toldPosition: number;
  maxPositionTold: number;
  /** Times a student's told position moved back (goal 0). */
  positionRegressions: number;
  ledgerIntervals: number;
  /** Most ledger intervals open at one instant (≤ gpus), and on one slot (1). */
  maxOpen: number;
  maxOpenPerSlot: number;
  unreleased: number;
}

function maxOverlap(intervals: { allocatedAt: Date; releasedAt: Date | null }[]): number {
  const events = intervals.flatMap((i) => [
    { t: i.allocatedAt.getTime(), d: 1 },
    { t: (i.releasedAt ?? new Date(8.64e15)).getTime(), d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (open += e.d));
  return max;
}

export async function gpuStampedeScenario(stack: Stack, image: string, opts: { gpus: number; students: number; boundMs: number }): Promise<GpuStampedeResult> {
  const environment = await createPublishedEnvironment(stack.db, { gpu: "REQUIRED", image });
  const c = await createCourseWithWeeks(stack.db, { environmentId: environment.id, weeks: 1, released: 1 });
  const course: BenchCourse = { id: c.id, slug: c.slug, image };
  const students = await importClass(stack, course, opts.students, "gp");
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  try {
    return await run(stack, course, students, redis, opts);
  } finally {
    redis.disconnect();
    await removeStudentVolumes(students.map((s) => s.name)).catch(() => undefined);
  }
}

async function run(stack: Stack, course: BenchCourse, students: Student[], redis: Redis, opts: { gpus: number; students: number; boundMs: number }): Promise<GpuStampedeResult> {
  const failureReasons: string[] = [];
  const t0 = performance.now();
  const deadline = Date.now() + opts.boundMs;
  let lastServed = 0;
  await Promise.all(
    students.map(async (s, i) => {
      await sleep((i * 1000) / students.length);
      const status = await pressStart(stack, s, course, "required");
      if (status !== 202) return void failureReasons.push(`${s.name}: start answered ${status}`);
      for (;;) {
        // As the start page does (it also follows the progress stream): the server's state.
        const r = await fetch(`${stack.url}/api/v1/users/${s.name}/server`, { headers: { cookie: s.cookie } });
        const row = ((await r.json()) as { server: { status: string; failureReason?: string | null } | null }).server;
        if (row?.status === "running") break;
        if (row?.status === "failed") return void failureReasons.push(`${s.name}: ${row.failureReason ?? "failed"}`);
        if (Date.now() > deadline) return void failureReasons.push(`${s.name}: not served before the deadline`);
        await sleep(200);
      }
      lastServed = Math.max(lastServed, performance.now() - t0);
      await stopServer(stack, s, 60_000).catch((e: unknown) => failureReasons.push(`${s.name} stop: ${(e as Error).message}`));
    }),
  );

  const servers = await stack.db.server.findMany({ where: { userId: { in: students.map((s) => s.userId) } }, select: { id: true } });
  let toldPosition = 0;
  let maxPositionTold = 0;
  let positionRegressions = 0;
  for (const server of servers) {
    const told = (await readProgressHistory(redis, stack.redisPrefix, server.id)).flatMap((e) => (e.phase === "queued" && e.position ? [e.position] : []));
    if (told.length > 0) toldPosition++;
    for (let i = 0; i < told.length; i++) {
      maxPositionTold = Math.max(maxPositionTold, told[i]!);
      if (i > 0 && told[i]! > told[i - 1]!) positionRegressions++;
    }
  }
  const ledger = await stack.db.gpuAllocation.findMany({ where: { serverId: { in: servers.map((s) => s.id) } } });
  const bySlot = new Map<string, typeof ledger>();
  for (const a of ledger) bySlot.set(`${a.gpuId}:${a.slot}`, [...(bySlot.get(`${a.gpuId}:${a.slot}`) ?? []), a]);
  return {
    gpus: opts.gpus,
    students: opts.students,
    failures: failureReasons.length,
    failureReasons: failureReasons.slice(0, 10),
    allServedMs: lastServed,
    toldPosition,
    maxPositionTold,
    positionRegressions,
    ledgerIntervals: ledger.length,
    maxOpen: maxOverlap(ledger),
    maxOpenPerSlot: Math.max(0, ...[...bySlot.values()].map(maxOverlap)),
    unreleased: ledger.filter((a) => a.releasedAt === null).length,
  };
}
