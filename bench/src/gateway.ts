import { load, type LoadResult } from "./load";
import { rssMb } from "./procs";
import type { Proxies, Target, Upstream } from "./proxies";
import { figure, type Figure } from "./stats";

// Scenario 3: requests/s, p50/p99 and the proxy's CPU per 1,000 requests through Aula's gateway,
// configurable-http-proxy and directly, at concurrency 1 and 10, against the static upstream and
// the running notebook. Targets rotate inside each repetition so noise hits all three alike.
// Scenario 6a: the gateway's RSS before and after many proxied requests.

const TARGETS = ["gateway", "chp", "direct"] as const;
type TargetName = (typeof TARGETS)[number];

export interface TargetFigures {
  rps: Figure;
  p50: Figure;
  p99: Figure;
  cpuPer1k: Figure | null;
  failures: number;
}

export interface GatewayCase {
  upstream: "static" | "notebook";
  connections: number;
  gateway: TargetFigures;
  chp: TargetFigures;
  direct: TargetFigures;
  /** gateway / chp requests/s (goal with static: ≥ 2). */
  rpsVsChp: number;
  /** gateway / chp CPU per request (goal with static: ≤ 0.5). */
  cpuVsChp: number;
  /** gateway p50 − direct p50, ms (goal with the notebook: ≤ 0.3). */
  addedP50Ms: number;
  /** chp p50 − direct p50, ms. */
  chpAddedP50Ms: number;
}

function summarise(runs: LoadResult[]): TargetFigures {
  const cpu = runs.map((r) => r.cpuPer1k).filter(Number.isFinite);
  return {
    rps: figure(runs.map((r) => r.rps)),
    p50: figure(runs.map((r) => r.p50)),
    p99: figure(runs.map((r) => r.p99)),
    cpuPer1k: cpu.length ? figure(cpu) : null,
    failures: runs.reduce((a, r) => a + r.failures, 0),
  };
}

const run = (upstream: Upstream, t: Target, connections: number, duration: number) =>
  load({ url: `${t.origin}${upstream.path}`, headers: t.headers, connections, duration, pids: t.pid === null ? [] : [t.pid] });

export async function gatewayScenario(proxies: Proxies, opts: { reps: number; duration: number }): Promise<GatewayCase[]> {
  const cases: GatewayCase[] = [];
  for (const name of ["static", "notebook"] as const) {
    const upstream = proxies[name];
    // Warm-up: connections, JIT, caches (the gateway's credential cache among them).
    for (const t of TARGETS) await run(upstream, upstream[t], 10, 1);
    for (const connections of [1, 10]) {
      const runs: Record<TargetName, LoadResult[]> = { gateway: [], chp: [], direct: [] };
      for (let rep = 0; rep < opts.reps; rep++) {
        for (let k = 0; k < TARGETS.length; k++) {
          const t = TARGETS[(rep + k) % TARGETS.length]!;
          runs[t].push(await run(upstream, upstream[t], connections, opts.duration));
        }
      }
      const g = summarise(runs.gateway);
      const c = summarise(runs.chp);
      const d = summarise(runs.direct);
      cases.push({
        upstream: name,
        connections,
        gateway: g,
        chp: c,
        direct: d,
        rpsVsChp: g.rps.median / c.rps.median,
        cpuVsChp: (g.cpuPer1k?.median ?? NaN) / (c.cpuPer1k?.median ?? NaN),
        addedP50Ms: g.p50.median - d.p50.median,
        chpAddedP50Ms: c.p50.median - d.p50.median,
      });
      console.error(`[bench] gateway ${name} c=${connections}: gateway ${g.rps.median.toFixed(0)} req/s, chp ${c.rps.median.toFixed(0)}, direct ${d.rps.median.toFixed(0)}`);
    }
  }
  return cases;
}

export interface GatewayMemory {
  requests: number;
  seconds: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** RSS after each chunk of load, MiB: flat means no leak. */
  trajectoryMb: number[];
  failures: number;
}

/**
 * Scenario 6a: static-upstream requests through the gateway (concurrency 10) in chunks until
 * `target` requests or `boundS` seconds, whichever first, with RSS read after each chunk.
 */
export async function gatewayMemory(proxies: Proxies, opts: { target: number; boundS: number; chunkS: number }): Promise<GatewayMemory> {
  const t = proxies.static.gateway;
  const rssBeforeMb = rssMb(proxies.gatewayPid);
  const trajectoryMb: number[] = [];
  let requests = 0;
  let failures = 0;
  const t0 = performance.now();
  while (requests < opts.target && (performance.now() - t0) / 1000 + opts.chunkS <= opts.boundS) {
    const r = await load({ url: `${t.origin}${proxies.static.path}`, headers: t.headers, connections: 10, duration: opts.chunkS });
    requests += r.requests;
    failures += r.failures;
    trajectoryMb.push(rssMb(proxies.gatewayPid));
  }
  return {
    requests,
    seconds: (performance.now() - t0) / 1000,
    rssBeforeMb,
    rssAfterMb: rssMb(proxies.gatewayPid),
    trajectoryMb,
    failures,
  };
}
