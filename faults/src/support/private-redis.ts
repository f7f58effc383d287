import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { until } from "./waits";

/**
 * A redis-server of the test's own, on a loopback port in a temporary folder, configured like
 * `./aula up`'s (append-only file, noeviction). The shared Redis on 6379 is never touched: other
 * people's tests use it. The test kills and restarts this one.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL, as a crash would; the append-only file keeps what was acknowledged. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it (by its pid) and removes its folder. */
  stop(): Promise<void>;
}

export async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), "aula-faults-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = "";

  const launch = async () => {
    output = "";
    const proc = spawn(
      "redis-server",
      ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--save", "", "--daemonize", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.stdout?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    proc.stderr?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    child = proc;
    await until(
      `the private redis-server on ${port} to answer (output: ${output})`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on("error", () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === "PONG";
        } finally {
          probe.disconnect();
        }
      },
      20_000,
    );
  };

  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
  };

  await launch();
  return {
    url,
    port,
    kill,
    start: launch,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
