// The Node half of ./aula: commands that need the database, Redis or Docker. The bash script
// has already installed and started the services and loaded .aula/env.
import { isAppError } from "@aula/contracts";
import { loadEnv } from "./env";
import { runCommand } from "./commands";

async function main(): Promise<void> {
  const env = loadEnv();
  const [command, ...args] = process.argv.slice(2);
  await runCommand(env, command ?? "help", args);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (isAppError(error)) console.error(`error: ${(error as Error).message}`);
    else console.error(error instanceof Error ? `error: ${error.message}` : error);
    process.exit(1);
  },
);
