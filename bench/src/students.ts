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

export async function pressStart(stack: Stack, s: Student, course: BenchCourse, gpu?: "required"): Promise<number> {
  const r = await fetch(`${stack.url}/api/v1/users/${s.name}/server`, {
    method: "POST",
    headers: { cookie: s.cookie, "x-aula-csrf": s.csrf, "content-type": "application/json" },
    body: JSON.stringify({ course: course.slug, week: 1, ...(gpu ? { gpu } : {}) }),
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
    // Not faster: a class of 100 polling every 100 ms is 1,000 requests/s competing with the stops.
    await sleep(250);
  }
}

/**
 * A class created the way an instructor does it, through the API: one roster CSV import (new
 * accounts, generated passwords, enrolled), then each student signs in with POST /auth/login.
 * Their volumes are not the stack's to clean up: removeStudentVolumes does that.
 */
export async function importClass(stack: Stack, course: BenchCourse, n: number, prefix: string): Promise<Student[]> {
  const instructor = await stack.createUser({ username: `${prefix}i${randomBytes(3).toString("hex")}`, role: "instructor", password: `pw-${randomBytes(8).toString("hex")}` });
  const iu = await stack.db.user.findUniqueOrThrow({ where: { username: instructor.username } });
  await enrollTestUser(stack.db, { courseId: course.id, userId: iu.id, role: "INSTRUCTOR" });
  const teacher = await login(stack, instructor.username, instructor.password);
  const tag = randomBytes(3).toString("hex");
  const csv = ["username,display name,email", ...Array.from({ length: n }, (_, i) => `${prefix}${tag}${i},Student ${i},`)].join("\n");
  const r = await fetch(`${stack.url}/api/v1/courses/${course.slug}/roster/import`, {
    method: "POST",
    headers: { cookie: teacher.cookie, "x-aula-csrf": teacher.csrf, "content-type": "text/csv" },
    body: csv,
  });
  const report = (await r.json()) as { created?: { username: string; password: string }[]; refused?: unknown[] };
  if (r.status !== 200 || report.created?.length !== n) throw new Error(`roster import answered ${r.status}: ${JSON.stringify(report).slice(0, 300)}`);
  const users = await stack.db.user.findMany({ where: { username: { in: report.created.map((c) => c.username) } }, select: { id: true, username: true } });
  const ids = new Map(users.map((u) => [u.username, u.id]));
  const students: Student[] = [];
  // Two at a time: argon2 verification is the cost, and the machine has two cores.
  for (let i = 0; i < report.created.length; i += 2) {
    const batch = report.created.slice(i, i + 2);
    const signed = await Promise.all(batch.map((c) => login(stack, c.username, c.password)));
    batch.forEach((c, j) => students.push({ name: c.username, userId: ids.get(c.username)!, ...signed[j]! }));
  }
  return students;
}

async function login(stack: Stack, username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  const body = (await r.json()) as { csrfToken?: string };
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(";")[0];
  if (r.status !== 200 || !cookie || !body.csrfToken) throw new Error(`login of ${username} answered ${r.status}`);
  return { cookie, csrf: body.csrfToken };
}

/** Removes the volumes (label aula.user) of students the stack did not create itself. */
export async function removeStudentVolumes(names: string[]): Promise<void> {
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  for (const name of names) {
    const { Volumes } = await docker.listVolumes({ filters: { label: [`aula.user=${name}`] } });
    for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
}
