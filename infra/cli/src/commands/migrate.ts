import { runMigrations } from "@aula/db";
import type { Context } from "./index";

export async function migrate({ env }: Context): Promise<void> {
  const result = await runMigrations({ url: env.DATABASE_URL, log: (line) => console.log(`    ${line}`) });
  if (result.applied.length === 0) console.log(`    database is up to date (${result.alreadyApplied.length} migrations)`);
}
