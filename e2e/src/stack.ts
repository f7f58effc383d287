import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { createDb, createTestDatabase, type Db, type TestDatabase } from "@aula/db";
import { createUser, type CreateUserOptions } from "@aula/domain";
import { Redis } from "ioredis";

// A whole Aula (gateway, api, web, and on request the worker) started from the BUILT apps, the
// way production runs them, on test ports with a database and Redis prefix of its own. Tests drive
// it through the gateway, like a browser would.

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const path = (relative: string) => `${REPO_ROOT}${relative}`;

const START_TIMEOUT_MS = Number(process.env.AULA_E2E_START_TIMEOUT_MS ?? 60_000);
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_BYTES = 16_384;
/** The worker listens on nothing: it counts as started once it has stayed up this long. */
const WORKER_SETTLE_MS = 1_500;

const run = promisify(execFile);

export interface StackPorts {
  gateway: number;
  api: number;
  web: number;
}

export function stackPorts(): StackPorts {
  return {
    gateway: Number(process.env.AULA_E2E_GATEWAY_PORT ?? 18000),
    api: Number(process.env.AULA_E2E_API_PORT ?? 18001),
    web: Number(process.env.AULA_E2E_WEB_PORT ?? 13000),
  };
}

export interface TestUser {
  username: string;
  displayName: string;
  role: CreateUserOptions["role"];
  password: string;
}

export interface StackOptions {
  /**
   * Also start the worker (`apps/worker/dist/main.js`), which spawns real containers through the
   * Docker Engine. Teardown then removes the containers (`aula-<username>`, label `aula.server`)
   * and volumes (label `aula.user=<username>`) of every user created through `createUser`.
   */
  worker?: boolean;
  /** Extra environment for the worker only (e.g. `{ AULA_GPUS: "sim:2xH100-80GB" }`); ignored without `worker`. */
  workerEnv?: Record<string, string>;
  /**
   * Extra environment for every app, over the stack's own: e.g. per-user subdomains with
   * `{ AULA_PUBLIC_URL: "http://aula.localhost:18000", AULA_USER_DOMAIN: "aula.localhost" }`.
   * `url` and the readiness checks stay on 127.0.0.1.
   */
  env?: Record<string, string>;
  /** Start the web app (default true). Tests that only use the api and /user/ routes skip it: Next.js is the slowest to start. */
  web?: boolean;
  /** Ports instead of stackPorts() (the fault suite uses 17000s). */
  ports?: StackPorts;
  /**
   * A database of the caller's own (e.g. on a private PostgreSQL the test restarts), already
   * migrated; the stack neither creates nor drops it. Default: a fresh createTestDatabase().
   */
  databaseUrl?: string;
  /** Redis of the caller's own (e.g. a private redis-server the test restarts). Default: REDIS_URL. */
  redisUrl?: string;
  /** Extra node arguments per app, before its script (e.g. `{ api: ["--cpu-prof"] }` for a profile). */
  nodeArgs?: Partial<Record<"api" | "gateway" | "worker", string[]>>;
}

export type StackProcess = "api" | "web" | "gateway" | "worker";

export interface Stack {
  /** The gateway's URL: the only address tests (and browsers) use. */
  url: string;
  ports: StackPorts;
  db: Db;
  redisPrefix: string;
  /** The worker's AULA_DATA_DIR (a temporary folder, removed at stop); null without a worker. */
  dataDir: string | null;
  createUser(options: { username: string; role: TestUser["role"]; displayName?: string; password?: string }): Promise<TestUser>;
  /** The last output of one of the stack's processes ("api", "web", "gateway", "worker"), for failure messages. */
  output(name: string): string;
  /** The pid of one of the stack's processes while it runs, else null. */
  pid(name: StackProcess): number | null;
  /** Kills exactly that process (default SIGKILL, as a crash would) and waits until it has exited. */
  kill(name: StackProcess, signal?: NodeJS.Signals): Promise<void>;
  /** Starts that process again with the same environment (after kill); it does not wait for readiness. */
  start(name: StackProcess): void;
  stop(): Promise<void>;
}

interface Artifact {
  file: string;
  build: string;
}

const ARTIFACTS: Record<"api" | "gateway" | "web" | "worker", Artifact> = {
  api: { file: "apps/api/dist/server.js", build: "pnpm --filter @aula/api build" },
  gateway: { file: "apps/gateway/dist/server.js", build: "pnpm --filter @aula/gateway build" },
  web: { file: "apps/web/.next/BUILD_ID", build: "pnpm --filter @aula/web build" },
  worker: { file: "apps/worker/dist/main.js", build: "pnpm --filter @aula/worker build" },
};

/** A missing build is a setup mistake, not a test failure: say which command fixes it. */
export function assertBuilt(options: StackOptions = {}): void {
  const needed = [ARTIFACTS.api, ARTIFACTS.gateway, ARTIFACTS.web, ...(options.worker ? [ARTIFACTS.worker] : [])];
  const missing = needed.filter((a) => !existsSync(path(a.file)));
  if (missing.length > 0) {
    throw new Error(
      `The e2e tests run the built apps, and these are missing:\n${missing.map((a) => `  ${a.file}: build it with \`${a.build}\``).join("\n")}`,
    );
  }
}

async function assertPortFree(port: number, name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", () =>
      reject(new Error(`Port ${port} (${name}) is already in use: another stack, or one left over from an interrupted run, is listening there. Stop it, or pick other ports with AULA_E2E_GATEWAY_PORT, AULA_E2E_API_PORT and AULA_E2E_WEB_PORT.`)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

class Proc {
  readonly exited: Promise<void>;
  private output = "";
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  describeExit(): string {
    const how = this.child.signalCode ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
    return `${this.name} (pid ${this.child.pid}) exited with ${how} before the stack was ready. Its output:\n${this.output.trim() || "(none)"}`;
  }
  tail(): string {
    return this.output.trim();
  }
  /** Stops exactly this process: SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (this.running) this.child.kill("SIGKILL");
    }, STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

function start(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  return new Proc(name, child);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitUntilReady(url: string, procs: Proc[], web: boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  // Health proves gateway → api → database and Redis; /login proves gateway → web.
  const checks = [`${url}/api/v1/health`, ...(web ? [`${url}/login`] : [])];
  for (;;) {
    const dead = procs.find((p) => !p.running);
    if (dead) throw new Error(dead.describeExit());
    const results = await Promise.all(checks.map(answers));
    if (results.every(Boolean)) return;
    if (Date.now() > deadline) {
      const failing = checks.filter((_, i) => !results[i]).join(", ");
      const outputs = procs.map((p) => `--- ${p.name} (pid ${p.child.pid}) ---\n${p.tail() || "(no output)"}`).join("\n");
      throw new Error(`The stack did not become ready within ${START_TIMEOUT_MS / 1000} s: ${failing} did not answer 200.\n${outputs}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The worker needs the Docker Engine; without it every spawn would fail with a less clear reason. */
async function assertDocker(): Promise<void> {
  try {
    await run("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 15_000 });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(`The worker needs a running Docker Engine and the docker CLI, and \`docker info\` failed: ${detail}`);
  }
}

async function dockerIds(args: string[]): Promise<string[]> {
  const { stdout } = await run("docker", args, { timeout: 30_000 });
  return stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}

/**
 * Removes what the worker created for one user: the container `aula-<username>` (only if it
 * carries the `aula.server` label, so nothing else of that name is touched) and the volumes
 * labelled `aula.user=<username>`. Test usernames are random, so no one else's are matched.
 */
export async function removeUserContainers(username: string): Promise<void> {
  const containers = await dockerIds(["ps", "-aq", "--filter", `name=^aula-${username}$`, "--filter", "label=aula.server"]);
  if (containers.length > 0) await run("docker", ["rm", "-f", "-v", ...containers], { timeout: 60_000 });
  const volumes = await dockerIds(["volume", "ls", "-q", "--filter", `label=aula.user=${username}`]);
  if (volumes.length > 0) await run("docker", ["volume", "rm", "-f", ...volumes], { timeout: 60_000 });
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Vitest's own variables would make the apps believe they run inside a test.
    if (key.startsWith("VITEST") || key === "TEST" || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  return { ...env, NODE_ENV: "production", LOG_LEVEL: "warn", NEXT_TELEMETRY_DISABLED: "1", ...overrides };
}

/** A caller's database: used as is, only disconnected at stop. */
function ownDatabase(url: string): Pick<TestDatabase, "url" | "db" | "drop"> {
  const db = createDb({ url, max: 5 });
  return { url, db, drop: () => db.$disconnect() };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  assertBuilt(options);
  if (options.worker) await assertDocker();
  const web = options.web ?? true;
  const ports = options.ports ?? stackPorts();
  await assertPortFree(ports.gateway, "gateway");
  await assertPortFree(ports.api, "api");
  if (web) await assertPortFree(ports.web, "web");

  const url = `http://127.0.0.1:${ports.gateway}`;
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redisPrefix = `aula-e2e-${randomBytes(4).toString("hex")}`;
  const database: Pick<TestDatabase, "url" | "db" | "drop"> = options.databaseUrl ? ownDatabase(options.databaseUrl) : await createTestDatabase();
  const env = childEnv({
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    AULA_REDIS_PREFIX: redisPrefix,
    AULA_PORT: String(ports.gateway),
    AULA_API_PORT: String(ports.api),
    AULA_WEB_PORT: String(ports.web),
    AULA_PUBLIC_URL: url,
    ...options.env,
  });

  const dataDir = options.worker ? await mkdtemp(join(tmpdir(), "aula-e2e-data-")) : null;
  const usernames: string[] = [];
  const procs: Proc[] = [];
  const starters = new Map<StackProcess, () => Proc>();
  const launch = (name: StackProcess) => {
    const starter = starters.get(name);
    if (!starter) throw new Error(`This stack has no ${name} process.`);
    const proc = starter();
    const at = procs.findIndex((p) => p.name === name);
    if (at >= 0) procs[at] = proc;
    else procs.push(proc);
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Worker first (it would recreate what we remove), then the front door, so nothing reaches
    // a half-stopped api or web.
    for (const proc of [...procs].reverse()) await proc.stop();
    const problems: string[] = [];
    if (options.worker) {
      for (const username of usernames) {
        await removeUserContainers(username).catch((error: unknown) => problems.push(`containers of ${username}: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    await deleteRedisKeys(redisUrl, redisPrefix).catch(() => undefined);
    await database.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    if (problems.length > 0) throw new Error(`Teardown could not remove everything the test created:\n${problems.join("\n")}`);
  };

  try {
    // The api stores course materials where the worker mounts them from.
    starters.set("api", () => start("api", [...(options.nodeArgs?.api ?? []), path(ARTIFACTS.api.file)], path("apps/api"), dataDir ? { ...env, AULA_DATA_DIR: dataDir } : env));
    if (web) starters.set("web", () => start("web", [path("apps/web/node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(ports.web)], path("apps/web"), env));
    starters.set("gateway", () => start("gateway", [...(options.nodeArgs?.gateway ?? []), path(ARTIFACTS.gateway.file)], path("apps/gateway"), env));
    if (dataDir) starters.set("worker", () => start("worker", [...(options.nodeArgs?.worker ?? []), path(ARTIFACTS.worker.file)], path("apps/worker"), { ...env, ...options.workerEnv, AULA_DATA_DIR: dataDir }));
    for (const name of starters.keys()) launch(name);
    await waitUntilReady(url, procs, web);
    if (dataDir) {
      await new Promise((r) => setTimeout(r, WORKER_SETTLE_MS));
      const dead = procs.find((p) => !p.running);
      if (dead) throw new Error(dead.describeExit());
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    ports,
    db: database.db,
    redisPrefix,
    dataDir,
    async createUser({ username, role, displayName, password }) {
      const name = displayName ?? `${username.charAt(0).toUpperCase()}${username.slice(1)} Tester`;
      const created = await createUser(database.db, { username, displayName: name, role, ...(password ? { password } : {}) });
      usernames.push(username);
      return { username, displayName: name, role, password: created.password };
    },
    output(name) {
      return procs.find((p) => p.name === name)?.tail() ?? "";
    },
    pid(name) {
      const proc = procs.find((p) => p.name === name);
      return proc?.running ? (proc.child.pid ?? null) : null;
    },
    async kill(name, signal = "SIGKILL") {
      const proc = procs.find((p) => p.name === name);
      if (!proc?.running) return;
      proc.child.kill(signal);
      await proc.exited;
    },
    start(name) {
      if (procs.find((p) => p.name === name)?.running) throw new Error(`${name} is already running.`);
      launch(name);
    },
    stop,
  };
}
