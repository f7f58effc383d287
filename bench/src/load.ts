import autocannon from "autocannon";
import { cpuMs } from "./procs";

// One autocannon run. autocannon's own histograms keep whole milliseconds, too coarse for
// sub-millisecond proxy overheads, so latency percentiles are taken from its per-response times
// (hrtime, fractional ms) instead. CPU of the process under test comes from /proc.

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; the run's hard bound as well. */
  duration: number;
  headers?: Record<string, string>;
  /** Requests cycled per connection (paths relative to `url`'s origin). */
  paths?: string[];
  /** Per-connection headers (e.g. one session per connection). */
  headersFor?: (connection: number) => Record<string, string>;
  /** Processes whose CPU time is charged to this run. */
  pids?: number[];
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failures: number;
  /** CPU ms of `pids` per 1,000 requests; NaN when no pid was given. */
  cpuPer1k: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const times: number[] = [];
  let ok = 0;
  const cpu0 = (options.pids ?? []).reduce((a, pid) => a + cpuMs(pid), 0);
  const t0 = performance.now();
  let nextConnection = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.duration,
        headers: options.headers ?? {},
        timeout: 10,
        ...(options.paths ? { requests: options.paths.map((path) => ({ method: "GET" as const, path })) } : {}),
        ...(options.headersFor
          ? {
              setupClient: (client: autocannon.Client) => {
                const headers = { ...options.headers, ...options.headersFor!(nextConnection++) };
                if (options.paths) client.setRequests(options.paths.map((path) => ({ method: "GET", path, headers })));
                else client.setHeaders(headers);
              },
            }
          : {}),
      },
      (err: unknown, res) => (err ? reject(err instanceof Error ? err : new Error("autocannon failed", { cause: err })) : resolve(res)),
    );
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) {
        ok++;
        times.push(ms);
      }
    });
  });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = (options.pids ?? []).reduce((a, pid) => a + cpuMs(pid), 0);
  const sorted = Float64Array.from(times).sort();
  return {
    rps: ok / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    requests: ok,
    failures: result.non2xx + result.errors + result.timeouts,
    cpuPer1k: options.pids?.length ? ((cpu1 - cpu0) / Math.max(1, ok)) * 1000 : NaN,
  };
}
