import Docker from "dockerode";
import { randomBytes } from "node:crypto";
import { createSession, SESSION_COOKIE } from "@aula/domain";
import { createCourseWithWeeks, enrollTestUser } from "@aula/domain/testing";
import { ensurePublishedPython } from "@aula/docker/testing";
import type { Stack } from "../../e2e/src/stack";
import { sleep, waitFor200 } from "./procs";

// Students of one course on the published python environment, signed in with a session made
// directly in the database (the login route's argon2 check is not what these scenarios measure),
// and their servers started and stopped through the API, as the portal does.

export interface BenchCourse {
  id: string;
  slug: string;
  image: string;
}

export interface Student {
  name: string;
  userId: string;
  cookie: string;
  csrf: string;
}

export interface RunningServer {
  id: string;
  hostPort: number;
  token: string;
}

export async function setupCourse(stack: Stack): Promise<BenchCourse> {
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const published = await ensurePublishedPython(stack.db, docker);
  const env = await stack.db.environment.findUniqueOrThrow({ where: { name: "python" } });
  const course = await createCourseWithWeeks(stack.db, { environmentId: env.id, weeks: 1, released: 1 });
  return { id: course.id, slug: course.slug, image: published.build.imageTag || env.publishedImage! };
}

export async function newStudent(stack: Stack, course: BenchCourse, prefix = "bench"): Promise<Student> {
  const name = `${prefix}${randomBytes(4).toString("hex")}`;
  // A known password skips nothing that matters here: createUser still hashes it once.
  await stack.createUser({ username: name, role: "student", password: `pw-${randomBytes(8).toString("hex")}` });
  const user = await stack.db.user.findUniqueOrThrow({ where: { username: name } });
  await enrollTestUser(stack.db, { courseId: course.id, userId: user.id });
  const session = await createSession(stack.db, { userId: user.id });
  return { name, userId: user.id, cookie: `${SESSION_COOKIE}=${session.secret}`, csrf: session.csrfToken };
}

export async function pressStart(stack: Stack, s: Student, course: BenchCourse): Promise<number> {
  const r = await fetch(`${stack.url}/api/v1/users/${s.name}/server`, {
    method: "POST",
    headers: { cookie: s.cookie, "x-aula-csrf": s.csrf, "content-type": "application/json" },
    body: JSON.stringify({ course: course.slug, week: 1 }),
  });
  await r.arrayBuffer();
  return r.status;
}

export async function startServer(stack: Stack, s: Student, course: BenchCourse, deadlineMs = 90_000): Promise<RunningServer> {
  const status = await pressStart(stack, s, course);
  if (status !== 202) throw new Error(`start refused for ${s.name}: ${status}`);
  await waitFor200(`${stack.url}/user/${s.name}/api/status`, { cookie: s.cookie }, deadlineMs);
  return runningServer(stack, s);
}

export async function runningServer(stack: Stack, s: Student): Promise<RunningServer> {
  const row = await stack.db.server.findFirstOrThrow({ where: { userId: s.userId, status: "RUNNING" }, orderBy: { createdAt: "desc" } });
  if (row.hostPort === null) throw new Error(`server of ${s.name} has no port`);
  return { id: row.id, hostPort: row.hostPort, token: row.token };
}

/** Asks for the stop and waits (bounded) until the row says stopped. */
export async function stopServer(stack: Stack, s: Student, deadlineMs = 60_000): Promise<void> {
  const del = await fetch(`${stack.url}/api/v1/users/${s.name}/server`, { method: "DELETE", headers: { cookie: s.cookie, "x-aula-csrf": s.csrf } });
  await del.arrayBuffer();
  if (del.status !== 202) throw new Error(`stop refused for ${s.name}: ${del.status}`);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const r = (await (await fetch(`${stack.url}/api/v1/users/${s.name}/server`, { headers: { cookie: s.cookie } })).json()) as { server: { status: string } | null };
    if (!r.server || r.server.status === "stopped" || r.server.status === "failed") return;
    if (Date.now() > deadline) throw new Error(`server of ${s.name} did not stop within ${deadlineMs} ms`);
    await sleep(100);
  }
}
