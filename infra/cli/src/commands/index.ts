import { createDb, type Db } from "@aula/db";
import type { CliEnv } from "../env";
import { migrate } from "./migrate";
import { bootstrapAdmin, printCredentials } from "./admin";
import { userCommand } from "./user";
import { envCommand } from "./environments";
import { seedCommand } from "./seed";
import { doctor } from "./doctor";

export interface Context {
  env: CliEnv;
  db(): Db;
}

export async function runCommand(env: CliEnv, command: string, args: string[]): Promise<void> {
  let db: Db | undefined;
  const ctx: Context = { env, db: () => (db ??= createDb({ url: env.DATABASE_URL, max: 4 })) };
  try {
    switch (command) {
      case "migrate":
        return await migrate(ctx);
      case "bootstrap-admin":
        return await bootstrapAdmin(ctx);
      case "print-credentials":
        return await printCredentials(ctx);
      case "user":
        return await userCommand(ctx, args);
      case "env":
        return await envCommand(ctx, args);
      case "seed":
        return await seedCommand(ctx, args);
      case "doctor":
        return await doctor(ctx);
      default:
        throw new Error(`unknown command "${command}"; see ./aula help`);
    }
  } finally {
    await db?.$disconnect();
  }
}
