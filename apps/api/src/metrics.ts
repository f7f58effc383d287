import { collectDefaultMetrics, Counter, Registry } from "prom-client";

// One registry per process, served at GET /metrics. Other modules add their own gauges with
// `registers: [metricsRegistry]`; names start with "aula_".
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpRequestsTotal = new Counter({
  name: "aula_http_requests_total",
  help: "HTTP requests answered by the api, by method, route pattern and status code.",
  // The route pattern, never the raw URL: usernames in paths would explode the label set.
  labelNames: ["method", "route", "status"] as const,
  registers: [metricsRegistry],
});
