import { readdir } from "node:fs/promises";
import path from "node:path";
import { Redis } from "ioredis";
import type { Context } from "./index";
import { describeRecipe } from "./environments";

const ok = (what: string, detail: string) => console.log(`  \x1b[32mok\x1b[0m    ${what.padEnd(22)} ${detail}`);
const bad = (what: string, detail: string) => console.log(`  \x1b[31mfix\x1b[0m   ${what.padEnd(22)} ${detail}`);

/** The checks that need the database, Redis or Docker; the bash half checked the rest. */
export async function doctor(ctx: Context): Promise<void> {
  let problems = 0;
  try {
    const rows = await ctx.db().$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`;
    const files = (await readdir(path.join(ctx.env.ROOT, "prisma", "migrations"), { withFileTypes: true })).filter((d) => d.isDirectory()).length;
    if (rows.length >= files) ok("database", `connected, ${rows.length} migrations applied`);
    else {
      bad("database", `${files - rows.length} migration(s) not applied: ./aula up applies them`);
      problems++;
    }
  } catch (error) {
    bad("database", `cannot connect with DATABASE_URL from .aula/env (${(error as Error).message.split("\n")[0]}): ./aula up creates it`);
    problems++;
  }
  const redis = new Redis(ctx.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const policy = await redis.config("GET", "maxmemory-policy");
    const value = Array.isArray(policy) ? String(policy[1]) : "";
    if (value === "noeviction") ok("redis policy", "noeviction (BullMQ needs it)");
    else {
      bad("redis policy", `maxmemory-policy is ${value}: BullMQ jobs could be evicted; set it to noeviction`);
      problems++;
    }
  } catch {
    bad("redis", `cannot connect to ${ctx.env.REDIS_URL}`);
    problems++;
  } finally {
    redis.disconnect();
  }
  try {
    ok("image recipe", await describeRecipe());
  } catch (error) {
    bad("image recipe", `could not decide: ${(error as Error).message}`);
    problems++;
  }
  try {
    const envs = await ctx.db().environment.findMany({ select: { name: true, publishedImage: true } });
    const missing = envs.filter((e) => !e.publishedImage).map((e) => e.name);
    if (envs.length > 0 && missing.length < envs.length) ok("environments", `published: ${envs.filter((e) => e.publishedImage).map((e) => e.name).join(", ")}${missing.length ? `; not yet: ${missing.join(", ")} (./aula env build <name>)` : ""}`);
    else {
      bad("environments", "none published: ./aula up builds python, ./aula env build <name> the others");
      problems++;
    }
  } catch {
    /* the database check above already said why */
  }
  if (problems > 0) throw new Error(`${problems} problem(s) in the platform's state`);
}
