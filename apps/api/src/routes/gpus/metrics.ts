import { loadGpuSlots } from "@aula/domain";
import type { Db } from "@aula/db";
import { Gauge, Histogram } from "prom-client";
import { metricsRegistry } from "../../metrics";

// GPU and server gauges computed from the database at scrape time, so they agree with the
// ledger whatever worker did the work; spawn timings are read from Server rows that became
// ready since the last scrape (only since this api started: a histogram resets on restart).
// Metrics register once per process; the routes plugin points them at its database.

let source: { db: Db; readySince: Date } | null = null;

export function useMetricsSource(db: Db): () => void {
  const mine = { db, readySince: new Date() };
  source = mine;
  return () => {
    if (source === mine) source = null;
  };
}

new Gauge({
  name: "aula_gpu_devices",
  help: "GPUs (or MIG slices) present and allocatable, by whether they are simulated.",
  labelNames: ["simulated"] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    if (!source) return;
    const gpus = await loadGpuSlots(source.db);
    this.set({ simulated: "false" }, gpus.filter((g) => !g.simulated).length);
    this.set({ simulated: "true" }, gpus.filter((g) => g.simulated).length);
  },
});

new Gauge({
  name: "aula_gpus_allocated",
  help: "GPU slots held right now (open intervals of the GPU ledger).",
  registers: [metricsRegistry],
  async collect() {
    this.set(source ? await source.db.gpuAllocation.count({ where: { releasedAt: null } }) : 0);
  },
});

new Gauge({
  name: "aula_servers_running",
  help: "Student servers RUNNING, by whether they hold a GPU.",
  labelNames: ["gpu"] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    if (!source) return;
    const rows = await source.db.server.groupBy({ by: ["usesGpu"], where: { status: "RUNNING" }, _count: { _all: true } });
    this.set({ gpu: "true" }, rows.find((r) => r.usesGpu)?._count._all ?? 0);
    this.set({ gpu: "false" }, rows.find((r) => !r.usesGpu)?._count._all ?? 0);
  },
});

new Gauge({
  name: "aula_gpu_queue_length",
  help: "GPU requests waiting in the admission queue (QUEUED servers that asked for a GPU).",
  registers: [metricsRegistry],
  async collect() {
    this.set(source ? await source.db.server.count({ where: { status: "QUEUED", gpuRequest: { in: ["REQUIRED", "PREFERRED"] } } }) : 0);
  },
});

const buckets = [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120, 300, 600, 1800, 3600];

// Registered before the wait histogram: its collect observes both, and metrics are written in
// registration order, so both show the same rows in the same scrape.
new Histogram({
  name: "aula_spawn_duration_seconds",
  help: "From admission to Jupyter answering (container create, start, readiness).",
  buckets,
  registers: [metricsRegistry],
  async collect() {
    if (!source) return;
    const rows = await source.db.server.findMany({
      where: { readyAt: { gt: source.readySince } },
      orderBy: { readyAt: "asc" },
      take: 5000,
      select: { queuedAt: true, startedAt: true, readyAt: true },
    });
    for (const r of rows) {
      const started = r.startedAt ?? r.queuedAt;
      this.observe((r.readyAt!.getTime() - started.getTime()) / 1000);
      waitSeconds.observe(Math.max(0, (started.getTime() - r.queuedAt.getTime()) / 1000));
    }
    const last = rows.at(-1)?.readyAt;
    if (last) source.readySince = last;
  },
});

const waitSeconds: Histogram = new Histogram({
  name: "aula_spawn_queue_wait_seconds",
  help: "From Start pressed to the worker admitting the spawn (queue and GPU admission).",
  buckets,
  registers: [metricsRegistry],
});

