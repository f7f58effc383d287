import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { createUser, verifyPassword } from "@aula/domain";
import { parseSessionMessage, sessionsChannel } from "@aula/queue/messages";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CliEnv } from "../env";
import { runCommand } from "./index";

// `./aula user reset-password` against the real database and Redis: the old sessions end in
// the database and the running processes are told at once (revoke-user), like a reset from the api.

describe("./aula user reset-password", () => {
  let database: TestDatabase;
  let subscriber: Redis;
  const prefix = `aula-test-cli-${randomBytes(4).toString("hex")}`;
  const messages: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    subscriber = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    subscriber.on("message", (_channel: string, raw: string) => messages.push(raw));
    await subscriber.subscribe(sessionsChannel(prefix));
  });

  afterAll(async () => {
    subscriber?.disconnect();
    await database?.drop();
  });

  it("sets a new password, revokes the sessions and announces revoke-user", async () => {
    const { user } = await createUser(database.db, { username: "rosa", displayName: "Rosa", role: "student" });
    await database.db.session.create({ data: { userId: user.id, tokenHash: randomBytes(32).toString("hex"), csrfToken: "x", expiresAt: new Date(Date.now() + 3_600_000) } });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const env = { DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", AULA_REDIS_PREFIX: prefix } as CliEnv;
    let printed = "";
    try {
      await runCommand(env, "user", ["reset-password", "rosa"]);
      printed = log.mock.calls.map((c) => String(c[0])).join("\n");
    } finally {
      log.mockRestore();
    }
    const password = /new password for rosa: (\S+)/.exec(printed)?.[1];
    expect(password).toBeDefined();
    const after = await database.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(after.passwordHash!, password!)).toBe(true);
    expect(await database.db.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
    for (let i = 0; i < 50 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(messages.map(parseSessionMessage)).toEqual([{ type: "revoke-user", userId: user.id }]);
  });
});
