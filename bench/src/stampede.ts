import Docker from "dockerode";
import { availableParallelism } from "node:os";
import { randomBytes, randomUUID } from "node:crypto";
import { buildContainerSpec, type ContainerSpecOptions } from "@aula/docker";
import { readProgressHistory } from "@aula/queue";
import { Redis } from "ioredis";
import type { Stack } from "../../e2e/src/stack";
import { controlPlaneRss, sleep } from "./procs";
import { importClass, pressStart, removeStudentVolumes, stopServer, type BenchCourse, type Student } from "./students";

// Scenario 2 and 6b: `n` students, created through the API (roster import, then each signs in),
// press Start within one second; failures, time until
// all are ready (first 200 of /user/<name>/api/status through the gateway) and the order of
// service; the control plane's RSS while all `n` servers run; then all stop. In the same run the
// floor: the same number of containers of the same image started by a plain script (dockerode,
// each until Jupyter answers on its published port) at the best of a few concurrencies.

export interface StampedeOptions {
  students: number;
  boundMs: number;
  /** Concurrencies the plain script tries, each on `floorSample` containers. */
  floorConcurrencies: number[];
  floorSample: number;
}

export interface StampedeResult {
  students: number;
  /** Starts refused or not ready within the bound (stop problems are listed in failureReasons only). */
  failures: number;
  failureReasons: string[];
  /** Press → all ready, ms. */
  allReadyMs: number;
  /** Press → ready per student, in press order, ms (NaN: failed). */
  readyMs: number[];
  /** Kendall-style share of student pairs served in the order they pressed (1 = strict FIFO). */
  orderConcordance: number;
  /** RSS per control-plane process with all servers running, MiB. */
  controlPlaneRssMb: Record<string, number>;
  controlPlaneRssTotalMb: number;
  /**
   * Where the time went, from the servers' own timestamps (median, max; ms): waiting in the
   * queue (queued → claimed by a spawn job), the spawn itself (claimed → Jupyter answered), and
   * from the row saying RUNNING to the student's first 200 through the gateway.
   */
  phases: {
    queueWait: [number, number];
    spawn: [number, number];
    readyToStudent: [number, number];
    spawnSteps: { prepare: [number, number]; docker: [number, number]; boot: [number, number] };
  };
  /** byConcurrency: all-ready ms for `sample` containers at each concurrency tried. */
  /** aulaSpecSampleMs: the sample at the best concurrency with Aula's container spec. */
  floor: { bestConcurrency: number; allReadyMs: number; sample: number; byConcurrency: Record<string, number>; aulaSpecSampleMs: number; aulaSpecN: number };
  /** allReadyMs / floor (goal ≤ 1.2). */
  ratio: number;
}

async function waitReady(url: string, headers: Record<string, string>, deadline: number, intervalMs = 100): Promise<number> {
  for (;;) {
    try {
      const r = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(5_000) });
      await r.arrayBuffer();
      if (r.status === 200) return performance.now();
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`not ready before the deadline`);
    await sleep(intervalMs);
  }
}

/**
 * What the start page does: follow the spawn's progress stream (SSE) until it says ready, then
 * open the server. Returns when the server first answers 200 through the gateway. Polling every
 * student's server every 100 ms instead put 1,000 requests/s on the gateway during the class
 * start, CPU the plain script's runs never had to share.
 */
async function followUntilReady(stack: Stack, s: Student, deadline: number): Promise<number> {
  const ms = Math.max(1, deadline - Date.now());
  const r = await fetch(`${stack.url}/api/v1/users/${s.name}/server/progress`, { headers: { cookie: s.cookie, accept: "text/event-stream" }, signal: AbortSignal.timeout(ms) });
  if (r.status !== 200 || !r.body) throw new Error(`progress stream answered ${r.status}`);
  const decoder = new TextDecoder();
  let buffer = "";
  let last = "";
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).split("\n").find((l) => l.startsWith("data: "));
      buffer = buffer.slice(end + 2);
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as { phase: string; message?: string };
      last = event.phase;
      if (event.phase === "failed" || event.phase === "stopped") throw new Error(`spawn ${event.phase}: ${event.message ?? ""}`);
      if (event.phase === "ready") {
        await r.body.cancel().catch(() => undefined);
        return waitReady(`${stack.url}/user/${s.name}/api/status`, { cookie: s.cookie }, deadline, 10);
      }
    }
  }
  throw new Error(`progress stream ended at "${last}"`);
}

/** Adds each failed student's server row and stored progress to the reasons, and prints the worker's last output. */
async function explainFailures(stack: Stack, students: Student[], reasons: string[]): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  try {
    for (let i = 0; i < reasons.length; i++) {
      const s = students.find((st) => reasons[i]!.startsWith(`${st.name}:`));
      const row = s && (await stack.db.server.findFirst({ where: { userId: s.userId }, orderBy: { queuedAt: "desc" }, select: { id: true, status: true, failureReason: true, queuedAt: true, startedAt: true, readyAt: true } }));
      if (!row) continue;
      const phases = (await readProgressHistory(redis, stack.redisPrefix, row.id)).map((e) => `${e.phase}@${e.at.slice(11, 23)}`);
      reasons[i] += ` [server ${row.status}${row.failureReason ? `: ${row.failureReason}` : ""}; queued ${row.queuedAt.toISOString().slice(11, 23)}, started ${row.startedAt?.toISOString().slice(11, 23) ?? "-"}, ready ${row.readyAt?.toISOString().slice(11, 23) ?? "-"}; progress ${phases.join(" ") || "none"}]`;
    }
  } finally {
    redis.disconnect();
  }
  console.error(`[bench] stampede failures:\n${reasons.join("\n")}\n--- worker ---\n${stack.output("worker").slice(-4000)}\n--- api ---\n${stack.output("api").slice(-2000)}`);
}

async function floorRun(docker: Docker, image: string, n: number, concurrency: number, boundMs: number, aulaSpec?: AulaSpec): Promise<number> {
  const ids: string[] = [];
  const t0 = performance.now();
  const deadline = Date.now() + boundMs;
  let next = 0;
  const one = async (i: number) => {
    const token = randomBytes(24).toString("hex");
    const c = await docker.createContainer(
      aulaSpec
        ? { ...buildContainerSpec({ ...aulaSpec, username: `flr${aulaSpec.tag}${i}`, serverId: randomUUID(), token, baseUrl: "/user/floor/", name: `aula-bench-flr${aulaSpec.tag}${i}` }), Labels: { "aula.bench.floor": "1" } }
        : {
            Image: image,
            Env: [`JUPYTER_TOKEN=${token}`, "AULA_BASE_URL=/user/floor/"],
            Labels: { "aula.bench.floor": "1" },
            ExposedPorts: { "8888/tcp": {} },
            HostConfig: { PortBindings: { "8888/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] } },
          },
    );
    ids.push(c.id);
    await c.start();
    const port = (await c.inspect()).NetworkSettings.Ports["8888/tcp"]?.find((b) => b.HostIp === "127.0.0.1")?.HostPort;
    await waitReady(`http://127.0.0.1:${port}/user/floor/api/status`, { authorization: `token ${token}` }, deadline);
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n) }, async () => {
        while (next < n) await one(next++);
      }),
    );
    return performance.now() - t0;
  } finally {
    await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined)));
    if (aulaSpec) await removeStudentVolumes(Array.from({ length: n }, (_, i) => `flr${aulaSpec.tag}${i}`));
  }
}

/** Aula's own container spec for the script (volumes, limits, network), minus what is per server. */
type AulaSpec = Omit<ContainerSpecOptions, "username" | "serverId" | "token"> & { tag: string };

export async function stampedeScenario(stack: Stack, course: BenchCourse, opts: StampedeOptions): Promise<StampedeResult> {
  const students: Student[] = await importClass(stack, course, opts.students, "st");
  try {
    return await stampede(stack, course, opts, students);
  } finally {
    await removeStudentVolumes(students.map((s) => s.name)).catch(() => undefined);
  }
}

async function stampede(stack: Stack, course: BenchCourse, opts: StampedeOptions, students: Student[]): Promise<StampedeResult> {
  const failureReasons: string[] = [];
  const readyAt: number[] = new Array<number>(opts.students).fill(NaN);
  const t0 = performance.now();
  const deadline = Date.now() + opts.boundMs;
  // Everyone presses within one second, spread evenly.
  await Promise.all(
    students.map(async (s, i) => {
      await sleep((i * 1000) / opts.students);
      const status = await pressStart(stack, s, course);
      if (status !== 202) return void failureReasons.push(`${s.name}: start answered ${status}`);
      try {
        readyAt[i] = (await followUntilReady(stack, s, deadline)) - t0;
      } catch (e) {
        failureReasons.push(`${s.name}: ${(e as Error).message}`);
      }
    }),
  );
  const rss = controlPlaneRss(stack.redisPrefix);
  if (failureReasons.length > 0) await explainFailures(stack, students, failureReasons);
  const rows = await stack.db.server.findMany({ where: { userId: { in: students.map((s) => s.userId) } }, select: { userId: true, queuedAt: true, startedAt: true, readyAt: true } });
  const med = (xs: number[]): [number, number] => {
    const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return [v[Math.floor(v.length / 2)] ?? NaN, v[v.length - 1] ?? NaN];
  };
  const wallOf = (d: Date | null) => (d ? d.getTime() : NaN);
  const pressedAt = Date.now() - (performance.now() - t0);
  // Inside the spawn, from the progress events the worker publishes (their timestamps): claim →
  // "starting" (row, spec), "starting" → "waiting" (Docker: remove stale, create, start,
  // inspect), "waiting" → "ready" (Jupyter's boot, the workspace copy alongside).
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const steps: Record<"prepare" | "docker" | "boot", number[]> = { prepare: [], docker: [], boot: [] };
  try {
    const servers = await stack.db.server.findMany({ where: { userId: { in: students.map((s) => s.userId) } }, select: { id: true, startedAt: true } });
    for (const server of servers) {
      const at = new Map((await readProgressHistory(redis, stack.redisPrefix, server.id)).map((e) => [e.phase, Date.parse(e.at)]));
      steps.prepare.push((at.get("starting") ?? NaN) - wallOf(server.startedAt));
      steps.docker.push((at.get("waiting") ?? NaN) - (at.get("starting") ?? NaN));
      steps.boot.push((at.get("ready") ?? NaN) - (at.get("waiting") ?? NaN));
    }
  } finally {
    redis.disconnect();
  }
  const phases = {
    spawnSteps: { prepare: med(steps.prepare), docker: med(steps.docker), boot: med(steps.boot) },
    queueWait: med(rows.map((r) => wallOf(r.startedAt) - wallOf(r.queuedAt))),
    spawn: med(rows.map((r) => wallOf(r.readyAt) - wallOf(r.startedAt))),
    readyToStudent: med(students.map((s, i) => pressedAt + readyAt[i]! - wallOf(rows.find((r) => r.userId === s.userId)?.readyAt ?? null))),
  };
  const failures = failureReasons.length;
  const allReadyMs = Math.max(...readyAt.filter(Number.isFinite));
  let concordant = 0;
  let pairs = 0;
  for (let i = 0; i < readyAt.length; i++)
    for (let j = i + 1; j < readyAt.length; j++) {
      if (!Number.isFinite(readyAt[i]!) || !Number.isFinite(readyAt[j]!)) continue;
      pairs++;
      if (readyAt[i]! <= readyAt[j]!) concordant++;
    }
  await Promise.all(students.map((s) => stopServer(stack, s, 120_000).catch((e: unknown) => failureReasons.push(`${s.name} stop: ${(e as Error).message}`))));

  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  // The script's best concurrency is found on a sample (each candidate starting the same few
  // containers), then the whole class is started once at that concurrency: trying every
  // candidate with all 100 would take minutes each.
  const sample = Math.min(opts.students, opts.floorSample);
  const byConcurrency: Record<string, number> = {};
  for (const c of opts.floorConcurrencies) byConcurrency[String(c)] = await floorRun(docker, course.image, sample, c, opts.boundMs);
  const bestConcurrency = Number(Object.entries(byConcurrency).sort((a, b) => a[1] - b[1])[0]![0]);
  // The same script at its best concurrency, but with Aula's container spec (three named
  // volumes, CPU/memory/pids limits, dropped capabilities, the student network): how much of
  // the gap is Docker doing more per container rather than Aula's orchestration.
  const env = await stack.db.environment.findUniqueOrThrow({ where: { name: "python" } });
  // AULA_BENCH_SPEC_FULL=1 runs it with the whole class instead of the sample (a diagnosis: does
  // Docker's cost per container grow with the number running?).
  const specN = process.env.AULA_BENCH_SPEC_FULL === "1" ? opts.students : sample;
  const aulaSpecSampleMs = await floorRun(docker, course.image, specN, bestConcurrency, opts.boundMs, {
    tag: randomBytes(2).toString("hex"),
    environment: "python",
    image: course.image,
    cpus: Math.min(env.defaultCpus, availableParallelism()),
    memoryMb: env.defaultMemoryMb,
    shmMb: env.defaultShmMb,
    deployment: "aula-bench-floor",
  });
  const floorMs = sample === opts.students ? byConcurrency[String(bestConcurrency)]! : await floorRun(docker, course.image, opts.students, bestConcurrency, opts.boundMs);
  return {
    students: opts.students,
    failures,
    failureReasons: failureReasons.slice(0, 10),
    allReadyMs,
    readyMs: readyAt,
    orderConcordance: pairs ? concordant / pairs : NaN,
    controlPlaneRssMb: rss,
    phases,
    controlPlaneRssTotalMb: Object.values(rss).reduce((a, b) => a + b, 0),
    floor: { bestConcurrency, allReadyMs: floorMs, sample, byConcurrency, aulaSpecSampleMs, aulaSpecN: specN },
    ratio: allReadyMs / floorMs,
  };
}
