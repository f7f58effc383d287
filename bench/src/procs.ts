import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

// Process helpers for the benchmarks: CPU time and RSS read from /proc, child processes the
// bench starts itself (stopped by their own pid, never by name), and bounded polling.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// USER_HZ: 100 on every Linux these benchmarks run on (`getconf CLK_TCK`).
const clockTicks = Number(process.env.AULA_BENCH_CLK_TCK ?? 100);

/** utime + stime of a process, in ms (resolution: one clock tick, 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces: split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat are utime and stime; here field 3 is index 0.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** Resident set size in MiB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return "";
  }
}

export interface FoundProcess {
  pid: number;
  name: string;
}

/**
 * Every process whose environment carries `AULA_REDIS_PREFIX=<prefix>`: the stack's api, web
 * (and the processes Next.js forks), gateway and worker, named by their command line.
 */
export function stackProcesses(prefix: string): FoundProcess[] {
  const found: FoundProcess[] = [];
  const needle = `AULA_REDIS_PREFIX=${prefix}\0`;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    if (!readProc(pid, "environ").includes(needle)) continue;
    const cmd = readProc(pid, "cmdline").split("\0").join(" ");
    const name = cmd.includes("apps/gateway/dist/server.js")
      ? "gateway"
      : cmd.includes("apps/api/dist/server.js")
        ? "api"
        : cmd.includes("apps/worker/dist/main.js")
          ? "worker"
          : "web";
    found.push({ pid: Number(pid), name });
  }
  return found;
}

/** RSS per control-plane process name (web summed over its forks), in MiB. */
export function controlPlaneRss(prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of stackProcesses(prefix)) {
    const rss = rssMb(p.pid);
    if (Number.isFinite(rss)) out[p.name] = (out[p.name] ?? 0) + rss;
  }
  return out;
}

export class Child {
  private out = "";
  readonly exited: Promise<void>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (b: Buffer) => {
      this.out = (this.out + b.toString("utf8")).slice(-8192);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }
  get pid(): number {
    return this.child.pid!;
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  output(): string {
    return this.out.trim();
  }
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.running && this.child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(t);
  }
}

export function startNode(name: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Child {
  return new Child(name, spawn(process.execPath, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] }));
}

/** Polls until `url` answers 200 (or throws after `deadlineMs`, with the child's output). */
export async function waitFor200(url: string, headers: Record<string, string>, deadlineMs: number, child?: Child): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = "no answer";
  for (;;) {
    if (child && !child.running) throw new Error(`${child.name} exited: ${child.output()}`);
    try {
      const r = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(2_000) });
      last = `${r.status} ${(await r.text()).slice(0, 200)}`;
      if (r.status === 200) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`no 200 from ${url} within ${deadlineMs} ms (last: ${last})${child ? `\n${child.name}: ${child.output()}` : ""}`);
    await sleep(50);
  }
}

/** Rejects if `p` takes longer than `ms`: every scenario has a hard bound. */
export async function bounded<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} exceeded its bound of ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
