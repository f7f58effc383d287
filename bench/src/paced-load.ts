import http from "node:http";
import { cpuMs, sleep } from "./procs";
import type { LoadResult } from "./load";

// Sessions with think time. autocannon has no think time: its overallRate lets each connection
// send its whole per-second budget at the start of every second, so 200 sessions arrive as one
// synchronized burst per second (measured here: p99 ~400 ms at 22% CPU), which is no class.
// Here each session loads the dashboard (its paths in turn, one keep-alive connection, like a
// browser tab), then thinks for an exponentially distributed time (mean `thinkS`), starting at a
// random moment: arrivals are independent, as students' are.

export interface PacedOptions {
  origin: string;
  paths: string[];
  sessions: number;
  thinkS: number;
  /** Seconds. */
  duration: number;
  headersFor: (session: number) => Record<string, string>;
  pids?: number[];
}

function get(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

export async function pacedLoad(o: PacedOptions): Promise<LoadResult> {
  const times: number[] = [];
  let failures = 0;
  const cpu0 = (o.pids ?? []).reduce((a, pid) => a + cpuMs(pid), 0);
  const t0 = performance.now();
  const end = t0 + o.duration * 1000;
  const think = () => -Math.log(1 - Math.random()) * o.thinkS * 1000;
  await Promise.all(
    Array.from({ length: o.sessions }, async (_, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const headers = o.headersFor(i);
      try {
        await sleep(Math.random() * o.thinkS * 1000);
        while (performance.now() < end) {
          for (const path of o.paths) {
            const start = performance.now();
            try {
              const status = await get(agent, new URL(path, o.origin), headers);
              if (status >= 200 && status < 300) times.push(performance.now() - start);
              else failures++;
            } catch {
              failures++;
            }
          }
          await sleep(Math.min(think(), Math.max(0, end - performance.now())));
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = (o.pids ?? []).reduce((a, pid) => a + cpuMs(pid), 0);
  const sorted = Float64Array.from(times).sort();
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
  return {
    rps: times.length / elapsed,
    p50: pct(50),
    p99: pct(99),
    requests: times.length,
    failures,
    cpuPer1k: o.pids?.length ? ((cpu1 - cpu0) / Math.max(1, times.length)) * 1000 : NaN,
  };
}
