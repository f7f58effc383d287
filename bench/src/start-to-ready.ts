import Docker from "dockerode";
import { randomBytes } from "node:crypto";
import { createCourseWithWeeks, enrollTestUser } from "@aula/domain/testing";
import { ensurePublishedPython } from "@aula/docker/testing";
import { readProgressHistory } from "@aula/queue";
import { Redis } from "ioredis";
import type { Stack } from "../../e2e/src/stack";
import { figure, type Figure } from "./stats";

// Scenario 1: POST /api/v1/users/{name}/server → first 200 of /user/{name}/api/status through
// the gateway, against the floor: a plain `docker run` of the same image until Jupyter answers
// on its published port. Runs alternate so the machine's noise hits both alike.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollUntil200(url: string, headers: Record<string, string>, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await fetch(url, { headers, redirect: "manual" });
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`no 200 from ${url} within ${deadlineMs} ms`);
    await sleep(10);
  }
}

/** Total ms, and how much of it was Docker's create + start + inspect. */
async function floorRun(docker: Docker, image: string): Promise<{ total: number; docker: number }> {
  const token = randomBytes(24).toString("hex");
  const t0 = performance.now();
  const c = await docker.createContainer({
    Image: image,
    Env: [`JUPYTER_TOKEN=${token}`, "AULA_BASE_URL=/user/floor/"],
    ExposedPorts: { "8888/tcp": {} },
    HostConfig: { PortBindings: { "8888/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] } },
  });
  try {
    await c.start();
    const port = (await c.inspect()).NetworkSettings.Ports["8888/tcp"]?.[0]?.HostPort;
    const started = performance.now() - t0;
    await pollUntil200(`http://127.0.0.1:${port}/user/floor/api/status`, { authorization: `token ${token}` }, 60_000);
    return { total: performance.now() - t0, docker: started };
  } finally {
    await c.remove({ force: true }).catch(() => {});
  }
}

export interface StartToReadyResult {
  aula: Figure;
  floor: Figure;
  ratio: number;
  /**
   * Where Aula's time went (median ms), from the server row and the worker's progress events:
   * POST → claimed by the worker, → container spec ready, → Docker create+start done, → Jupyter
   * answered the worker, → the student's first 200 through the gateway.
   */
  phases: { claim: number; prepare: number; docker: number; boot: number; toStudent: number };
  /** The floor's Docker create + start + inspect, median ms (the rest is Jupyter's boot). */
  floorDocker: number;
}

export async function startToReady(stack: Stack, runs: number): Promise<StartToReadyResult> {
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const published = await ensurePublishedPython(stack.db, docker);
  const env = await stack.db.environment.findUniqueOrThrow({ where: { name: "python" } });
  const image = published.build.imageTag || env.publishedImage!;
  const course = await createCourseWithWeeks(stack.db, { environmentId: env.id, weeks: 1, released: 1 });
  const name = `bench${randomBytes(3).toString("hex")}`;
  const student = await stack.createUser({ username: name, role: "student" });
  const user = await stack.db.user.findUniqueOrThrow({ where: { username: name } });
  await enrollTestUser(stack.db, { courseId: course.id, userId: user.id });

  const login = await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: name, password: student.password }) });
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const headers = { cookie, "x-aula-csrf": csrfToken, "content-type": "application/json" };

  // One warm-up of each so first-touch costs (volume creation, page cache) are not measured.
  await floorRun(docker, image);
  const aula: number[] = [];
  const floor: number[] = [];
  const floorDocker: number[] = [];
  const phases: Record<keyof StartToReadyResult["phases"], number[]> = { claim: [], prepare: [], docker: [], boot: [], toStudent: [] };
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const post = await fetch(`${stack.url}/api/v1/users/${name}/server`, { method: "POST", headers, body: JSON.stringify({ course: course.slug, week: 1 }) });
    if (post.status !== 202) throw new Error(`start refused: ${post.status} ${await post.text()}`);
    try {
      await pollUntil200(`${stack.url}/user/${name}/api/status`, { cookie }, 90_000);
    } catch (error) {
      const state = await (await fetch(`${stack.url}/api/v1/users/${name}/server`, { headers: { cookie } })).text();
      throw new Error(`${(error as Error).message}\nserver: ${state}\nworker: ${stack.output("worker").slice(-2000)}`);
    }
    if (i > 0) {
      const took = performance.now() - t0;
      aula.push(took);
      const wallEnd = Date.now();
      const wallStart = wallEnd - took;
      const row = await stack.db.server.findFirstOrThrow({ where: { userId: user.id }, orderBy: { queuedAt: "desc" }, select: { id: true, startedAt: true, readyAt: true } });
      const at = new Map((await readProgressHistory(redis, stack.redisPrefix, row.id)).map((e) => [e.phase, Date.parse(e.at)]));
      const startedAt = row.startedAt!.getTime();
      phases.claim.push(startedAt - wallStart);
      phases.prepare.push(at.get("starting")! - startedAt);
      phases.docker.push(at.get("waiting")! - at.get("starting")!);
      phases.boot.push(row.readyAt!.getTime() - at.get("waiting")!);
      phases.toStudent.push(wallEnd - row.readyAt!.getTime());
    }
    const del = await fetch(`${stack.url}/api/v1/users/${name}/server`, { method: "DELETE", headers: { cookie, "x-aula-csrf": csrfToken } });
    if (del.status !== 202) throw new Error(`stop refused: ${del.status} ${await del.text()}`);
    for (let w = 0; ; w++) {
      const r = (await (await fetch(`${stack.url}/api/v1/users/${name}/server`, { headers: { cookie } })).json()) as { server: { status: string } | null };
      if (r.server?.status === "stopped") break;
      if (w > 600) throw new Error(`server did not stop within 60 s: ${JSON.stringify(r.server)}\nworker: ${stack.output("worker").slice(-3000)}`);
      await sleep(100);
    }
    if (i > 0) {
      const run = await floorRun(docker, image);
      floor.push(run.total);
      floorDocker.push(run.docker);
    }
  }
  redis.disconnect();
  const a = figure(aula);
  const f = figure(floor);
  const med = (xs: number[]) => figure(xs).median;
  return { aula: a, floor: f, ratio: a.median / f.median, phases: { claim: med(phases.claim), prepare: med(phases.prepare), docker: med(phases.docker), boot: med(phases.boot), toStudent: med(phases.toStudent) }, floorDocker: med(floorDocker) };
}
