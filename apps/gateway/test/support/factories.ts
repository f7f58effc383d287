import { randomBytes } from "node:crypto";
import type { Db, Role } from "@aula/db";
import { hashSecret, newApiToken, newServerToken, newSessionSecret } from "@aula/domain";

// Small named factories: each creates exactly what its name says, with unique names so the
// tests in one file never collide.

const suffix = (): string => randomBytes(3).toString("hex");

export async function createUser(db: Db, opts: { username?: string; role?: Role } = {}) {
  return db.user.create({ data: { username: opts.username ?? `u${suffix()}`, displayName: "Gateway Test", role: opts.role ?? "STUDENT" } });
}

/** A live portal session; returns the cookie secret the browser would hold. */
export async function createSession(db: Db, userId: string): Promise<string> {
  const secret = newSessionSecret();
  await db.session.create({ data: { userId, tokenHash: hashSecret(secret), csrfToken: "csrf", expiresAt: new Date(Date.now() + 3_600_000) } });
  return secret;
}

export async function createApiToken(db: Db, userId: string): Promise<string> {
  const token = newApiToken();
  await db.apiToken.create({ data: { userId, name: "test", prefix: token.slice(0, 12), tokenHash: hashSecret(token) } });
  return token;
}

/** A RUNNING server row published on `hostPort`, with everything its foreign keys need. */
export async function createRunningServer(db: Db, opts: { userId: string; username: string; hostPort: number }) {
  const s = suffix();
  const environment = await db.environment.create({ data: { name: `env-${s}`, title: "Env", stage: "test", publishedImage: `aula-env/env-${s}:test` } });
  const course = await db.course.create({ data: { slug: `course-${s}`, title: "Course" } });
  const week = await db.week.create({ data: { courseId: course.id, number: 1, title: "Week 1", environmentId: environment.id } });
  return db.server.create({
    data: {
      userId: opts.userId,
      courseId: course.id,
      weekId: week.id,
      environmentId: environment.id,
      image: `aula-env/env-${s}:test`,
      status: "RUNNING",
      containerName: `aula-${opts.username}`,
      hostPort: opts.hostPort,
      token: newServerToken(),
      cpus: 1,
      memoryMb: 512,
      shmMb: 64,
      readyAt: new Date(),
    },
  });
}
