import { execFile } from "node:child_process";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { runMigrations } from "@aula/db";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL 15 cluster of the test's own (initdb in a temporary folder, loopback port, trust
 * auth on loopback only), so a test can crash and restart it. The shared cluster on 5432 is never
 * touched: other people's tests use it. Runs as the postgres user, since we are root.
 */
export interface PrivatePostgres {
  /** URL of the migrated `aula` database on this cluster. */
  url: string;
  port: number;
  /** `pg_ctl stop -m immediate`: every backend dies at once, as on a crash; recovery runs at the next start. */
  crash(): Promise<void>;
  /** Starts it again and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it (fast) and removes its folder. */
  stop(): Promise<void>;
}

async function asPostgres(command: string, args: string[]): Promise<string> {
  const { stdout } = await run("runuser", ["-u", "postgres", "--", `${BIN}/${command}`, ...args], { timeout: 60_000 });
  return stdout;
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const root = await mkdtemp(join(tmpdir(), "aula-faults-pg-"));
  const { stdout: uid } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  await chown(root, Number(uid), Number(gid));
  const data = join(root, "data");
  // No fsync: this cluster lives for one test; crash recovery still replays the WAL.
  await asPostgres("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c fsync=off -c max_connections=100`;
  const start = async () => {
    await asPostgres("pg_ctl", ["-D", data, "-o", options, "-l", join(root, "log"), "-w", "-t", "60", "start"]);
  };
  const ctlStop = async (mode: "immediate" | "fast") => {
    await asPostgres("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]).catch(async (error: unknown) => {
      // Already stopped is fine; anything else is worth the log.
      const pid = await readFile(join(data, "postmaster.pid"), "utf8").catch(() => "");
      if (pid) throw new Error(`pg_ctl stop failed: ${(error as Error).message}`);
    });
  };

  await start();
  const base = `postgresql://postgres@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE aula`);
  } finally {
    await admin.end();
  }
  const url = `${base}/aula`;
  await runMigrations({ url });

  return {
    url,
    port,
    crash: () => ctlStop("immediate"),
    start,
    async stop() {
      await ctlStop("fast");
      await rm(root, { recursive: true, force: true });
    },
  };
}
