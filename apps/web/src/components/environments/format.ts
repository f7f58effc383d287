import type { BuildStatusName, EnvironmentView } from "@aula/contracts";

/** "1 min 5 s", "42 s", "850 ms". */
export function formatBuildDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m < 60) return rest ? `${m} min ${rest} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function formatMb(mb: number | null): string {
  if (mb === null) return "—";
  return mb >= 10_000 ? `${(mb / 1000).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

export const BUILD_STATUS_LABEL: Record<BuildStatusName, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  unchanged: "Unchanged",
  failed: "Failed",
};

/** The badge class for a build status (globals.css status-*). */
export function buildStatusClass(status: BuildStatusName): string {
  switch (status) {
    case "queued":
    case "running":
      return "status-starting";
    case "succeeded":
      return "status-running";
    case "unchanged":
      return "status-stopped";
    case "failed":
      return "status-failed";
  }
}

export function gpuLabel(env: Pick<EnvironmentView, "gpu" | "gpuShare">): string {
  if (env.gpu === "none") return "none";
  return env.gpuShare > 1 ? `${env.gpu}, shared:${env.gpuShare}` : env.gpu;
}
