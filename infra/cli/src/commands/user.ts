import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createUser, importUsersFromCsv, resetPassword } from "@aula/domain";
import { publishRevokeUser } from "@aula/queue/messages";
import { Redis } from "ioredis";

import type { Context } from "./index";

const roles: Record<string, "admin" | "instructor" | "student"> = { admin: "admin", instructor: "instructor", student: "student" };

export async function userCommand(ctx: Context, args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const db = ctx.db();
  switch (sub) {
    case "create": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { role: { type: "string", default: "student" }, name: { type: "string" }, email: { type: "string" } },
      });
      const username = positionals[0];
      const role = roles[values.role ?? ""];
      if (!username) throw new Error("usage: ./aula user create <username> --role admin|instructor|student [--name ..] [--email ..]");
      if (!role) throw new Error(`unknown role "${values.role}"; use admin, instructor or student`);
      const { user, password } = await createUser(db, {
        username,
        displayName: values.name ?? username,
        role,
        ...(values.email ? { email: values.email } : {}),
      });
      console.log(`created ${user.username} (${values.role}); password: ${password}`);
      return;
    }
    case "import": {
      const file = rest[0];
      if (!file) throw new Error("usage: ./aula user import <file.csv>");
      const report = await importUsersFromCsv(db, { csv: await readFile(file, "utf8"), actorId: null });
      console.log("row,username,password");
      for (const c of report.created) console.log(`${c.row},${c.username},${c.password}`);
      for (const r of report.refused) console.error(`refused row ${r.row}${r.username ? ` (${r.username})` : ""}: ${r.reason}`);
      console.error(`${report.created.length} created, ${report.refused.length} refused`);
      return;
    }
    case "reset-password": {
      const username = rest[0];
      if (!username) throw new Error("usage: ./aula user reset-password <username>");
      const { user, password } = await resetPassword(db, { username, actorId: null });
      console.log(`new password for ${username}: ${password}`);
      await announceRevokedSessions(ctx, user.id);
      return;
    }
    default:
      throw new Error("usage: ./aula user create|import|reset-password …");
  }
}

/**
 * The reset revoked the user's sessions in the database; this tells the running api and gateway
 * too (revoke-user), so their caches drop them and open notebook WebSockets close now rather than
 * within the caches' few seconds. Without Redis the database revocation still stands.
 */
async function announceRevokedSessions(ctx: Context, userId: string): Promise<void> {
  const redis = new Redis(ctx.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await publishRevokeUser(redis, ctx.env.AULA_REDIS_PREFIX, userId);
  } catch {
    console.error("warning: Redis did not answer, so running processes drop the old sessions within a few seconds instead of at once.");
  } finally {
    redis.disconnect();
  }
}
