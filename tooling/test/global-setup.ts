import { execFileSync } from "node:child_process";
import net from "node:net";
import { dropTestTemplate, prepareTestTemplate } from "@aula/db";

async function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
    socket.on("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// Tests need the real services; a missing one stops the whole run here, once, with the fix.
export default async function setup(): Promise<() => Promise<void>> {
  if (!process.env.AULA_TEST_DATABASE_URL && !process.env.DATABASE_URL) {
    throw new Error("AULA_TEST_DATABASE_URL is not set. Run the tests with `./aula test`, which starts PostgreSQL, Redis and dockerd.");
  }
  const redis = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  if (!(await reachable(redis.hostname, Number(redis.port || 6379)))) {
    throw new Error(`Redis is not reachable at ${redis.host}. Run the tests with \`./aula test\`.`);
  }
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe" });
  } catch {
    throw new Error("Docker Engine is not answering (docker info failed). Run the tests with `./aula test`, which starts dockerd.");
  }
  // A template of this run's own: a second run on the same PostgreSQL (a developer's checkout
  // and a clean clone, say) must not drop it from under this one. Test workers inherit the env.
  process.env.AULA_TEST_TEMPLATE = `aula_test_template_${process.pid}`;
  await prepareTestTemplate();
  return async () => {
    await dropTestTemplate();
  };
}
